"""Bases for every app's API: permission-filtered querysets, brief rendering, pagination."""

from rest_framework import serializers, viewsets

__all__ = ["BaseSerializer", "BaseViewSet"]


class BaseSerializer(serializers.ModelSerializer):
    """A model serializer that renders ``Meta.brief_fields`` only when the view asks for brief output."""

    display = serializers.SerializerMethodField()

    def get_display(self, obj) -> str:
        return str(obj)

    def get_field_names(self, declared_fields, info):
        if self.context.get("brief"):
            return list(self.Meta.brief_fields)
        return super().get_field_names(declared_fields, info)


class BaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Every list, filter, count and export starts from ``visible_to(request.user)``: nothing leaks past it."""

    brief_query_param = "brief"

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    @property
    def brief(self) -> bool:
        return self.request.query_params.get(self.brief_query_param) in ("1", "true", "True")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "brief": self.brief}
