"""The measurements: each figure is our code path against the same work done by PostgreSQL alone, same run.

Runs inside one Django process whose ``DATABASE_URL`` points at one size's benchmark database
(``bench.__main__`` starts one such process per size). Times are medians of several runs after
one warm-up run; the ratio is ours / PostgreSQL's.
"""

import re
import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import sql
from bench.generate import bench_users, generate, incident_count
from core.tokens import token_issue

__all__ = ["measure_size", "prepare_database", "timed"]

HOST = "localhost"
API_BASE = f"http://{HOST}/api/"
# Viewports (xmin, ymin, xmax, ymax): a district-sized one at zoom ~10, and the whole border belt at zoom ~7.
VIEWPORTS = {
    "Khyber/Peshawar, zoom ~10": (71.2, 33.8, 71.7, 34.2),
    "PK–AF border belt, zoom ~7": (67.0, 30.0, 73.0, 36.0),
}


SLOW_CALL_SECONDS = 2.0


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median wall time of ``runs`` calls in milliseconds (after one warm-up call), and the last result.

    A call slower than ``SLOW_CALL_SECONDS`` is run 3 times at most, to keep the 1M run within its hour.
    """
    started = time.perf_counter()
    result = fn()
    if time.perf_counter() - started > SLOW_CALL_SECONDS:
        runs = min(runs, 3)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def _row(measure, size, ours_ms, pg_ms, *, target="—", met=None, runs, notes="") -> dict:
    """One figure: ``ours`` and ``postgres`` in ``unit`` (ms here), ratio = ours / postgres."""
    if ours_ms > SLOW_CALL_SECONDS * 1000:
        runs = min(runs, 3)  # as timed() does for slow calls
    return {
        "measure": measure, "size": size, "ours": round(ours_ms, 2), "postgres": round(pg_ms, 2), "unit": "ms",
        "ratio": round(ours_ms / pg_ms, 2) if pg_ms else None, "target": target, "met": met, "runs": runs,
        "notes": notes,
    }  # fmt: skip


def _slowest(queries: CaptureQueriesContext) -> str:
    """Where the time went: the slowest captured query and the table it reads."""
    if not queries.captured_queries:
        return ""
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
    match = re.search(r'FROM "(\w+)"', slowest["sql"])
    return f"; slowest query {float(slowest['time']) * 1000:,.0f} ms ({match.group(1) if match else '?'})"


def _fetch(query: str, params: dict):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def prepare_database(size: int, *, regenerate: bool = False, log=print) -> dict:
    """Migrate, bring the gazetteer up to date, and generate ``size`` incidents unless already there."""
    from geo.importers import import_all

    call_command("migrate", verbosity=0)
    # Always: the import is idempotent and cheap, and the geocoder rows must measure today's names
    # (curated aliases change), not those of the day the database was generated.
    stats = import_all(settings.SHARED_DATA_DIR)
    log(f"[bench] gazetteer in {connection.settings_dict['NAME']}: {stats}")
    bench_users()
    existing = incident_count()
    if existing == size and not regenerate:
        log(f"[bench] {size:,} incidents already generated in {connection.settings_dict['NAME']}: reused")
        return {"generated": False, "seconds": None}
    log(f"[bench] generating {size:,} incidents in {connection.settings_dict['NAME']} …")
    result = generate(size, log=log)
    log(f"[bench] generated in {result.seconds:.0f} s: {result.counts}")
    return {"generated": True, "seconds": round(result.seconds, 1), "counts": result.counts}


def _partner_client():
    partner = bench_users()["partner"]
    _, key = token_issue(user=partner, note="bench", replace=True)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_HOST=HOST)
    return partner, client


def _list_page(size: int, partner, runs: int) -> dict:
    from geo.models import Area
    from incidents.models import Incident

    province = Area.objects.filter(code="PK-KP").first() or Area.objects.filter(level="province").first()
    params = {"kind": "airstrike", "province": province.pk}

    def orm():
        return list(Incident.objects.visible_to(partner).filter(kind="airstrike", province=province).for_list()[:100])

    def orm_deferred():
        return list(
            Incident.objects.visible_to(partner).filter(kind="airstrike", province=province).for_list()
            .defer("district__boundary", "province__boundary")[:100]
        )  # fmt: skip

    ours, rows = timed(orm, runs)
    pg, pg_rows = timed(lambda: _fetch(sql.LIST_PAGE, params), runs)
    deferred, _ = timed(orm_deferred, runs)
    same = [r.pk for r in rows] == [r[0] for r in pg_rows]
    with CaptureQueriesContext(connection) as queries:
        orm()
    return _row(
        "incident list page (100, kind=airstrike & province, newest first, partner)",
        size,
        ours,
        pg,
        runs=runs,
        notes=f"{len(rows)} rows, same rows as SQL: {same}; {len(queries)} query; "
        f"ORM without area boundaries: {deferred:.1f} ms",
    )


def _api_page(size: int, client, runs: int) -> dict:
    url = "/api/incidents/"
    params = {"limit": 100, "base": API_BASE}

    def ours_call(page_size=100):
        response = client.get(url, {"page_size": page_size})
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
        return response.content

    ours, body = timed(ours_call, runs)
    pg, pg_rows = timed(lambda: _fetch(sql.API_PAGE_JSON, params), runs)
    with CaptureQueriesContext(connection) as q100:
        ours_call(100)
    with CaptureQueriesContext(connection) as q10:
        ours_call(10)
    ratio = ours / pg
    return _row(
        "API page (100 incidents + claims, attributions, sources, assessments; partner)",
        size,
        ours,
        pg,
        target="≤ 3×",
        met=ratio <= 3,
        runs=runs,
        notes=f"{len(q100)} queries per page (page of 10: {len(q10)}){_slowest(q100)}; "
        f"{len(body) / 1024:.0f} KB vs SQL "
        f"{len(pg_rows[0][0]) / 1024:.0f} KB",
    )


def _summaries(size: int, runs: int) -> dict:
    from reports.summaries import rebuild_all

    def group_by_into_table():
        # The same GROUP BY, its result written to a fresh table: what writing the figures costs at least.
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_cells")
            cursor.execute(f"CREATE TEMP TABLE bench_cells AS {sql.SUMMARY_GROUP_BY}")

    ours, cells = timed(rebuild_all, runs)
    pg, groups = timed(lambda: _fetch(sql.SUMMARY_GROUP_BY, {}), runs)
    written, _ = timed(group_by_into_table, runs)
    ratio = ours / pg
    return _row(
        "summaries full rebuild (reports.summaries.rebuild_all vs the GROUP BY read)",
        size,
        ours,
        pg,
        target="≤ 1.5×",
        met=ratio <= 1.5,
        runs=runs,
        notes=f"{cells:,} cells; the GROUP BY returns {len(groups):,} groups; "
        f"written into a new table: {written:,.0f} ms",
    )


def _map_viewports(size: int, client, runs: int) -> list[dict]:
    rows = []
    for label, (xmin, ymin, xmax, ymax) in VIEWPORTS.items():
        bbox = f"{xmin},{ymin},{xmax},{ymax}"

        def ours_call(bbox=bbox):
            response = client.get("/api/geojson/incidents/", {"in_bbox": bbox})
            if response.status_code != 200:
                raise RuntimeError(f"GET /api/geojson/incidents/ answered {response.status_code}")
            return response.content

        ours, body = timed(ours_call, runs)
        import json

        page = json.loads(body)
        params = {"xmin": xmin, "ymin": ymin, "xmax": xmax, "ymax": ymax, "limit": len(page["features"]) or 1,
                  "base": API_BASE}  # fmt: skip
        pg, pg_rows = timed(lambda params=params: _fetch(sql.MAP_VIEWPORT_GEOJSON, params), runs)
        uncounted, _ = timed(lambda params=params: _fetch(sql.MAP_VIEWPORT_FEATURES_ONLY, params), runs)
        kb = len(body) / 1024
        with CaptureQueriesContext(connection) as queries:
            ours_call()
        rows.append(
            _row(
                f"map viewport GeoJSON ({label}; partner)",
                size,
                ours,
                pg,
                target="< 200 ms, < 200 KB",
                met=ours < 200 and kb < 200,
                runs=runs,
                notes=f"{kb:.0f} KB, {len(page['features'])} of {page.get('count', '?')} features in view; "
                f"{len(queries)} queries{_slowest(queries)}; SQL {len(pg_rows[0][0]) / 1024:.0f} KB, "
                f"SQL without the total count: {uncounted:,.0f} ms",
            )
        )
    return rows


def measure_size(size: int, *, runs: int = 7, slow_runs: int = 3, log=print) -> list[dict]:
    """Every figure at this size. Expensive rows (the full rebuild) run ``slow_runs`` times."""
    # Query logging would add its own cost to every ORM query: measure as production runs.
    settings.DEBUG = False
    partner, client = _partner_client()
    rows = []
    for name, step in (
        ("list page", lambda: [_list_page(size, partner, runs)]),
        ("API page", lambda: [_api_page(size, client, runs)]),
        ("summaries", lambda: [_summaries(size, slow_runs)]),
        ("map viewports", lambda: _map_viewports(size, client, runs)),
    ):
        log(f"[bench] {size:,}: {name} …")
        try:
            rows.extend(step())
        except Exception as exc:  # one broken figure must not hide the others; the row says why
            connection.close()
            rows.append(_row(name, size, 0, 0, met=False, runs=0, notes=f"FAILED: {type(exc).__name__}: {exc}"[:300]))
    return rows
