"""Bases shared by every app."""

from django.conf import settings
from django.db import models

__all__ = ["AuthoredModel", "TimeStampedModel"]


class TimeStampedModel(models.Model):
    """Created/updated timestamps. The full history of every change lives in pghistory's event tables."""

    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuthoredModel(TimeStampedModel):
    """A record somebody on the desk (or a worker, when null) created."""

    created_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
