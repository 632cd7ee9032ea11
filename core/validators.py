"""Rules every piece of text and every date a person sends must meet, whatever the field.

Applied by ``core.models.InputRulesMixin`` to every model field of a kind (so the desk, the API, the admin and any
importer going through ``full_clean()`` refuse the same things), and usable on a form or serializer field that has
no model field behind it.
"""

import datetime as dt
import json
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone

__all__ = [
    "EARLIEST_DATE", "JSON_MAX_LENGTH", "TEXT_MAX_LENGTH", "is_visible", "validate_json_text", "validate_line",
    "validate_plausible_date", "validate_text", "validate_visible",
]  # fmt: skip

# A text field with no max_length of its own (descriptions, quotes, notes) holds at most this many characters.
TEXT_MAX_LENGTH = 100_000
JSON_MAX_LENGTH = 100_000  # characters of the JSON text
EARLIEST_DATE = dt.date(1900, 1, 1)
# Records are of things that already happened; a day's margin covers every time zone's "today".
FUTURE_MARGIN = dt.timedelta(days=1)
_MULTILINE_CONTROLS = frozenset("\n\r\t")


def _first_control(text: str, allowed=frozenset()) -> str | None:
    return next((c for c in text if unicodedata.category(c) == "Cc" and c not in allowed), None)


def _refuse_control(text: str, allowed) -> None:
    char = _first_control(text, allowed)
    if char is not None:
        raise ValidationError(
            "Control characters are not allowed (found U+%(code)04X at position %(position)d).",
            code="control_character",
            params={"code": ord(char), "position": text.index(char) + 1},
        )


def validate_line(value: str) -> None:
    """One line of text: no control character at all (no NUL, no line break, no tab)."""
    _refuse_control(value, frozenset())


def validate_text(value: str) -> None:
    """Multi-line text: line breaks and tabs, but no other control character (no NUL)."""
    _refuse_control(value, _MULTILINE_CONTROLS)


def is_visible(text: str) -> bool:
    """At least one printable character that is not a space (zero-width and control characters are not)."""
    return any(c.isprintable() and not c.isspace() for c in text)


def validate_visible(value: str) -> None:
    """Something a reader can see: at least one printable character that is not a space."""
    if not is_visible(value):
        raise ValidationError("Write some visible text: this cannot be blank or only spaces.", code="blank")


def validate_json_text(value) -> None:
    """JSON whose every string (keys too) is text without control characters other than line breaks and tabs,
    and which is at most ``JSON_MAX_LENGTH`` characters long. PostgreSQL refuses ``\\u0000`` in jsonb."""
    strings, pending = [], [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, dict):
            strings.extend(key for key in item if isinstance(key, str))
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    for text in strings:
        validate_text(text)
    if len(json.dumps(value, ensure_ascii=False, default=str)) > JSON_MAX_LENGTH:
        raise ValidationError("This is too long (at most %(limit)d characters).", params={"limit": JSON_MAX_LENGTH})


def validate_plausible_date(value: dt.date, *, allow_future: bool = False) -> None:
    """A date of something that happened: from 1900 on, and not after today (unless ``allow_future``)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    latest = timezone.localdate() + FUTURE_MARGIN
    if value < EARLIEST_DATE:
        raise ValidationError(
            "%(value)s is before %(year)d: check the year.",
            code="implausible_date",
            params={"value": value.isoformat(), "year": EARLIEST_DATE.year},
        )
    if value > latest and not allow_future:
        raise ValidationError(
            "%(value)s is in the future: check the year.", code="implausible_date", params={"value": value.isoformat()}
        )
