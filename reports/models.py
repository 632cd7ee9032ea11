"""Figures built by workers from the records, and the situation reports made from them."""

from django.conf import settings
from django.db import models

from incidents.choices import Category

__all__ = ["Scope", "SituationReport", "SummaryCell"]


class Scope(models.TextChoices):
    """Whose figures: partners' cells count only published public incidents, so no count leaks a draft."""

    PUBLIC = "public", "Published and public"
    DESK = "desk", "Every live public incident, drafts included"


class SummaryCellQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Desk users read both scopes; everyone else only the public one, so no count leaks a draft.

        A cell marked but not yet computed for the first time (no incident counted yet) is shown to nobody: a cell a
        reader sees is always backed by an incident in its scope (``reports.services`` marks only such cells).
        """
        cells = self.filter(incident_count__gt=0)
        if user.is_authenticated and user.has_perm("reports.view_summarycell"):
            return cells
        return cells.filter(scope=Scope.PUBLIC)


class SummaryCell(models.Model):
    """Figures for one area × month × category, from incidents' current assessments.

    Built by workers (``reports.summaries``); the map, the API and situation reports read them.
    ``requested`` marks a cell an edit touched: the worker recomputes just those, within seconds.
    """

    area = models.ForeignKey(to="geo.Area", on_delete=models.CASCADE, related_name="summary_cells")
    month = models.DateField(help_text="First day of the month.")
    category = models.CharField(max_length=16, choices=Category.choices)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    incident_count = models.PositiveIntegerField(default=0)
    contested_count = models.PositiveIntegerField(default=0)
    killed_low = models.PositiveIntegerField(default=0)
    killed_best = models.PositiveIntegerField(default=0)
    killed_high = models.PositiveIntegerField(default=0)
    civilians_low = models.PositiveIntegerField(default=0)
    civilians_best = models.PositiveIntegerField(default=0)
    civilians_high = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    # Set when an edit touches this cell, cleared by the worker that recomputes it; read by the sweep.
    requested = models.DateTimeField(null=True, blank=True)

    objects = SummaryCellQuerySet.as_manager()

    class Meta:
        ordering = ("-month", "area", "category")
        constraints = [
            models.UniqueConstraint(fields=["area", "month", "category", "scope"], name="reports_cell_unique"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="reports_cell_month_starts"),
            models.CheckConstraint(
                condition=models.Q(killed_low__lte=models.F("killed_best"))
                & models.Q(killed_best__lte=models.F("killed_high")),
                name="reports_cell_killed_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["requested"], name="reports_cell_pending", condition=models.Q(requested__isnull=False))
        ]

    def __str__(self):
        return f"{self.area} {self.month:%Y-%m} {self.category}"


class SituationReport(models.Model):
    """A dated, downloadable report for a region and period, built by a worker."""

    region = models.ForeignKey(to="geo.Area", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    requested_by = models.ForeignKey(to=settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested = models.DateTimeField(null=True, blank=True, help_text="Pending build; read by the sweep.")
    built_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="sitreps/", blank=True)

    class Meta:
        ordering = ("-period_end", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="reports_sitrep_period_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.period_start}–{self.period_end}"
