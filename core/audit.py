"""One audit mechanism for every write path.

Rows are written by PostgreSQL triggers (django-pghistory), so a write from the browser, the API,
the admin, a management command, a Celery worker or a psql session all leave an event. What this
module adds is the *context* — who or what made the change — for the paths that are not requests
(requests get it from ``pghistory.middleware.HistoryMiddleware``).
"""

import pghistory
from pghistory.models import MiddlewareEvents

__all__ = ["audit_context", "history_for"]


def audit_context(*, user=None, **metadata):
    """Attribute every write inside the block to ``user`` and/or a task/command name.

    ``with audit_context(task="geo.geocode_incident", task_id=...):`` — usable as a decorator too.
    """
    if user is not None:
        metadata["user"] = user.pk
    return pghistory.context(**metadata)


def history_for(*objs):
    """Every event of these objects, oldest first, with the diff and who made it."""
    return MiddlewareEvents.objects.tracks(*objs).select_related("user").order_by("pgh_created_at", "pgh_id")
