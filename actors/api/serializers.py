from rest_framework import serializers

from actors.models import Actor, ActorAlias
from core.api import BaseSerializer, DetailUrlField, RepeatedBriefMixin

__all__ = ["ActorAliasSerializer", "ActorBriefSerializer", "ActorSerializer"]


class ActorBriefSerializer(RepeatedBriefMixin, BaseSerializer):
    """How an actor appears inside another record: enough to name and link it."""

    url = DetailUrlField(view_name="api:actor-detail")

    class Meta:
        model = Actor
        fields = ("id", "url", "display", "slug")
        brief_fields = ("id", "url", "display", "slug")


class ActorAliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActorAlias
        fields = ("name", "language")


class ActorSerializer(BaseSerializer):
    """An actor with its aliases in every script (TTP, تحریک طالبان پاکستان…)."""

    url = DetailUrlField(view_name="api:actor-detail")
    parent = ActorBriefSerializer(read_only=True, allow_null=True)
    aliases = ActorAliasSerializer(many=True, read_only=True)

    class Meta:
        model = Actor
        fields = ("id", "url", "display", "name", "slug", "kind", "country", "parent", "description", "aliases")
        brief_fields = ("id", "url", "display", "slug")
