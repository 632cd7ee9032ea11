from actors.api.serializers import ActorSerializer
from actors.filters import ActorFilterSet
from actors.models import Actor
from core.api import BaseViewSet
from core.permissions import API_READ_PERMISSIONS

__all__ = ["ActorViewSet"]


class ActorViewSet(BaseViewSet):
    """Actors with their aliases. Read-only here: admins manage reference data in the admin."""

    queryset = Actor.objects.select_related("parent").prefetch_related("aliases")
    serializer_class = ActorSerializer
    # Admins manage reference data without a desk role: they read it here too.
    read_permissions = (*API_READ_PERMISSIONS, "actors.view_actor")
    filterset_class = ActorFilterSet
