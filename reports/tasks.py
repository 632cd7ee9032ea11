"""Celery shells over the summary SQL. Late-acknowledged and safe to run twice or concurrently."""

from collections import Counter

from celery import shared_task
from django.db import OperationalError, connection, transaction

from reports import summaries

__all__ = ["rebuild_summaries", "recompute_pending_cells", "requeue_stale_cells"]

# A backlog larger than one batch is worked off by the task re-queueing itself, at most this many times in a row;
# whatever is left after that waits for the requeue sweep, so a flood of edits cannot monopolise the queue.
MAX_CHAIN = 20


def _claim_pending_cells(cursor, limit: int) -> tuple[list[tuple], int, bool]:
    """Lock every row of the oldest pending cells; return (claimed keys, rows seen, some cell was busy).

    A cell is claimed only when *all* its rows (both scopes) could be locked without waiting. Rows are locked in
    one fixed order and busy rows are skipped (``SKIP LOCKED``), so this never waits on an edit marking cells, nor
    on another recompute: no deadlock with a save, and two workers never recompute the same cell at once.
    """
    cursor.execute(
        """
        SELECT area_id, month::text, category FROM reports_summarycell
        WHERE requested IS NOT NULL ORDER BY requested LIMIT %s
        """,
        [limit],
    )
    rows = cursor.fetchall()
    keys = sorted(set(rows))
    if not keys:
        return [], 0, False
    key_params = [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]]
    cursor.execute(
        """
        SELECT c.area_id, c.month::text, c.category FROM reports_summarycell c
        JOIN unnest(%s::bigint[], %s::date[], %s::text[]) AS k(area_id, month, category)
          ON c.area_id = k.area_id AND c.month = k.month AND c.category = k.category
        ORDER BY c.area_id, c.month, c.category, c.scope
        FOR UPDATE OF c SKIP LOCKED
        """,
        key_params,
    )
    locked = Counter(cursor.fetchall())
    cursor.execute(
        """
        SELECT c.area_id, c.month::text, c.category, count(*) FROM reports_summarycell c
        JOIN unnest(%s::bigint[], %s::date[], %s::text[]) AS k(area_id, month, category)
          ON c.area_id = k.area_id AND c.month = k.month AND c.category = k.category
        GROUP BY 1, 2, 3
        """,
        key_params,
    )
    existing = {row[:3]: row[3] for row in cursor.fetchall()}
    claimed = [key for key in keys if locked[key] == existing.get(key)]
    return claimed, len(rows), len(claimed) < len(keys)


@shared_task(name="reports.recompute_pending_cells", acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5)  # fmt: skip
def recompute_pending_cells(limit: int = 5000, depth: int = 0) -> str:
    """Recompute the cells marked stale, oldest first, up to ``limit`` rows per run.

    Safe to run twice or concurrently: cells are claimed under lock (see ``_claim_pending_cells``) and the
    recompute is a pure function of the records. A full batch, or a cell that was busy, means work may be left:
    the task queues itself again (a bounded number of times; beyond that the requeue sweep picks it up).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        keys, seen, busy = _claim_pending_cells(cursor, limit)
        summaries.recompute_cells(keys)
        if (seen == limit or busy) and depth < MAX_CHAIN:
            # A second later: a busy cell is usually being marked by an edit that will queue its own recompute.
            transaction.on_commit(
                lambda: recompute_pending_cells.apply_async(kwargs={"limit": limit, "depth": depth + 1}, countdown=1),
                robust=True,
            )
    return f"recomputed {len(keys)} cells" + (" (some busy, requeued)" if busy else "")


@shared_task(name="reports.rebuild_summaries", acks_late=True)
def rebuild_summaries() -> str:
    """The nightly full rebuild that keeps the incremental cells honest."""
    return f"rebuilt {summaries.rebuild_all()} cells"


def requeue_stale_cells(cutoff) -> str:
    """This app's part of the sweep (``core.sweeps``, registered in ``ReportsConfig.ready``): one recompute queued
    when a cell has been waiting for one since before ``cutoff``."""
    from kombu.exceptions import OperationalError as BrokerError

    from core.sweeps import BrokerUnreachable
    from reports.models import SummaryCell

    stale = SummaryCell.objects.filter(requested__lt=cutoff).exists()
    if stale:
        try:
            recompute_pending_cells.delay()
        except BrokerError as exc:
            raise BrokerUnreachable("summary cells not requeued") from exc
    return f"summary cells {'requeued' if stale else 'clean'}"
