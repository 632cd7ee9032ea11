"""The sweep that re-queues pending work, one registry for every app.

The guarantee that no job is lost lives in the data (each app's ``*_requested`` marks), not in the queue. ``core``
knows no app: each app registers a sweep over its own pending work in its ``AppConfig.ready()`` (``incidents``:
geocoding; ``reports``: stale summary cells), and ``core.requeue_pending`` (beat, every minute; also
``manage.py requeue_pending``) runs them in the order the apps are installed.

A sweep takes the cutoff (work marked before it is overdue) and says what it did in a few words. When the broker is
unreachable it keeps the rest of its work marked and raises ``BrokerUnreachable`` saying how far it got; the sweeps
after it wait for the next run.
"""

from collections.abc import Callable
from datetime import datetime

__all__ = ["BrokerUnreachable", "register", "run"]

Sweep = Callable[[datetime], str]
_sweeps: list[Sweep] = []


class BrokerUnreachable(Exception):
    """A sweep lost the broker half-way; the message says how far it got."""


def register(sweep: Sweep) -> Sweep:
    """Add an app's sweep (once, however often the app is made ready)."""
    if sweep not in _sweeps:
        _sweeps.append(sweep)
    return sweep


def run(cutoff: datetime) -> str:
    """Run every registered sweep; one line saying what each did."""
    said = []
    for sweep in _sweeps:
        try:
            said.append(sweep(cutoff))
        except BrokerUnreachable as exc:
            return f"broker unreachable: {'; '.join([*said, str(exc)])}; the next sweep retries"
    return "; ".join(said)
