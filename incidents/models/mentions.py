import pghistory
from django.db import models

from core.models import TimeStampedModel
from geo.choices import MatchMethod
from incidents.choices import MentionStatus

__all__ = ["Mention"]


# Moved from ``geo`` (issue #10) with its table and history: the tables keep their names, so no row was copied.
@pghistory.track(meta={"db_table": "geo_mentionevent"})
class Mention(TimeStampedModel):
    """A place named in an incident's text, as the geocoder resolved it, and what a person said of it."""

    incident = models.ForeignKey(to="incidents.Incident", on_delete=models.CASCADE, related_name="mentions")
    field = models.CharField(max_length=32, help_text="Which text of the incident: title, description, place_text.")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.CharField(max_length=300)
    area = models.ForeignKey(to="geo.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    place = models.ForeignKey(to="geo.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    method = models.CharField(max_length=16, choices=MatchMethod.choices)
    score = models.FloatField()
    status = models.CharField(max_length=16, choices=MentionStatus.choices, default=MentionStatus.SUGGESTED)

    class Meta:
        db_table = "geo_mention"
        ordering = ("incident", "field", "start")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="geo_mention_span_ordered"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=1), name="geo_mention_score_unit"
            ),
            models.CheckConstraint(
                condition=models.Q(area__isnull=False) | models.Q(place__isnull=False),
                name="geo_mention_resolves_to_something",
            ),
            # The same span resolved to the same area once per incident: the geocoder is idempotent.
            models.UniqueConstraint(
                fields=["incident", "field", "start", "end", "area"], name="geo_mention_unique_span_area"
            ),
        ]

    def __str__(self):
        return f"{self.text} → {self.area or self.place}"
