"""The one FilterSet per gazetteer model, shared by the API and pages."""

import django_filters
from django.db.models import Q

from core.filters import BaseFilterSet, MultiValueCharFilter, MultiValueNumberFilter
from geo.choices import AreaLevel
from geo.models import Area, AreaName

__all__ = ["AreaFilterSet"]


class AreaFilterSet(BaseFilterSet):
    """``q`` matches the name or any alternative name (Paktika / Paktīkā / پکتیکا)."""

    id = MultiValueNumberFilter(field_name="id", label="ID")
    code = MultiValueCharFilter(field_name="code")
    level = django_filters.MultipleChoiceFilter(choices=AreaLevel.choices, distinct=False)
    country_code = MultiValueCharFilter(field_name="country_code", label="Country (ISO 3166-1 alpha-2)")
    parent = MultiValueCharFilter(field_name="parent__code", label="Parent (code)")
    parent_id = MultiValueNumberFilter(field_name="parent_id", label="Parent (ID)")
    valid_on = django_filters.DateFilter(method="filter_valid_on", label="Existed on")

    search_fields = ("name", "code", "pcode")

    class Meta:
        model = Area
        fields = []

    def search_q(self, value):
        names = AreaName.objects.filter(name__icontains=value).values("area_id")
        return super().search_q(value) | Q(pk__in=names)

    def filter_valid_on(self, queryset, name, value):
        return queryset.valid_on(value)
