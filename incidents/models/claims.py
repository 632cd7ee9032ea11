import pghistory
import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models

from core.models import AuthoredModel
from core.validators import is_visible
from incidents.choices import CLAIM_CATEGORIES
from incidents.models.constraints import ordered_range_constraints, range_fields
from incidents.querysets import ClaimQuerySet

__all__ = ["CasualtyClaim", "link_revisions", "live_claim_counts", "revision_chain"]


def _denial_constraints():
    # "No civilians were harmed": a denial is a figure of zero, recorded as what was said.
    return [
        models.CheckConstraint(
            condition=~models.Q(denied__contains=[category])
            | (models.Q(**{f"{category}_max": 0}) & models.Q(**{f"{category}_min": 0})),
            name=f"incidents_claim_{category}_denial_is_zero",
            violation_error_message=f"A denial of {category.replace('_', ' ')} casualties means a figure of 0.",
        )
        for category in CLAIM_CATEGORIES
    ]


_MAX_FIGURE = 2**31 - 1  # the figures' columns are PostgreSQL integers


def _figure_ok(value) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_FIGURE)


def _label_ok(item) -> bool:
    """One of the claimant's own labels: ``{"label": "refugees", "min": 5, "max": 10}`` (other keys, such as the
    claimant's ``wording``, may come along)."""
    if not isinstance(item, dict):
        return False
    label, low, high = item.get("label"), item.get("min"), item.get("max")
    if not isinstance(label, str) or not is_visible(label) or len(label) > 200:
        return False
    if not (_figure_ok(low) and _figure_ok(high)):
        return False
    return low is None or high is None or low <= high


