"""Bases shared by every app."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from core import validators

__all__ = ["AuthoredModel", "InputRulesMixin", "TimeStampedModel"]


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
