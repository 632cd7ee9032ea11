"""The one FilterSet for incidents: used by the HTML list, the API, the CSV export and the map tiles.

Always applied to ``Incident.objects.visible_to(user)``: filters narrow what a user may see, never widen it.
Pass the request (``IncidentFilterSet(request.GET, queryset=..., request=request)``) so that filters looking
into claims and attributions see only the rows that user may see.
"""

import django_filters
from django.db.models import OuterRef, Q, Subquery

from actors.models import Actor
from core.filters import BaseFilterSet, MultiValueCharFilter, MultiValueNumberFilter, StrictBooleanFilter
from geo.choices import GeoPrecision
from geo.models import AreaName
from incidents.choices import AssessmentGrade, Category, DatePrecision, IncidentKind, Sensitivity, Status
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident
from incidents.querysets import can_see_restricted, is_desk

__all__ = ["IncidentFilterSet"]


class IncidentOrderingFilter(django_filters.OrderingFilter):
    """Sort by a column, then newest first and by id, so pages never shuffle between requests."""

    def filter(self, qs, value):
        value = [param for param in value or () if param]  # "?ordering=,," passes the choice check as empty names
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        named = {field.lstrip("-") for field in ordering}
        tie_breakers = [field for field in ("-start_date", "-id") if field.lstrip("-") not in named]
        return qs.order_by(*ordering, *tie_breakers)


class IncidentFilterSet(BaseFilterSet):
    """Filters a desk and partners need. Multi-value filters take ``?kind=a&kind=b`` (codes also ``a,b``)."""

    id = MultiValueNumberFilter(field_name="id", label="ID")
    kind = django_filters.MultipleChoiceFilter(choices=IncidentKind.choices, distinct=False)
    category = django_filters.MultipleChoiceFilter(choices=Category.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    sensitivity = django_filters.MultipleChoiceFilter(choices=Sensitivity.choices, distinct=False)
    date_precision = django_filters.MultipleChoiceFilter(choices=DatePrecision.choices, distinct=False)
    geo_precision = django_filters.MultipleChoiceFilter(choices=GeoPrecision.choices, distinct=False)
    grade = django_filters.MultipleChoiceFilter(
        choices=AssessmentGrade.choices, method="filter_grade", distinct=False, label="Grade (current assessment)"
    )
    contested = StrictBooleanFilter(method="filter_contested", label="Contested (from the claims you may see)")
    place_disagrees = StrictBooleanFilter(
        method="filter_place_disagrees", label="Point and place text disagree (over 25 km apart)"
    )
    province = MultiValueCharFilter(field_name="province__code", label="Province (code)")
    province_id = MultiValueNumberFilter(field_name="province_id", label="Province (ID)")
    district = MultiValueCharFilter(field_name="district__code", label="District (code)")
    district_id = MultiValueNumberFilter(field_name="district_id", label="District (ID)")
    actor = MultiValueCharFilter(method="filter_actor", label="Actor (slug)")
    actor_id = MultiValueNumberFilter(method="filter_actor", label="Actor (ID)")
    start_date__gte = django_filters.DateFilter(field_name="start_date", lookup_expr="gte", label="From")
    start_date__lte = django_filters.DateFilter(field_name="start_date", lookup_expr="lte", label="To")
    ordering = IncidentOrderingFilter(
        fields=(("start_date", "start_date"), ("created", "created"), ("title", "title"), ("kind", "kind"),
                ("status", "status"), ("submitted_at", "submitted"), ("id", "id")),
    )  # fmt: skip

    search_fields = ("title", "description", "place_text")

    # Desk-only columns: a partner may neither filter nor sort by what the API does not show them.
    desk_only_filters: tuple[str, ...] = ()
    desk_only_orderings = ("submitted",)

    class Meta:
        model = Incident
        fields = []  # every filter is declared above, with its label

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_desk(self.user):
            for name in self.desk_only_filters:
                self.filters.pop(name, None)
            ordering = self.filters["ordering"]
            ordering.extra["choices"] = [
                (value, label)
                for value, label in ordering.extra["choices"]
                if value.lstrip("-") not in self.desk_only_orderings
            ]
            ordering.__dict__.pop("_field", None)  # a form field built earlier would keep the old choices

    def search_q(self, value):
        condition = super().search_q(value)
        # An incident placed in Paktika is found by پکتیکا or Paktīkā too: the area's names in every script.
        # Ids fetched first (the gazetteer is small): a subquery inside the OR would keep PostgreSQL from
        # combining the trigram indexes on the text columns, and it would read every row instead.
        areas = list(AreaName.objects.filter(name__icontains=value).values_list("area_id", flat=True).distinct())
        if areas:
            condition |= Q(district_id__in=areas) | Q(province_id__in=areas)
        return condition

    def filter_contested(self, queryset, name, value):
        """Each audience filters on the flag computed from what it may see: editors on every claim, others on
        claims citing public sources (``Incident.contested``), so the filter never counts a hidden claim."""
        field = "contested_all" if can_see_restricted(self.user) else "contested"
        return queryset.filter(**{field: value})

    def filter_place_disagrees(self, queryset, name, value):
        return queryset.filter(text_district_elsewhere__isnull=not value)

    def filter_grade(self, queryset, name, value):
        latest = Assessment.objects.filter(incident=OuterRef("pk")).order_by("-decided_at", "-id").values("grade")[:1]
        return queryset.alias(filter_current_grade=Subquery(latest)).filter(filter_current_grade__in=value)

    def filter_actor(self, queryset, name, value):
        """Incidents where the actor claims casualties, or is attributed a role, or asserts an attribution.

        Only claims and attributions this user may see count: a hidden one must not be revealed by a filter.
        Subqueries on incident ids, so no join multiplies rows and no ``distinct`` is needed.
        """
        actors = Actor.objects.filter(slug__in=value) if name == "actor" else Actor.objects.filter(pk__in=value)
        actors = actors.values("pk")
        claims = CasualtyClaim.objects.visible_to(self.user).filter(claimant__in=actors).values("incident_id")
        attributions = (
            Attribution.objects.visible_to(self.user)
            .filter(withdrawn=False)
            .filter(Q(actor__in=actors) | Q(asserted_by__in=actors))
            .values("incident_id")
        )
        return queryset.filter(Q(pk__in=claims) | Q(pk__in=attributions))
