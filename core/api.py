"""Bases for every app's API: permission-filtered querysets, brief rendering, pagination."""

from collections.abc import Mapping

from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ParseError
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.filters import InBBoxFilter

from core.permissions import RolePermission
from core.points import LIMITS, coordinate

__all__ = [
    "BBoxFilter", "BaseSerializer", "BaseViewSet", "CoordinateField", "DetailUrlField", "KnownFieldsMixin",
    "PointGeometryField", "RepeatedBriefMixin",
]  # fmt: skip

_MARKER = 2147483647  # an id no row has; replaced by each object's id


class DetailUrlField(serializers.HyperlinkedIdentityField):
    """The object's API URL, as DRF's, but resolved once per view name and request, then formatted per object.

    A page of 100 incidents links ~800 actors, areas and incidents; ``reverse()`` for each was ~40% of the
    serializer's time. Same output: absolute URL, format suffix kept.
    """

    def get_url(self, obj, view_name, request, format):
        if getattr(obj, "pk", None) in (None, ""):
            return None
        templates = self.context.setdefault("_detail_url_templates", {})
        key = (view_name, format)
        if key not in templates:
            url = self.reverse(view_name, kwargs={self.lookup_url_kwarg: _MARKER}, request=request, format=format)
            templates[key] = url.split(f"/{_MARKER}/", 1)
        head_tail = templates[key]
        if len(head_tail) != 2:  # a URL shape this shortcut does not know: do it the slow way
            return super().get_url(obj, view_name, request, format)
        return f"{head_tail[0]}/{getattr(obj, self.lookup_field)}/{head_tail[1]}"


class PointGeometryField(GeometryField):
    """A point as GeoJSON straight from its coordinates. rest_framework_gis goes through an OGR geometry, a
    spatial reference and a JSON parse, twice per point: half of a 500-feature map page's time."""

    def to_representation(self, value):
        if value is not None and not isinstance(value, dict) and value.geom_type == "Point" and not value.empty:
            # The stored doubles as they are: a coordinate typed or imported as 35.214964 comes back as 35.214964
            # (GDAL's writer would also trim digits of computed points, e.g. 35.214963999999995).
            return {"type": "Point", "coordinates": [value.x, value.y]}
        return super().to_representation(value)


class BaseSerializer(serializers.ModelSerializer):
    """A model serializer that renders ``Meta.brief_fields`` only when the view asks for brief output."""

    display = serializers.SerializerMethodField()

    def get_display(self, obj) -> str:
        return str(obj)

    def get_field_names(self, declared_fields, info):
        if self.context.get("brief"):
            return list(self.Meta.brief_fields)
        return super().get_field_names(declared_fields, info)


class RepeatedBriefMixin:
    """For the brief serializers of records a page repeats (an actor claims in many incidents, a source backs
    claims and attributions): each record is rendered once per response and reused. The rendering depends only on
    the record and the request, and the rows were already cut down to what the user may see."""

    def to_representation(self, instance):
        cache = self.context.setdefault("_brief_representations", {})
        key = (type(self), instance.pk)
        if key not in cache:
            cache[key] = super().to_representation(instance)
        return cache[key]


class KnownFieldsMixin:
    """For every serializer that takes input: a key it does not know (or may not write) is a 400 naming it, not
    silently dropped. A claim posted in the shape the API returns (``"ranges": {...}``) is refused, not saved
    without its figures."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                raise serializers.ValidationError(
                    {key: [f"Unknown field: this endpoint takes {', '.join(sorted(writable))}."] for key in unknown}
                )
        return super().to_internal_value(data)


class CoordinateField(serializers.FloatField):
    """Degrees of ``longitude`` or ``latitude``, checked by ``core.points.coordinate`` as every point a person sends
    is (a boolean, a string that is not a number, NaN, infinity or out of range is a 400 naming the field)."""

    def __init__(self, name: str, **kwargs):
        self.coordinate = name
        super().__init__(min_value=-LIMITS[name], max_value=LIMITS[name], **kwargs)

    def to_internal_value(self, data):
        try:
            return coordinate(data, self.coordinate)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class BBoxFilter(InBBoxFilter):
    """``in_bbox=min_lon,min_lat,max_lon,max_lat``: four finite numbers within ±180/±90, min before max; anything
    else is a 400 naming the parameter (GEOS raised on ``NaN`` boxes)."""

    def get_filter_bbox(self, request):
        text = request.query_params.get(self.bbox_param, None)
        if not text:
            return None
        parts = text.split(",")
        if len(parts) != 4:
            raise ParseError(f"{self.bbox_param}: give four numbers, min_lon,min_lat,max_lon,max_lat.")
        names = ("longitude", "latitude", "longitude", "latitude")
        try:
            xmin, ymin, xmax, ymax = (coordinate(part, name) for part, name in zip(parts, names, strict=True))
        except DjangoValidationError as error:
            raise ParseError(f"{self.bbox_param}: {' '.join(error.messages)}") from error
        if xmin > xmax or ymin > ymax:
            raise ParseError(f"{self.bbox_param}: give min_lon,min_lat,max_lon,max_lat, each minimum first.")
        return Polygon.from_bbox((xmin, ymin, xmax, ymax))


class BaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Every list, filter, count and export starts from ``visible_to(request.user)``: nothing leaks past it."""

    brief_query_param = "brief"
    permission_classes = [RolePermission]
    # InBBoxFilter acts only on viewsets that name a ``bbox_filter_field`` and requests that pass ``in_bbox``.
    filter_backends = [DjangoFilterBackend, BBoxFilter]

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    @property
    def brief(self) -> bool:
        return self.request.query_params.get(self.brief_query_param) in ("1", "true", "True")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "brief": self.brief}