@pghistory.track(pghistory.InsertEvent())
class CasualtyClaim(AuthoredModel):
    """What one claimant said of one incident's toll, from one source, at one time.

    Append-only: never edited into agreement. A revised figure is a new claim that supersedes this one.
    Killed figures are ranges (either end may be unknown) in total and per category.
    """

    incident = models.ForeignKey(to="incidents.Incident", on_delete=models.PROTECT, related_name="claims")
    claimant = models.ForeignKey(to="actors.Actor", on_delete=models.PROTECT, related_name="claims")
    source = models.ForeignKey(to="incidents.Source", on_delete=models.PROTECT, related_name="claims")
    claimed_on = models.DateField(help_text="When the claimant said it.")
    supersedes = models.OneToOneField(
        to="incidents.CasualtyClaim", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by",
        help_text="The earlier claim by the same claimant that this one revises.",
    )  # fmt: skip
    locals().update(range_fields(("min", "max"), "killed"))
    injured_min = models.PositiveIntegerField(null=True, blank=True)
    injured_max = models.PositiveIntegerField(null=True, blank=True)
    labels = models.JSONField(
        default=list, blank=True,
        help_text='The claimant\'s own labels, verbatim: [{"label": "refugees", "min": null, "max": null}].',
    )  # fmt: skip
    denied = ArrayField(
        models.CharField(max_length=16, choices=[(c, c) for c in CLAIM_CATEGORIES]), default=list, blank=True,
        help_text='Categories the claimant explicitly denies ("no civilians were harmed").',
    )  # fmt: skip
    quote = models.TextField(blank=True, help_text="What the claimant said, verbatim.")

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ("incident", "claimed_on", "id")
        indexes = [models.Index(fields=["incident", "claimant"], name="incidents_claim_claimant")]
        constraints = [
            *ordered_range_constraints("incidents_claim", ("min", "max")),
            models.CheckConstraint(
                condition=models.Q(injured_min__isnull=True)
                | models.Q(injured_max__isnull=True)
                | models.Q(injured_min__lte=models.F("injured_max")),
                name="incidents_claim_injured_min_le_max",
                violation_error_message="injured: min must not exceed max.",
            ),
            models.CheckConstraint(
                condition=~models.Q(supersedes=models.F("id")), name="incidents_claim_not_superseding_itself"
            ),
            *_denial_constraints(),
        ]
        triggers = [
            pgtrigger.Protect(name="incidents_claim_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        return f"{self.claimant}: {self.range_text('killed')} killed"

    def clean(self):
        errors = {}
        for category in (*CLAIM_CATEGORIES, "injured"):
            low, high = self.range(category)
            if low is not None and high is not None and low > high:
                errors[f"{category}_min"] = f"The minimum ({low}) is greater than the maximum ({high})."
        for category in self.denied:
            if category not in CLAIM_CATEGORIES:
                errors["denied"] = f"Unknown category {category!r}."
            elif self.range(category) != (0, 0):
                errors[f"{category}_max"] = "A denial means a figure of 0: set min and max to 0."
        if self.supersedes_id and self.supersedes.incident_id != self.incident_id:
            errors["supersedes"] = "A claim can only supersede a claim about the same incident."
        if self.supersedes_id and self.supersedes.claimant_id != self.claimant_id:
            errors["supersedes"] = "A claim can only supersede an earlier claim by the same claimant."
        if not isinstance(self.labels, list) or not all(_label_ok(item) for item in self.labels):
            errors["labels"] = (
                'Labels must be a list of {"label": text, "min": n, "max": n}: visible text, and figures that are '
                "whole numbers from 0 (or null), the minimum not above the maximum."
            )
        if errors:
            raise ValidationError(errors)

    def range(self, category: str) -> tuple[int | None, int | None]:
        return getattr(self, f"{category}_min"), getattr(self, f"{category}_max")

    def range_text(self, category: str) -> str:
        low, high = self.range(category)
        if low is None and high is None:
            return "unknown"
        if low == high:
            return str(low)
        return f"{'?' if low is None else low}–{'?' if high is None else high}"

    @property
    def is_superseded(self) -> bool:
        """Revised by a claim the reader sees: set by ``link_revisions`` on the claims one reader was shown."""
        return self.superseding is not None


def link_revisions(claims, chain: dict[int, int | None] | None = None):
    """Set ``claim.superseding`` on each of ``claims`` (the ones one reader may see, of one incident): the claim
    among them that revises it, or None; and ``claim.revises``: the claim among them it revises, or None.

    ``chain`` ({claim id: id of the claim it supersedes}, for every claim of the incident) lets a revision reach
    across claims the reader may not see: A ← hidden B ← C reads as "C revises A". Without it, only direct links
    count. A revision the reader may not see does not exist for them: no id of it reaches them, and the claim it
    revises stays live in their eyes. Returns the claims, as a list.
    """
    claims = list(claims)
    chain = chain if chain is not None else {claim.pk: claim.supersedes_id for claim in claims}
    by_pk = {claim.pk: claim for claim in claims}
    for claim in claims:
        claim.superseding = None
    for claim in claims:
        earlier = chain.get(claim.pk)
        while earlier is not None and earlier not in by_pk:
            earlier = chain.get(earlier)
        claim.revises = by_pk.get(earlier)
        if claim.revises is not None:
            claim.revises.superseding = claim
    return claims


def revision_chain(incident_id: int) -> dict[int, int | None]:
    """{claim id: id of the claim it supersedes} for every claim of the incident, for ``link_revisions``."""
    return dict(CasualtyClaim.objects.filter(incident_id=incident_id).values_list("pk", "supersedes_id"))


def live_claim_counts(user, incident_ids) -> dict[int, int]:
    """{incident id: how many of its claims ``user`` sees that none they see revises}: the "live" claims of each
    incident's page (``link_revisions``), for a list of incidents in one query."""
    seen = CasualtyClaim.objects.visible_to(user).filter(pk=models.OuterRef("pk"))
    chains: dict[int, dict[int, int | None]] = {}
    shown: dict[int, list[CasualtyClaim]] = {}
    rows = CasualtyClaim.objects.filter(incident_id__in=incident_ids).order_by().annotate(seen=models.Exists(seen))
    for claim in rows.only("pk", "incident_id", "supersedes_id"):
        chains.setdefault(claim.incident_id, {})[claim.pk] = claim.supersedes_id
        if claim.seen:
            shown.setdefault(claim.incident_id, []).append(claim)
    return {
        incident_id: sum(claim.superseding is None for claim in link_revisions(claims, chains[incident_id]))
        for incident_id, claims in shown.items()
    }
