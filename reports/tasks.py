from celery import shared_task
from django.db import OperationalError, connection, transaction

from reports import summaries

__all__ = ["rebuild_summaries", "recompute_pending_cells"]


@shared_task(name="reports.recompute_pending_cells", acks_late=True, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5)  # fmt: skip
def recompute_pending_cells(limit: int = 5000) -> str:
    """Recompute every cell marked stale. Safe to run twice or concurrently (rows are claimed with SKIP LOCKED)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT area_id, month::text, category FROM (
                SELECT area_id, month, category FROM reports_summarycell
                WHERE requested IS NOT NULL ORDER BY requested LIMIT %s FOR UPDATE SKIP LOCKED
            ) pending
            """,
            [limit],
        )
        keys = cursor.fetchall()
        summaries.recompute_cells(keys)
    return f"recomputed {len(keys)} cells"


@shared_task(name="reports.rebuild_summaries", acks_late=True)
def rebuild_summaries() -> str:
    """The nightly full rebuild that keeps the incremental cells honest."""
    return f"rebuilt {summaries.rebuild_all()} cells"
