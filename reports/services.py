"""Marking the summary cells a change touches; a worker recomputes just those.

Who marks: the record's services (``incidents.services``) and the geocoder's task, through ``cell_keys`` and
``cells_mark`` only. A cell is marked in a scope only when an incident counts (or counted) in that scope, so no
cell, count or timestamp a reader sees moves because of work they may not see (issue #9): restricted incidents
count nowhere; drafts and incidents in review only in the desk's scope; published public ones in both.
"""

from django.db import connection, transaction

__all__ = ["cell_keys", "cells_mark", "incident_scopes"]


def incident_scopes(incident) -> tuple[str, ...]:
    """The scopes an incident counts in: the rule ``reports.summaries`` applies in SQL, for one incident."""
    if incident.sensitivity != "public" or incident.status == "retracted" or incident.merged_into_id:
        return ()
    return ("desk", "public") if incident.status == "published" else ("desk",)


def cell_keys(incident) -> list[tuple[int, str, str, str]]:
    """The (area_id, month, category, scope) cells this incident counts in, as it is now."""
    if incident.start_date is None or incident.category is None:
        return []
    month = incident.start_date.replace(day=1).isoformat()
    return [
        (area_id, month, incident.category, scope)
        for area_id in (incident.district_id, incident.province_id)
        if area_id
        for scope in incident_scopes(incident)
    ]


def cells_mark(keys) -> None:
    """Mark these (area_id, month, category, scope) cells stale and queue their recompute after the commit.

    The mark lives in the data (``requested``), so a broker outage delays the work but never loses it.
    """
    keys = sorted(set(keys))
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reports_summarycell (area_id, month, category, scope, incident_count, contested_count,
                killed_low, killed_best, killed_high, civilians_low, civilians_best, civilians_high, requested)
            SELECT k.area_id, k.month, k.category, k.scope, 0, 0, 0, 0, 0, 0, 0, 0, now()
            FROM unnest(%s::bigint[], %s::date[], %s::text[], %s::text[]) AS k(area_id, month, category, scope)
            ORDER BY 1, 2, 3, 4  -- rows are locked in one fixed order everywhere, so two edits cannot deadlock
            ON CONFLICT (area_id, month, category, scope) DO UPDATE SET requested = now()
            """,
            [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], [k[3] for k in keys]],
        )
    from reports.tasks import recompute_pending_cells

    transaction.on_commit(recompute_pending_cells.delay, robust=True)
