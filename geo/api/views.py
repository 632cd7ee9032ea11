from core.api import BaseViewSet
from core.permissions import API_READ_PERMISSIONS
from geo.api.serializers import AreaSerializer
from geo.filters import AreaFilterSet
from geo.models import Area

__all__ = ["AreaViewSet"]


class AreaViewSet(BaseViewSet):
    """Provinces and districts (and countries) with their names; ``?geometry=1`` adds the boundary."""

    queryset = Area.objects.select_related("parent").prefetch_related("names")
    serializer_class = AreaSerializer
    # Admins manage reference data without a desk role: they read it here too.
    read_permissions = (*API_READ_PERMISSIONS, "geo.view_area")
    filterset_class = AreaFilterSet

    @property
    def geometry(self) -> bool:
        return self.request.query_params.get("geometry") in ("1", "true", "True")

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.geometry else queryset.defer("boundary")
