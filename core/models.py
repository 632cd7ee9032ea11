"""Bases shared by every app."""

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from knox.models import AbstractAuthToken

from core import validators

__all__ = ["ApiToken", "AuthoredModel", "InputRulesMixin", "TimeStampedModel"]


class InputRulesMixin:
    """``full_clean()`` refuses, in every editable field of the kind, what no person means to send:

    - text (``CharField``): control characters (NUL, line breaks, tabs…);
    - long text (``TextField``): control characters other than line breaks and tabs, and more than its
      ``max_length`` (``validators.TEXT_MAX_LENGTH`` when it has none);
    - required text of either kind: nothing visible (only spaces or invisible characters);
    - JSON: strings with control characters (PostgreSQL refuses NUL in jsonb), or over ``JSON_MAX_LENGTH``;
    - dates (``DateField``): before 1900, or in the future unless the field is named in ``future_dates``.

    Every service validates with ``full_clean()``, as do ModelForms and the admin, so the desk, the API, the admin
    and importers refuse the same input with a message naming the field.
    """

    future_dates: tuple[str, ...] = ()

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        exclude = set(exclude or ()) | set(errors)
        for field in self._meta.concrete_fields:
            if field.name in exclude or not field.editable or getattr(field, "generated", False):
                continue
            value = getattr(self, field.attname)
            if value is None or value == "":
                continue
            try:
                _check(field, value, allow_future=field.name in self.future_dates)
            except ValidationError as error:
                errors[field.name] = error.error_list
        if errors:
            raise ValidationError(errors)


def _check(field, value, *, allow_future: bool) -> None:
    if isinstance(field, models.TextField):
        validators.validate_text(value)
        limit = field.max_length or validators.TEXT_MAX_LENGTH
        if len(value) > limit:
            raise ValidationError(
                "This text is too long: at most %(limit)d characters (it has %(length)d).",
                code="max_length",
                params={"limit": limit, "length": len(value)},
            )
    elif isinstance(field, models.CharField):
        validators.validate_line(value)
    elif isinstance(field, models.JSONField):
        validators.validate_json_text(value)
    elif isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        validators.validate_plausible_date(value, allow_future=allow_future)
    if isinstance(field, models.CharField | models.TextField) and not field.blank:
        validators.validate_visible(value)


class TimeStampedModel(InputRulesMixin, models.Model):
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
