from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from core.api import BaseSerializer, DetailUrlField, RepeatedBriefMixin
from geo.models import Area, AreaName

__all__ = ["AreaBriefSerializer", "AreaNameSerializer", "AreaSerializer"]


class AreaBriefSerializer(RepeatedBriefMixin, BaseSerializer):
    """How an area appears inside another record (an incident's district and province)."""

    url = DetailUrlField(view_name="api:area-detail")

    class Meta:
        model = Area
        fields = ("id", "url", "display", "code", "level")
        brief_fields = ("id", "url", "display", "code", "level")


class AreaNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = AreaName
        fields = ("name", "language")


class AreaSerializer(BaseSerializer):
    """An area with its names in every script and its centroid; the boundary only when asked (``?geometry=1``)."""

    url = DetailUrlField(view_name="api:area-detail")
    parent = AreaBriefSerializer(read_only=True, allow_null=True)
    names = AreaNameSerializer(many=True, read_only=True)
    longitude = serializers.SerializerMethodField(help_text="Centroid longitude (WGS 84).")
    latitude = serializers.SerializerMethodField(help_text="Centroid latitude (WGS 84).")
    boundary = GeometryField(
        read_only=True, allow_null=True, required=False, help_text="GeoJSON MultiPolygon; only with ?geometry=1."
    )

    class Meta:
        model = Area
        fields = (
            "id", "url", "display", "code", "pcode", "name", "level", "country_code", "parent", "names",
            "longitude", "latitude", "valid_from", "valid_to", "boundary",
        )  # fmt: skip
        brief_fields = ("id", "url", "display", "code", "level")

    def get_fields(self):
        fields = super().get_fields()
        view = self.context.get("view")
        # Boundaries are heavy (thousands of vertices): only on request, and always in the schema.
        if not (getattr(view, "geometry", False) or getattr(view, "swagger_fake_view", False)):
            fields.pop("boundary", None)
        return fields

    def get_longitude(self, obj) -> float:
        return obj.centroid.x

    def get_latitude(self, obj) -> float:
        return obj.centroid.y
