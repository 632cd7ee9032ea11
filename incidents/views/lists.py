"""The incident list and the editors' review queue: one FilterSet (the API's), paginated."""

from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Subquery
from django.shortcuts import render
from django.views import View

from actors.models import Actor
from geo.choices import AreaLevel
from geo.models import Area
from incidents.choices import Status
from incidents.filters import IncidentFilterSet
from incidents.models import Assessment, Incident
from incidents.models.claims import live_claim_counts
from incidents.querysets import can_see_restricted
from incidents.views.base import DeskMixin, EditorMixin

PAGE_SIZES = (25, 50, 100)


def _list_queryset(user):
    latest_grade = Assessment.objects.filter(incident=OuterRef("pk")).order_by("-decided_at", "-id").values("grade")
    visible = Incident.objects.visible_to(user)
    return (
        visible.for_list()
        .defer("description", "internal_notes")  # long texts the table never shows
        .annotate(
            # The contested flag this reader may see (editors: counting claims citing restricted sources too).
            is_contested=F("contested_all") if can_see_restricted(user) else F("contested"),
            current_grade=Subquery(latest_grade[:1]),
            # A merged duplicate names its survivor only to those who may see it (as its page does).
            merged_into_visible=Exists(visible.filter(pk=OuterRef("merged_into_id"))),
        )
    )


def _with_live_claim_counts(user, incidents) -> list[Incident]:
    """The page's incidents, each with ``live_claim_count``: the live claims its page shows this reader (a claim
    revised by one they may not see stays live for them)."""
    incidents = list(incidents)
    counts = live_claim_counts(user, [incident.pk for incident in incidents])
    for incident in incidents:
        incident.live_claim_count = counts.get(incident.pk, 0)
    return incidents


class FilteredListMixin:
    """An IncidentFilterSet over ``visible_to(user)``, paginated; the same FilterSet the API uses."""

    template_name = ""
    default_ordering = "-start_date"

    def base_queryset(self):
        return _list_queryset(self.request.user)

    def get(self, request, *args, **kwargs):
        data = request.GET.copy()
        if not data.get("ordering"):
            data["ordering"] = self.default_ordering
        filterset = IncidentFilterSet(data, queryset=self.base_queryset(), request=request)
        queryset = filterset.qs if filterset.is_valid() else self.base_queryset().none()
        try:
            per_page = int(request.GET.get("per_page", PAGE_SIZES[0]))
        except ValueError:
            per_page = PAGE_SIZES[0]
        per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
        page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        sort_query = query.copy()
        sort_query.pop("ordering", None)
        context = {
            "filterset": filterset,
            "filter_form": filterset.form,
            "page_obj": page,
            "incidents": _with_live_claim_counts(request.user, page.object_list),
            "query_string": query.urlencode(),
            "sort_query_string": sort_query.urlencode(),
            "ordering": data.get("ordering"),
            "page_sizes": PAGE_SIZES,
            "per_page": per_page,
            "provinces": Area.objects.filter(level=AreaLevel.PROVINCE).only("code", "name", "country_code"),
            "actors": Actor.objects.only("slug", "name"),
            "selected": {
                "province": request.GET.getlist("province"),
                "actor": request.GET.getlist("actor"),
                "kind": request.GET.getlist("kind"),
                "category": request.GET.getlist("category"),
                "status": request.GET.getlist("status"),
                "grade": request.GET.getlist("grade"),
                "sensitivity": request.GET.getlist("sensitivity"),
            },
            **self.extra_context(),
        }
        return render(request, self.template_name, context)

    def extra_context(self) -> dict:
        return {}


class IncidentListView(DeskMixin, FilteredListMixin, View):
    """Every incident the user may see, filtered, sorted and paginated."""

    template_name = "incidents/incident_list.html"


class ReviewQueueView(EditorMixin, FilteredListMixin, View):
    """Incidents waiting for an editor, longest-waiting first (by when they were sent for review)."""

    template_name = "incidents/review_queue.html"
    default_ordering = "submitted"

    def base_queryset(self):
        return _list_queryset(self.request.user).filter(status=Status.IN_REVIEW, merged_into__isnull=True)
