"""The one FilterSet for summary cells, shared by the API, the map's low-zoom layer and the reports pages."""

import django_filters

from core.filters import MultiValueCharFilter, MultiValueNumberFilter
from geo.choices import AreaLevel
from incidents.choices import Category
from reports.models import Scope, SummaryCell

__all__ = ["SummaryCellFilterSet"]


class SummaryCellFilterSet(django_filters.FilterSet):
    """By area (code or id), the area's level, month range, category and scope.

    ``scope`` only narrows what ``visible_to`` allows: a partner asking for ``desk`` cells gets none.
    """

    area = MultiValueCharFilter(field_name="area__code", label="Area (code)")
    area_id = MultiValueNumberFilter(field_name="area_id", label="Area (ID)")
    level = django_filters.MultipleChoiceFilter(field_name="area__level", choices=AreaLevel.choices, distinct=False)
    category = django_filters.MultipleChoiceFilter(choices=Category.choices, distinct=False)
    scope = django_filters.ChoiceFilter(choices=Scope.choices)
    month__gte = django_filters.DateFilter(field_name="month", lookup_expr="gte", label="From month")
    month__lte = django_filters.DateFilter(field_name="month", lookup_expr="lte", label="To month")

    class Meta:
        model = SummaryCell
        fields = []
