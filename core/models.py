"""Bases shared by every app."""

import pghistory
from django.conf import settings
from django.db import models
from knox.models import AbstractAuthToken

__all__ = ["ApiToken", "AuthoredModel", "TimeStampedModel"]


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


# Who issued and who revoked each token (last use is not history: it changes every minute).
@pghistory.track(pghistory.InsertEvent(), pghistory.DeleteEvent(), exclude=["last_used"])
class ApiToken(AbstractAuthToken):
    """A partner's (or script's) API key, stored as its SHA-512 digest only: the key itself is shown once, when issued.

    django-rest-knox keeps the digest, the key's first characters (to find the row) and the expiry; we add what it
    is for and when it was last used. Deleting the row revokes the key at once. A password change or deactivation
    deletes all the user's keys (core.tokens).
    """

    note = models.CharField(max_length=100, blank=True, help_text="What the key is for, e.g. “Acme nightly sync”.")
    # Written at most once a minute per key (core.tokens.LAST_USED_RESOLUTION), not on every request.
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ("-created",)

    def __str__(self):
        return f"{self.user} · {self.token_key[:8]}… · {self.note or 'no note'}"
