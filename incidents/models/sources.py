import hashlib

import pghistory
import pgtrigger
from django.db import models

from actors.choices import Language
from core.models import AuthoredModel
from incidents.choices import Credibility, Reliability, Sensitivity, SourceKind
from incidents.querysets import SourceQuerySet

__all__ = ["Source"]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pghistory.track(exclude=["updated"])
class Source(AuthoredModel):
    """A document that says something. The text the desk saw is kept, hashed, so a vanished page can be cited."""

    kind = models.CharField(max_length=16, choices=SourceKind.choices, default=SourceKind.NEWS)
    publisher = models.CharField(max_length=200)
    title = models.CharField(max_length=400, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=3, choices=Language.choices, default=Language.ENGLISH)
    quote = models.TextField(blank=True, help_text="The passage that matters, verbatim.")
    reliability = models.CharField(
        max_length=1, choices=Reliability.choices, default=Reliability.F, help_text="How reliable the source is (A–F)."
    )
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility.choices, default=Credibility.CANNOT_JUDGE,
        help_text="How credible this information is (1–6).",
    )  # fmt: skip
    content = models.TextField(max_length=500_000, blank=True, help_text="The full text as the desk saw it.")
    # Always SHA-256 of content (UTF-8), hex: set by a database trigger whatever writes the row.
    content_sha256 = models.CharField(max_length=64, editable=False)
    sensitivity = models.CharField(max_length=16, choices=Sensitivity.choices, default=Sensitivity.PUBLIC)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ("-published_on", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reliability__in=Reliability.values), name="incidents_source_reliability_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(credibility__gte=1) & models.Q(credibility__lte=6),
                name="incidents_source_credibility_valid",
            ),
            models.CheckConstraint(condition=models.Q(kind__in=SourceKind.values), name="incidents_source_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(sensitivity__in=Sensitivity.values), name="incidents_source_sensitivity_valid"
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="incidents_source_hash_content",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func="NEW.content_sha256 := encode(sha256(convert_to(NEW.content, 'UTF8')), 'hex'); RETURN NEW;",
            ),
            pgtrigger.Protect(name="incidents_source_never_deleted", operation=pgtrigger.Delete),
        ]

    def __str__(self):
        label = self.title or self.url or "source"
        return f"{self.publisher}: {label}"

    def save(self, *args, **kwargs):
        self.content_sha256 = content_hash(self.content)  # the trigger does the same; keep the instance in step
        super().save(*args, **kwargs)

    @property
    def grade(self) -> str:
        """The usual two-character grade, e.g. ``B2``."""
        return f"{self.reliability}{self.credibility}"
