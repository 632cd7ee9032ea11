from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework_gis.pagination import GeoJsonPagination

__all__ = ["CappedGeoJsonPagination", "CheckedPageMixin", "Pagination"]


class CheckedPageMixin:
    """``?page=`` is a whole number from 1 (or ``last``); anything else (``-1``, ``1e9``, ``NaN``) is a 400 naming
    it. A page past the last one stays DRF's 404."""

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)
        whole = isinstance(number, str) and len(number) <= 18 and number.isascii() and number.isdigit()
        if isinstance(number, str) and not (whole and int(number) >= 1):
            raise ValidationError({self.page_query_param: ["A page number is a whole number from 1, or 'last'."]})
        return number


class Pagination(CheckedPageMixin, PageNumberPagination):
    """Kept apart from core.api: DRF imports the pagination class while core.api is importing DRF."""

    page_size_query_param = "page_size"
    max_page_size = 500


class CappedCountPaginator(Paginator):
    """Counts at most ``cap`` + 1 rows: a map viewport over a million incidents needs its page, not an exact
    total, and an exact ``count(*)`` was most of the time such a request took (690 ms of 700 at 1M)."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        # Any cap + 1 rows tell whether there are more than cap: unordered, PostgreSQL counts them off the
        # spatial index instead of walking the page's order (the primary key) past every row outside the box.
        return self.object_list.order_by()[: self.cap + 1].count()

    def page(self, number):
        # Django trims the last page to ``count``; past the cap that would cut real rows off the page.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


class CappedGeoJsonPagination(CheckedPageMixin, GeoJsonPagination):
    """GeoJSON pages whose ``count`` is exact up to the cap; ``count_exceeds_cap`` says when it is a floor."""

    django_paginator_class = CappedCountPaginator
    page_size = 500
    max_page_size = 2000

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        cap = self.django_paginator_class.cap
        response.data["count_exceeds_cap"] = self.page.paginator.count > cap
        response.data["count"] = min(self.page.paginator.count, cap)
        return response

    def get_paginated_response_schema(self, view):
        schema = super().get_paginated_response_schema(view)
        schema["properties"]["count_exceeds_cap"] = {"type": "boolean"}
        return schema
