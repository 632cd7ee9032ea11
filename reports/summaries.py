"""The SQL that builds summary cells: one statement for a set of cells, one for everything.

A cell is (area, month, category, scope). Each incident counts in its district's cell and its
province's cell. Figures come from each incident's latest assessment (0 where none yet).
"""

from django.db import connection, transaction

__all__ = ["recompute_cells", "rebuild_all"]

# The incidents of a scope, each with its latest assessment's figures and its (area, month) keys.
_FACTS = """
WITH latest AS (
    SELECT DISTINCT ON (a.incident_id) a.incident_id, a.killed_low, a.killed_best, a.killed_high,
           a.civilians_low, a.civilians_best, a.civilians_high
    FROM incidents_assessment a
    {assessment_filter}
    ORDER BY a.incident_id, a.decided_at DESC, a.id DESC
), facts AS (
    SELECT s.scope, area.area_id, date_trunc('month', i.start_date)::date AS month, i.category, i.contested,
           coalesce(l.killed_low, 0) AS killed_low,
           coalesce(l.killed_best, l.killed_low, 0) AS killed_best,
           greatest(coalesce(l.killed_high, l.killed_best, l.killed_low, 0), coalesce(l.killed_best, 0)) AS killed_high,
           coalesce(l.civilians_low, 0) AS civilians_low,
           coalesce(l.civilians_best, l.civilians_low, 0) AS civilians_best,
           greatest(coalesce(l.civilians_high, l.civilians_best, l.civilians_low, 0),
                    coalesce(l.civilians_best, 0)) AS civilians_high
    FROM incidents_incident i
    CROSS JOIN LATERAL (VALUES (i.district_id), (i.province_id)) AS area(area_id)
    CROSS JOIN LATERAL (
        -- Restricted incidents are counted nowhere: analysts read desk cells and may not see them.
        SELECT 'desk'::text AS scope WHERE i.sensitivity = 'public'
        UNION ALL
        SELECT 'public' WHERE i.status = 'published' AND i.sensitivity = 'public'
    ) AS s
    LEFT JOIN latest l ON l.incident_id = i.id
    WHERE area.area_id IS NOT NULL AND i.status <> 'retracted' AND i.merged_into_id IS NULL
      {incident_filter}
)
"""

_FIGURES = (
    "incident_count, contested_count, killed_low, killed_best, killed_high, civilians_low, civilians_best, "
    "civilians_high"
)


def _prefixed(table: str) -> str:
    return ", ".join(f"{table}.{name}" for name in _FIGURES.split(", "))


# An existing cell (in an upsert) whose figures the recompute moved, or that was never computed. Only such a cell
# gets a new computed_at: a marked cell whose figures stand keeps its own, so an incident published and then
# retracted or merged away before the worker ran leaves no trace in a cell partners read.
_MOVED = (
    f"(reports_summarycell.computed_at IS NULL"
    f" OR ({_prefixed('reports_summarycell')}) IS DISTINCT FROM ({_prefixed('EXCLUDED')}))"
)

_UPSERT = """
INSERT INTO reports_summarycell (area_id, month, category, scope, incident_count, contested_count,
    killed_low, killed_best, killed_high, civilians_low, civilians_best, civilians_high, computed_at, requested)
SELECT area_id, month, category, scope, count(*), count(*) FILTER (WHERE contested),
    sum(killed_low), sum(killed_best), sum(killed_high), sum(civilians_low), sum(civilians_best), sum(civilians_high),
    now(), NULL
FROM facts
{facts_filter}
GROUP BY area_id, month, category, scope
ON CONFLICT (area_id, month, category, scope) DO UPDATE SET
    incident_count = EXCLUDED.incident_count, contested_count = EXCLUDED.contested_count,
    killed_low = EXCLUDED.killed_low, killed_best = EXCLUDED.killed_best, killed_high = EXCLUDED.killed_high,
    civilians_low = EXCLUDED.civilians_low, civilians_best = EXCLUDED.civilians_best,
    civilians_high = EXCLUDED.civilians_high, requested = NULL,
    computed_at = CASE WHEN {moved} THEN now() ELSE reports_summarycell.computed_at END
-- A cell nobody marked and whose figures stand is not touched: its computed_at must not move for work in the
-- other scope (a draft recomputes the desk's cell, never the partners').
WHERE reports_summarycell.requested IS NOT NULL OR {moved}
"""


