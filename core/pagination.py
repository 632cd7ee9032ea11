from rest_framework.pagination import PageNumberPagination

__all__ = ["Pagination"]


class Pagination(PageNumberPagination):
    """Kept apart from core.api: DRF imports the pagination class while core.api is importing DRF."""

    page_size_query_param = "page_size"
    max_page_size = 500
