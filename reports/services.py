"""Marking the summary cells a change touches; a worker recomputes just those.

Who marks: ``reports`` itself, listening. The record's services and the geocoding task send
``incidents.signals.incident_changed`` inside the change's transaction; ``incident_cells_mark`` below (connected in
``ReportsConfig.ready``) marks the cells through ``cell_keys`` and ``cells_mark``. ``incidents`` imports nothing
from ``reports``. A cell is marked in a scope only when an incident counts (or counted) in that scope, so no
cell, count or timestamp a reader sees moves because of work they may not see (issue #9): restricted incidents
count nowhere; drafts and incidents in review only in the desk's scope; published public ones in both.
"""

from django.db import connection, transaction

from incidents.models import Incident

__all__ = ["cell_keys", "cells_mark", "incident_cells_mark", "incident_scopes"]


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


# What ``cell_keys`` reads of an incident.
_CELL_FIELDS = ("start_date", "kind", "district", "province", "status", "sensitivity", "merged_into")


def incident_cells_mark(sender, *, incident, before=None, figures_changed: bool = False, **kwargs) -> None:
    """Mark the summary cells a change to ``incident`` moves (the receiver of ``incidents.signals.incident_changed``).

    The incident is re-read: the sender's copy may predate the geocoder. ``before``: the incident as it was (None: it
    counted in no cell before). Where only its place, date, kind or status moved (``figures_changed=False``), just the
    cells it left or joined are marked; where its figures moved, every cell it counts in, before and after. A
    restricted incident counts in no cell, so its edits mark none (``incident_scopes``).
    """
    after = set(cell_keys(Incident.objects.only(*_CELL_FIELDS).get(pk=incident.pk)))
    was = set(cell_keys(before)) if before is not None else set()
    cells_mark((after | was) if figures_changed else (after ^ was))