@transaction.atomic
def recompute_cells(keys: list[tuple[int, str, str]]) -> int:
    """Recompute the given (area_id, month, category) cells in both scopes. Idempotent.

    Cells left with no incidents are deleted: a cell exists only while an incident backs it.
    """
    if not keys:
        return 0
    area_ids = sorted({k[0] for k in keys})
    months = [k[1] for k in keys]
    with connection.cursor() as cursor:
        key_cte = "keys(area_id, month, category) AS (SELECT * FROM unnest(%s::bigint[], %s::date[], %s::text[]))"
        in_cells = (
            "(i.district_id = ANY(%s) OR i.province_id = ANY(%s))"
            " AND date_trunc('month', i.start_date)::date = ANY(%s::date[])"
        )
        facts = _FACTS.format(
            # Only the assessments of incidents in these cells: without this, every incremental recompute would
            # sort the whole assessments table to find each incident's latest.
            assessment_filter=f"WHERE a.incident_id IN (SELECT i.id FROM incidents_incident i WHERE {in_cells})",
            incident_filter=f"AND {in_cells}",
        )
        sql = facts.replace("WITH latest AS", f"WITH {key_cte}, latest AS", 1) + _UPSERT.format(
            facts_filter="WHERE (area_id, month, category) IN (SELECT area_id, month, category FROM keys)",
            moved=_MOVED,
        )
        params = [[k[0] for k in keys], months, [k[2] for k in keys], *[area_ids, area_ids, months] * 2]
        cursor.execute(sql, params)
        # Cells asked for that have no incidents left: gone. A cell exists only while some incident backs it, so
        # an empty cell can never stand for work a reader may not see.
        cursor.execute(
            """
            DELETE FROM reports_summarycell c
            USING unnest(%s::bigint[], %s::date[], %s::text[]) AS k(area_id, month, category)
            WHERE c.area_id = k.area_id AND c.month = k.month AND c.category = k.category
              AND c.requested IS NOT NULL
            """,
            [[k[0] for k in keys], months, [k[2] for k in keys]],
        )
        return len(keys)


@transaction.atomic
def rebuild_all() -> int:
    """Rebuild every cell from the records (the nightly job). Returns the number of cells.

    One GROUP BY into a temporary table, then only the cells whose figures differ are written, and cells
    left with no incidents are deleted: a nightly run that finds the incremental cells right writes nothing.
    """
    with connection.cursor() as cursor:
        # Edits marking cells and incremental recomputes wait for the rebuild (reads do not): locking the whole
        # table first means the rebuild never holds some rows while waiting for others, so it cannot deadlock.
        cursor.execute("LOCK TABLE reports_summarycell IN EXCLUSIVE MODE")
        # Dropped at commit; dropped here too, for a second rebuild inside one outer transaction.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.fresh_cells")
        cursor.execute(
            "CREATE TEMPORARY TABLE fresh_cells ON COMMIT DROP AS "
            + _FACTS.format(assessment_filter="", incident_filter="")
            + """
            SELECT area_id, month, category, scope, count(*) AS incident_count,
                count(*) FILTER (WHERE contested) AS contested_count,
                sum(killed_low) AS killed_low, sum(killed_best) AS killed_best, sum(killed_high) AS killed_high,
                sum(civilians_low) AS civilians_low, sum(civilians_best) AS civilians_best,
                sum(civilians_high) AS civilians_high
            FROM facts GROUP BY area_id, month, category, scope
            """
        )
        # One hash join finds the cells that are new or differ; only those go through ON CONFLICT (a probe of the
        # unique index per row costs more than the join when, as on most nights, nearly nothing changed).
        cursor.execute(
            f"""
            INSERT INTO reports_summarycell (area_id, month, category, scope, {_FIGURES}, computed_at, requested)
            SELECT f.area_id, f.month, f.category, f.scope, {_prefixed("f")}, now(), NULL
            FROM fresh_cells f
            LEFT JOIN reports_summarycell c
              ON c.area_id = f.area_id AND c.month = f.month AND c.category = f.category AND c.scope = f.scope
            WHERE c.id IS NULL OR c.requested IS NOT NULL OR ({_prefixed("c")}) IS DISTINCT FROM ({_prefixed("f")})
            ON CONFLICT (area_id, month, category, scope) DO UPDATE SET
                {", ".join(f"{name} = EXCLUDED.{name}" for name in _FIGURES.split(", "))}, requested = NULL,
                computed_at = CASE WHEN {_MOVED} THEN now() ELSE reports_summarycell.computed_at END
            """
        )
        cursor.execute(
            """
            DELETE FROM reports_summarycell c
            WHERE NOT EXISTS (SELECT 1 FROM fresh_cells f WHERE f.area_id = c.area_id AND f.month = c.month
                              AND f.category = c.category AND f.scope = c.scope)
            """
        )
        cursor.execute("SELECT count(*) FROM reports_summarycell")
        return cursor.fetchone()[0]
