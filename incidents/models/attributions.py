import pghistory
import pgtrigger
from django.db import models

from core.models import AuthoredModel
from incidents.choices import AttributionRole, Confidence
from incidents.querysets import AttributionQuerySet

__all__ = ["Attribution"]


@pghistory.track(exclude=["updated"])
class Attribution(AuthoredModel):
    """Who is said to have done what, and who says so.

    "Pakistan says the targets were TTP" and "Kabul says the targets were refugees" are two rows.
    """

    incident = models.ForeignKey(to="incidents.Incident", on_delete=models.PROTECT, related_name="attributions")
    actor = models.ForeignKey(to="actors.Actor", on_delete=models.PROTECT, related_name="attributions")
    role = models.CharField(max_length=32, choices=AttributionRole.choices)
    asserted_by = models.ForeignKey(
        to="actors.Actor", on_delete=models.PROTECT, related_name="asserted_attributions",
        help_text="Who makes this attribution.",
    )  # fmt: skip
    source = models.ForeignKey(
        to="incidents.Source", on_delete=models.PROTECT, null=True, blank=True, related_name="attributions"
    )
    confidence = models.CharField(max_length=8, choices=Confidence.choices, default=Confidence.MEDIUM)
    quote = models.TextField(blank=True)
    withdrawn = models.BooleanField(default=False, help_text="Entered in error; kept, not deleted.")

    objects = AttributionQuerySet.as_manager()

    class Meta:
        ordering = ("incident", "asserted_by", "role")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=AttributionRole.values), name="incidents_attribution_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__in=Confidence.values), name="incidents_attribution_confidence_valid"
            ),
            models.UniqueConstraint(
                fields=["incident", "actor", "role", "asserted_by", "source"],
                name="incidents_attribution_unique",
                nulls_distinct=False,
            ),
        ]
        triggers = [pgtrigger.Protect(name="incidents_attribution_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"{self.asserted_by} says {self.actor} was {self.get_role_display().lower()}"
