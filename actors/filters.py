"""The one FilterSet for actors, shared by the API and any page listing actors."""

import django_filters
from django.db.models import Q

from actors.choices import ActorKind
from actors.models import Actor, ActorAlias
from core.filters import BaseFilterSet, MultiValueCharFilter, MultiValueNumberFilter

__all__ = ["ActorFilterSet"]


class ActorFilterSet(BaseFilterSet):
    """``q`` matches the name or any alias, in any script."""

    id = MultiValueNumberFilter(field_name="id", label="ID")
    slug = MultiValueCharFilter(field_name="slug")
    kind = django_filters.MultipleChoiceFilter(choices=ActorKind.choices, distinct=False)
    country = MultiValueCharFilter(field_name="country", label="Country (ISO 3166-1 alpha-2)")
    parent = MultiValueCharFilter(field_name="parent__slug", label="Parent (slug)")
    parent_id = MultiValueNumberFilter(field_name="parent_id", label="Parent (ID)")

    search_fields = ("name", "slug", "description")

    class Meta:
        model = Actor
        fields = []

    def search_q(self, value):
        # Aliases through a subquery: a join would repeat an actor once per matching alias.
        aliases = ActorAlias.objects.filter(name__icontains=value).values("actor_id")
        return super().search_q(value) | Q(pk__in=aliases)
