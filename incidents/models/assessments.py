import pghistory
import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from core.models import InputRulesMixin
from incidents.choices import CLAIM_CATEGORIES, AssessmentGrade
from incidents.models.constraints import ordered_range_constraints, range_fields

__all__ = ["Assessment"]


@pghistory.track(pghistory.InsertEvent())
class Assessment(InputRulesMixin, models.Model):
    """An editor's reconciliation of one incident's claims: low/best/high per category, graded.

    Append-only: each new view of the desk is a new row, so how it changed is kept as evidence.
    """

    incident = models.ForeignKey(to="incidents.Incident", on_delete=models.PROTECT, related_name="assessments")
    locals().update(range_fields(("low", "best", "high"), "killed"))
    grade = models.CharField(max_length=16, choices=AssessmentGrade.choices)
    claims = models.ManyToManyField(
        to="incidents.CasualtyClaim", related_name="assessments", help_text="The claims that informed it."
    )
    rationale = models.TextField()
    decided_by = models.ForeignKey(to=settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("incident", "-decided_at", "-id")
        indexes = [models.Index(fields=["incident", "-decided_at"], name="incidents_assessment_latest")]
        constraints = [
            *ordered_range_constraints("incidents_assessment", ("low", "best", "high")),
            models.CheckConstraint(
                condition=models.Q(grade__in=AssessmentGrade.values), name="incidents_assessment_grade_valid"
            ),
            models.CheckConstraint(condition=~models.Q(rationale=""), name="incidents_assessment_rationale_required"),
        ]
        triggers = [
            pgtrigger.Protect(name="incidents_assessment_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        return f"{self.get_grade_display()}: {self.killed_low}–{self.killed_best}–{self.killed_high} killed"

    def clean(self):
        errors = {}
        for category in CLAIM_CATEGORIES:
            values = [getattr(self, f"{category}_{s}") for s in ("low", "best", "high")]
            known = [v for v in values if v is not None]
            if known != sorted(known):
                errors[f"{category}_low"] = f"{category.replace('_', ' ')}: low ≤ best ≤ high is required."
        if errors:
            raise ValidationError(errors)
