"""Bases for every app's API: permission-filtered querysets, brief rendering, pagination."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.filters import InBBoxFilter

from core.permissions import RolePermission

__all__ = ["BaseSerializer", "BaseViewSet", "DetailUrlField", "PointGeometryField", "RepeatedBriefMixin"]

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


class BaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Every list, filter, count and export starts from ``visible_to(request.user)``: nothing leaks past it."""

    brief_query_param = "brief"
    permission_classes = [RolePermission]
    # InBBoxFilter acts only on viewsets that name a ``bbox_filter_field`` and requests that pass ``in_bbox``.
    filter_backends = [DjangoFilterBackend, InBBoxFilter]

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    @property
    def brief(self) -> bool:
        return self.request.query_params.get(self.brief_query_param) in ("1", "true", "True")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "brief": self.brief}
