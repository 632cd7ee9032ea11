"""Anyone who acts, is targeted, or speaks."""

import pghistory
from django.db import models
from django.db.models.functions import Lower

from actors.choices import ActorKind, Language
from core.models import InputRulesMixin, TimeStampedModel

__all__ = ["Actor", "ActorAlias"]


class ActorQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Actors are reference data: whoever may read the API at all reads every actor."""
        return self

    def search(self, text: str):
        """Actors whose name or any alias contains ``text`` (any script, case-insensitive)."""
        return self.filter(models.Q(name__icontains=text) | models.Q(aliases__name__icontains=text)).distinct()


@pghistory.track()
class Actor(TimeStampedModel):
    """A state force, government, armed group, international body, outlet, NGO or community."""

    name = models.CharField(max_length=200, help_text="Usual English name.")
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=32, choices=ActorKind.choices)
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code of the actor's country; blank if none."
    )
    parent = models.ForeignKey(
        to="actors.Actor", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        help_text="The organisation this one is a faction, unit or office of.",
    )  # fmt: skip
    description = models.TextField(blank=True)

    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ActorKind.values), name="actors_actor_kind_valid"),
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="actors_actor_not_own_parent"),
            models.CheckConstraint(
                condition=models.Q(country="") | models.Q(country__regex=r"^[A-Z]{2}$"),
                name="actors_actor_country_iso2",
            ),
        ]

    def __str__(self):
        return self.name


@pghistory.track()
class ActorAlias(InputRulesMixin, models.Model):
    """Another name of an actor, in any language or script (تحریک طالبان پاکستان, TTP, Pakistani Taliban)."""

    actor = models.ForeignKey(to="actors.Actor", on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=3, choices=Language.choices, default=Language.ENGLISH)

    class Meta:
        ordering = ("actor", "name")
        verbose_name_plural = "actor aliases"
        constraints = [
            models.UniqueConstraint(Lower("name"), "actor", name="actors_alias_unique_per_actor"),
        ]

    def __str__(self):
        return self.name
