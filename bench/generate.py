"""Fill a (benchmark) database with realistic synthetic incidents, set-based, in minutes.

``generate(n)`` writes ``n`` incidents with ~3 claims each (rival claimants, ranges with unknown
ends, per-category breakdowns, denials, the claimant's own labels, revisions that supersede),
one source per claim, attributions, and assessments (some incidents with an older one too).
Every figure is drawn from the real data's empirical distributions (``bench.reference``); every
point lies inside a real district of the loaded gazetteer.

How it stays fast: everything is ``INSERT … SELECT`` over ``generate_series`` and small temporary
reference tables, in one transaction; the non-unique indexes of the tables written are dropped
first and rebuilt at the end (in the same transaction, so a failure leaves the schema intact).

Why ``session_replication_role = replica`` while loading: the app's ordinary triggers would
otherwise fire once per row — pghistory would write an audit event for each of millions of
synthetic rows (doubling the data and measuring the audit trail, not the reads), and the
source-hash trigger would run per row. In replica mode they do not fire, so this module computes
``content_sha256`` itself, in SQL. CHECK, NOT NULL and unique constraints still hold; foreign keys
(also triggers) are not checked by PostgreSQL in that mode, so ``verify_foreign_keys()`` checks
every one of them afterwards, and the generation fails if any row points nowhere.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils.text import slugify

from actors.models import Actor
from bench.reference import ACTOR_COUNTRY, PUBLISHERS, Reference, load_reference
from incidents.choices import IncidentKind

__all__ = [
    "BENCH_USERS", "BULK_TABLES", "GeneratedData", "bench_users", "ensure_actors", "generate",
    "incident_count", "verify_foreign_keys",
]  # fmt: skip

# Tables written in bulk, parents first. Truncated together when a database is regenerated.
BULK_TABLES = (
    "incidents_incident",
    "incidents_source",
    "incidents_casualtyclaim",
    "incidents_incident_sources",
    "incidents_attribution",
    "incidents_assessment",
    "incidents_assessment_claims",
)
_ALSO_TRUNCATED = ("geo_mention", "reports_summarycell")

BENCH_USERS = {"bench-analyst": "analyst", "bench-editor": "editor", "bench-partner": "partner"}

# Claimants that speak for a side (not UCDP dyad sides): slug → (name, kind, country).
SPEAKERS = {
    "ispr": ("Inter-Services Public Relations (ISPR)", "government", "PK"),
    "pk-mofa": ("Pakistan Ministry of Foreign Affairs", "government", "PK"),
    "pk-police": ("Pakistani police officials", "state_force", "PK"),
    "af-mofa": ("Afghan Ministry of Foreign Affairs", "government", "AF"),
    "af-moi": ("Afghan Ministry of Interior", "government", "AF"),
    "us-officials": ("US officials", "government", "US"),
    "indian-army": ("Indian Army spokesman", "state_force", "IN"),
    "unama": ("United Nations Assistance Mission in Afghanistan", "international", ""),
    "hrcp": ("Human Rights Commission of Pakistan", "ngo", "PK"),
    "local-elders": ("Local elders", "community", ""),
    "district-hospital": ("District hospital officials", "other", ""),
    "afghan-taliban": ("Afghan Taliban government (Islamic Emirate of Afghanistan)", "government", "AF"),
}

# Share of claims per incident: 1–5 claims, mean ~3.05. Slots 4 and 5 revise slots 1 and 2.
CLAIM_COUNT_CUMULATIVE = ((0.10, 1), (0.30, 2), (0.65, 3), (0.90, 4), (1.01, 5))
POINTS_PER_DISTRICT = 400
SLOTS = 10_000  # resolution of weighted draws (districts, years, publishers)


@dataclass
class GeneratedData:
    incidents: int
    seconds: float
    counts: dict[str, int]


def incident_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM incidents_incident")
        return cursor.fetchone()[0]


def bench_users() -> dict[str, object]:
    """One user per role the benchmark needs (idempotent)."""
    users = {}
    for username, role in BENCH_USERS.items():
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save()
            user.groups.add(Group.objects.get(name=role))
        users[role] = user
    return users


def _actor_kind(name: str) -> str:
    if name.startswith("Government of"):
        return "state_force"
    if name == "Civilians":
        return "community"
    return "non_state_armed_group"


def ensure_actors(reference: Reference) -> dict[str, int]:
    """Actors for the UCDP dyad sides seen at least 5 times, and the usual spokespeople. Idempotent."""
    ids = {}
    for name, count in reference.side_counts.items():
        if count < 5 or not name:
            continue
        actor, _ = Actor.objects.get_or_create(
            slug=f"ucdp-{slugify(name)[:90]}",
            defaults={"name": name, "kind": _actor_kind(name), "country": ACTOR_COUNTRY.get(name, "")},
        )
        ids[name] = actor.pk
    other, _ = Actor.objects.get_or_create(
        slug="ucdp-other-armed-group", defaults={"name": "Other armed group", "kind": "non_state_armed_group"}
    )
    ids["*other*"] = other.pk
    for slug, (name, kind, country) in SPEAKERS.items():
        actor, _ = Actor.objects.get_or_create(slug=slug, defaults={"name": name, "kind": kind, "country": country})
        ids[slug] = actor.pk
    return ids


def _weighted_slots(weights: list[tuple[object, float]], slots: int = SLOTS) -> list[tuple[int, object]]:
    """(slot, value) rows so that a uniform slot draw picks each value with its weight (largest remainder)."""
    total = sum(w for _, w in weights) or 1.0
    exact = [(value, w * slots / total) for value, w in weights]
    counts = [(value, int(x)) for value, x in exact]
    short = slots - sum(c for _, c in counts)
    order = sorted(range(len(exact)), key=lambda i: exact[i][1] - int(exact[i][1]), reverse=True)
    for i in order[:short]:
        counts[i] = (counts[i][0], counts[i][1] + 1)
    rows, slot = [], 0
    for value, count in counts:
        for _ in range(count):
            rows.append((slot, value))
            slot += 1
    return rows


def _copy_rows(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _district_weights(cursor, reference: Reference) -> list[tuple[int, float]]:
    """Events per district (point in polygon of the real events), Afghan ones scaled; every district ≥ 0.5."""
    pk = [(e.lon, e.lat) for e in reference.events if e.lon is not None and e.lat is not None]
    counts: dict[int, float] = {}
    for points, scale in ((pk, 1.0), (reference.afghan_points, reference.afghan_scale)):
        cursor.execute(
            """
            SELECT d.id, count(*) FROM unnest(%s::float8[], %s::float8[]) AS p(x, y)
            JOIN geo_area d ON d.level = 'district' AND ST_Covers(d.boundary, ST_SetSRID(ST_MakePoint(x, y), 4326))
            GROUP BY d.id
            """,
            [[x for x, _ in points], [y for _, y in points]],
        )
        for district_id, count in cursor.fetchall():
            counts[district_id] = counts.get(district_id, 0.0) + count * scale
    cursor.execute("SELECT id FROM geo_area WHERE level = 'district' AND boundary IS NOT NULL ORDER BY id")
    return [(district_id, counts.get(district_id, 0.0) + 0.5) for (district_id,) in cursor.fetchall()]


def _load_reference_tables(cursor, reference: Reference, actors: dict[str, int]) -> None:
    cursor.execute(
        """
        CREATE TEMP TABLE ref_event (
            ev int PRIMARY KEY, kind text, side_a bigint, side_b bigint, lo int, best int, hi int,
            deaths_a int, deaths_b int, civ int, where_prec int, date_prec int, duration int, side_a_name text
        ) ON COMMIT DROP;
        CREATE TEMP TABLE ref_suicide (sx int PRIMARY KEY, kmin int, kmax int, imin int, imax int) ON COMMIT DROP;
        CREATE TEMP TABLE ref_dslot (slot int PRIMARY KEY, district_id bigint) ON COMMIT DROP;
        CREATE TEMP TABLE ref_yslot (slot int PRIMARY KEY, year int) ON COMMIT DROP;
        CREATE TEMP TABLE ref_pslot (slot int PRIMARY KEY, publisher text, domain text) ON COMMIT DROP;
        CREATE TEMP TABLE ref_kind (kind text PRIMARY KEY, label text) ON COMMIT DROP;
        """
    )
    other = actors["*other*"]
    _copy_rows(
        cursor, "ref_event",
        ("ev", "kind", "side_a", "side_b", "lo", "best", "hi", "deaths_a", "deaths_b", "civ", "where_prec",
         "date_prec", "duration", "side_a_name"),
        (
            (i, e.kind, actors.get(e.side_a, other), actors.get(e.side_b, other), e.low, e.best, e.high, e.deaths_a,
             e.deaths_b, e.civilians, e.where_prec, e.date_prec, min(e.duration_days, 365), e.side_a)
            for i, e in enumerate(reference.events)
        ),
    )  # fmt: skip
    _copy_rows(cursor, "ref_suicide", ("sx", "kmin", "kmax", "imin", "imax"),
               ((i, *row) for i, row in enumerate(reference.suicide)))  # fmt: skip
    _copy_rows(cursor, "ref_dslot", ("slot", "district_id"), _weighted_slots(_district_weights(cursor, reference)))
    _copy_rows(cursor, "ref_yslot", ("slot", "year"), _weighted_slots(list(reference.year_weights.items())))
    _copy_rows(
        cursor, "ref_pslot", ("slot", "publisher", "domain"),
        ((slot, name, PUBLISHERS[name])
         for slot, name in _weighted_slots(list(reference.publisher_weights.items()), 1000)),
    )  # fmt: skip
    _copy_rows(cursor, "ref_kind", ("kind", "label"), ((k.value, k.label) for k in IncidentKind))
    cursor.execute(
        f"""
        CREATE TEMP TABLE ref_district ON COMMIT DROP AS
        SELECT d.id AS district_id, p.id AS province_id, d.country_code, d.name AS dname, p.name AS pname,
               d.centroid AS dcentroid, p.centroid AS pcentroid
        FROM geo_area d JOIN geo_area p ON p.id = d.parent_id
        WHERE d.level = 'district' AND d.boundary IS NOT NULL;
        ALTER TABLE ref_district ADD PRIMARY KEY (district_id);
        -- A pool of random points inside each district (seeded, so reruns draw the same ones).
        CREATE TEMP TABLE ref_point ON COMMIT DROP AS
        SELECT d.id AS district_id, (row_number() OVER (PARTITION BY d.id ORDER BY g.path) - 1)::int AS k,
               g.geom
        FROM geo_area d,
             LATERAL ST_Dump(ST_GeneratePoints(d.boundary, {POINTS_PER_DISTRICT}, d.id::int)) AS g
        WHERE d.level = 'district' AND d.boundary IS NOT NULL;
        ALTER TABLE ref_point ADD PRIMARY KEY (district_id, k);
        ANALYZE ref_event; ANALYZE ref_suicide; ANALYZE ref_dslot; ANALYZE ref_yslot; ANALYZE ref_pslot;
        ANALYZE ref_district; ANALYZE ref_point;
        """
    )


def _drop_secondary_indexes(cursor) -> list[str]:
    """Drop the indexes no constraint needs on the bulk tables; return their definitions to rebuild them."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [list(BULK_TABLES)],
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _, definition in indexes]


# ---- The SQL, one statement per table ----
# Every random() draw is its own column of g_inc/g_claim, so each is made once per row.

_INCIDENTS_DRAW = """
CREATE TEMP TABLE g_draw ON COMMIT DROP AS
SELECT gs AS id,
       floor(random() * %(n_events)s)::int AS ev,
       floor(random() * %(n_suicide)s)::int AS sx,
       floor(random() * %(slots)s)::int AS dslot,
       floor(random() * %(slots)s)::int AS yslot,
       floor(random() * %(points)s)::int AS pk,
       random() AS r_day, random() AS r_status, random() AS r_sens, random() AS r_claims, random() AS r_assess,
       random() AS r_grade, random() AS r_old, random() AS r_attr, random() AS r_manual, random() AS r_merge
FROM generate_series(1, %(n)s) AS gs
"""

_INCIDENTS_FACTS = """
CREATE TEMP TABLE g_inc ON COMMIT DROP AS
WITH base AS (
    SELECT g.*, e.kind, e.side_a, e.side_b, e.side_a_name, e.deaths_a, e.deaths_b, e.civ, e.where_prec,
           e.date_prec, e.duration, rd.district_id, rd.province_id, rd.country_code, rd.dname, rd.pname,
           rd.dcentroid, rd.pcentroid, y.year,
           -- Suicide attacks take Pakistan Body Count's ranges (unknown ends kept); the rest UCDP's.
           CASE WHEN e.kind = 'suicide_attack' THEN s.kmin ELSE e.lo END AS k_min,
           CASE WHEN e.kind = 'suicide_attack' THEN s.kmax ELSE e.hi END AS k_max,
           CASE WHEN e.kind = 'suicide_attack' THEN s.imin END AS inj_min,
           CASE WHEN e.kind = 'suicide_attack' THEN s.imax END AS inj_max,
           e.lo, e.best, e.hi
    FROM g_draw g
    JOIN ref_event e ON e.ev = g.ev
    JOIN ref_suicide s ON s.sx = g.sx
    JOIN ref_dslot ds ON ds.slot = g.dslot
    JOIN ref_district rd ON rd.district_id = ds.district_id
    JOIN ref_yslot y ON y.slot = g.yslot
), dated AS (
    SELECT b.*,
           CASE WHEN b.date_prec = 1 THEN 'day' WHEN b.date_prec IN (2, 3) THEN 'week'
                WHEN b.date_prec = 4 THEN 'month' ELSE 'year' END AS date_precision,
           CASE WHEN b.where_prec = 1 THEN 'exact' WHEN b.where_prec = 2 THEN 'near'
                WHEN b.where_prec = 3 THEN 'district' WHEN b.where_prec IN (4, 5) THEN 'province'
                ELSE 'country' END AS geo_precision,
           (make_date(b.year, 1, 1)
            + floor(b.r_day * (make_date(b.year + 1, 1, 1) - make_date(b.year, 1, 1)))::int) AS day
    FROM base b
)
SELECT d.*,
       CASE d.date_precision WHEN 'month' THEN date_trunc('month', d.day)::date
            WHEN 'year' THEN make_date(d.year, 1, 1) ELSE d.day END AS start_date,
       CASE WHEN d.r_status < 0.72 THEN 'published' WHEN d.r_status < 0.80 THEN 'in_review'
            WHEN d.r_status < 0.95 THEN 'draft' ELSE 'retracted' END AS status,
       CASE WHEN d.r_sens < 0.08 THEN 'restricted' ELSE 'public' END AS sensitivity,
       CASE WHEN d.r_claims < 0.10 THEN 1 WHEN d.r_claims < 0.30 THEN 2 WHEN d.r_claims < 0.65 THEN 3
            WHEN d.r_claims < 0.90 THEN 4 ELSE 5 END AS n_claims,
       CASE WHEN d.kind IN ('airstrike', 'drone_strike', 'shelling') THEN 'strike'
            WHEN d.kind = 'other' THEN 'other' ELSE 'militant_attack' END AS category,
       -- Who speaks first: the side that acted (strikes) or the authorities where it happened.
       CASE WHEN d.kind IN ('airstrike', 'drone_strike', 'shelling') THEN
                CASE WHEN d.side_a_name = 'Government of United States of America' THEN %(sp_us_officials)s
                     WHEN d.side_a_name = 'Government of India' THEN %(sp_indian_army)s
                     WHEN d.country_code = 'AF' AND d.side_a_name = 'Government of Afghanistan' THEN %(sp_af_moi)s
                     ELSE %(sp_ispr)s END
            WHEN d.country_code = 'AF' THEN %(sp_af_moi)s ELSE %(sp_pk_police)s END AS claimant1,
       CASE WHEN d.kind IN ('airstrike', 'drone_strike', 'shelling') THEN
                CASE WHEN d.country_code = 'AF' THEN %(sp_af_mofa)s
                     WHEN d.side_a_name IN ('Government of United States of America', 'Government of India')
                          THEN %(sp_pk_mofa)s
                     ELSE %(sp_local_elders)s END
            ELSE d.grp END AS claimant2,
       CASE WHEN d.country_code = 'AF' THEN %(sp_unama)s
            WHEN d.r_attr < 0.5 THEN %(sp_hrcp)s ELSE %(sp_district_hospital)s END AS claimant3
FROM (
    -- The armed group of the dyad: the non-state side ("Civilians" are nobody's group).
    SELECT dd.*, CASE WHEN dd.side_a = ANY(%(state_ids)s)
                      THEN CASE WHEN dd.side_b = %(civilians)s THEN %(other)s ELSE dd.side_b END
                      ELSE dd.side_a END AS grp
    FROM dated dd
) d
"""

_INCIDENTS_INSERT = """
INSERT INTO incidents_incident (
    id, created, updated, title, description, kind, start_date, end_date, date_precision, location, place_text,
    country_code, origin_country_code, geo_precision, location_manual, sensitivity, status, status_note,
    internal_notes, contested, contested_all, published_at, version, geocode_requested, created_by_id, district_id,
    merged_into_id, province_id)
SELECT g.id, g.start_date + interval '1 day', g.start_date + interval '1 day',
       format('%%s in %%s, %%s', k.label, g.dname, g.pname),
       format('%%s reported in %%s district, %%s province. Officials gave %%s killed; other accounts differ.',
              k.label, g.dname, g.pname, coalesce(g.k_min::text, 'an unknown number of people')),
       g.kind, g.start_date,
       CASE WHEN g.date_precision = 'month' THEN (date_trunc('month', g.start_date) + interval '1 month - 1 day')::date
            WHEN g.date_precision = 'year' THEN make_date(g.year, 12, 31)
            WHEN g.duration > 0 THEN g.start_date + g.duration END,
       g.date_precision,
       CASE g.geo_precision WHEN 'exact' THEN coalesce(p.geom, g.dcentroid)
            WHEN 'near' THEN coalesce(p.geom, g.dcentroid)
            WHEN 'district' THEN g.dcentroid WHEN 'province' THEN g.pcentroid END,
       CASE g.geo_precision WHEN 'country' THEN CASE g.country_code WHEN 'AF' THEN 'Afghanistan' ELSE 'Pakistan' END
            WHEN 'province' THEN g.pname
            ELSE format('%%s district, %%s', g.dname, g.pname) END,
       g.country_code,
       CASE WHEN g.category = 'strike' AND g.country_code = 'AF' THEN 'PK'
            WHEN g.side_a_name = 'Government of United States of America' THEN 'US'
            WHEN g.side_a_name = 'Government of India' THEN 'IN'
            WHEN g.kind = 'cross_border_raid' THEN CASE g.country_code WHEN 'AF' THEN 'PK' ELSE 'AF' END
            ELSE '' END,
       g.geo_precision, g.geo_precision = 'exact' AND g.r_manual < 0.3, g.sensitivity, g.status,
       CASE WHEN g.status = 'retracted' THEN 'Duplicate of an earlier record.' ELSE '' END,
       '', coalesce(c.contested, false), coalesce(c.contested_all, false),
       CASE WHEN g.status = 'published' THEN g.start_date + interval '3 days' END,
       1, NULL, %(analyst)s,
       CASE WHEN g.geo_precision IN ('exact', 'near', 'district') THEN g.district_id END,
       CASE WHEN g.status = 'retracted' AND g.r_merge < 0.3 AND g.id > 1 THEN g.id - 1 END,
       CASE WHEN g.geo_precision <> 'country' THEN g.province_id END
FROM g_inc g
JOIN ref_kind k ON k.kind = g.kind
LEFT JOIN ref_point p ON p.district_id = g.district_id AND p.k = g.pk
LEFT JOIN g_contested c ON c.incident_id = g.id
"""

# Claims: one row per (incident, slot); ids are dense and computable, so a revision (slot 4/5)
# names the claim it supersedes (slot 1/2 of the same incident, same claimant) directly.
_CLAIMS_DRAW = """
CREATE TEMP TABLE g_claim ON COMMIT DROP AS
WITH numbered AS (
    SELECT g.*, sum(g.n_claims) OVER (ORDER BY g.id) - g.n_claims AS claim_base FROM g_inc g
)
SELECT %(claim_offset)s + n.claim_base + s.slot AS id, n.id AS incident_id, s.slot,
       CASE WHEN s.slot > 3 THEN s.slot - 3 ELSE s.slot END AS role,
       CASE WHEN s.slot > 3 THEN %(claim_offset)s + n.claim_base + s.slot - 3 END AS supersedes_id,
       (s.slot = 1 AND n.n_claims >= 4) OR (s.slot = 2 AND n.n_claims >= 5) AS superseded,
       CASE WHEN s.slot IN (1, 4) THEN n.claimant1 WHEN s.slot IN (2, 5) THEN n.claimant2 ELSE n.claimant3 END
           AS claimant_id,
       n.category, n.kind, n.country_code, n.start_date, n.k_min, n.k_max, n.inj_min, n.inj_max, n.best,
       n.deaths_a, n.deaths_b, n.civ, n.sensitivity,
       random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
       floor(random() * 1000)::int AS pslot
FROM numbered n CROSS JOIN LATERAL generate_series(1, n.n_claims) AS s(slot)
"""

_CLAIMS_FIGURES = """
CREATE TEMP TABLE g_fig ON COMMIT DROP AS
WITH raw AS (
    SELECT c.*,
           CASE WHEN c.slot > 3 THEN 1 + floor(c.r5 * 6)::int ELSE 0 END AS bump,
           -- The rival account: civilians, somewhere around the best estimate, often more.
           greatest(c.civ, round(greatest(c.best, 1) * (0.5 + c.r2 * 1.5)))::int AS rival_civ,
           -- An armed group claiming an attack inflates it.
           -- An armed group claiming an attack often inflates it (two times in five).
           round(greatest(c.k_max, c.k_min, 1) * CASE WHEN c.r2 < 0.6 THEN 1 ELSE 1 + c.r2 END)::int AS boast
    FROM g_claim c
)
SELECT r.*,
       CASE r.role
            WHEN 1 THEN r.k_min + r.bump
            WHEN 2 THEN CASE WHEN r.category = 'strike' THEN r.rival_civ ELSE r.boast END + r.bump
            ELSE CASE WHEN r.r1 < 0.3 THEN NULL ELSE r.k_min END END AS killed_min,
       CASE r.role
            WHEN 1 THEN CASE WHEN r.r1 < 0.45 THEN NULL ELSE r.k_max + r.bump END
            WHEN 2 THEN CASE WHEN r.r3 < 0.6 THEN NULL ELSE r.rival_civ + r.bump + floor(r.r4 * 10)::int END
            ELSE CASE WHEN r.r2 < 0.3 THEN NULL
                      ELSE round(coalesce(r.k_max, r.k_min, r.best) * (1 + 0.3 * r.r3))::int END END AS killed_max,
       -- "No civilians were harmed": the acting side's denial, in a third of strikes.
       r.role = 1 AND r.category = 'strike' AND r.r4 < 0.35 AS denies_civilians,
       CASE WHEN r.role = 2 AND r.category = 'strike' THEN r.rival_civ + r.bump
            WHEN r.role = 1 AND r.category <> 'strike' AND r.r2 < 0.6 THEN r.civ
            WHEN r.role = 3 AND r.r4 < 0.5 THEN r.civ END AS civilians_min,
       CASE WHEN r.role = 1 AND r.category = 'strike' THEN coalesce(r.deaths_b, r.k_min) + r.bump END
           AS militants_min,
       CASE WHEN r.role = 1 AND r.category = 'strike' AND r.r1 >= 0.45 THEN coalesce(r.k_max, r.deaths_b) + r.bump
           END AS militants_max,
       CASE WHEN r.role = 1 AND r.category = 'militant_attack' THEN r.deaths_a
            WHEN r.role = 2 AND r.category = 'militant_attack' THEN r.boast END AS security_forces_min,
       CASE WHEN r.role = 2 AND r.category = 'strike' AND r.r3 < 0.5 THEN floor((r.rival_civ + r.bump) * 0.25)::int
           END AS women_min,
       CASE WHEN r.role = 2 AND r.category = 'strike' AND r.r3 < 0.5 THEN floor((r.rival_civ + r.bump) * 0.35)::int
           END AS children_min
FROM raw r
"""

_SOURCES_INSERT = """
INSERT INTO incidents_source (id, created, updated, kind, publisher, title, url, published_on, language, quote,
    reliability, credibility, content, content_sha256, sensitivity, created_by_id)
SELECT s.id, s.day + interval '2 days', s.day + interval '2 days', s.kind, s.publisher, s.title, s.url, s.day,
       s.language, s.quote, s.reliability, s.credibility, s.content,
       encode(sha256(convert_to(s.content, 'UTF8')), 'hex'), s.sensitivity, %(analyst)s
FROM (
    SELECT f.id, f.start_date + CASE f.role WHEN 1 THEN 0 WHEN 2 THEN 1 ELSE 3 END + f.bump * 2 AS day,
           CASE f.role WHEN 1 THEN 'official' WHEN 2 THEN CASE WHEN f.r5 < 0.5 THEN 'official' ELSE 'post' END
                ELSE CASE WHEN f.country_code = 'AF' THEN 'un_ngo' ELSE 'news' END END AS kind,
           p.publisher, format('%%s: %%s', a.name, f.quote) AS title,
           format('https://%%s/news/%%s', p.domain, f.id) AS url,
           CASE WHEN f.r3 < 0.8 THEN 'en' WHEN f.country_code = 'AF' THEN
                CASE WHEN f.r3 < 0.9 THEN 'ps' ELSE 'prs' END ELSE 'ur' END AS language,
           f.quote,
           (ARRAY['A', 'B', 'B', 'C', 'C', 'C', 'D', 'E', 'F', 'F'])[1 + floor(f.r4 * 10)::int] AS reliability,
           1 + floor(f.r2 * 6)::int AS credibility,
           format('%%s (%%s) — %%s said: "%%s" The statement could not be independently verified.',
                  p.publisher, f.start_date, a.name, f.quote) AS content,
           CASE WHEN f.r5 > 0.97 THEN 'restricted' ELSE 'public' END AS sensitivity
    FROM g_quote f
    JOIN ref_pslot p ON p.slot = f.pslot
    JOIN actors_actor a ON a.id = f.claimant_id
) s
"""

_CLAIMS_INSERT = """
INSERT INTO incidents_casualtyclaim (id, created, updated, claimed_on, killed_min, killed_max, civilians_min,
    civilians_max, militants_min, militants_max, security_forces_min, security_forces_max, women_min, women_max,
    children_min, children_max, injured_min, injured_max, labels, denied, quote, claimant_id, created_by_id,
    supersedes_id, incident_id, source_id)
SELECT f.id, f.day + interval '2 days', f.day + interval '2 days', f.day,
       f.killed_min, f.killed_max_ok,
       CASE WHEN f.denies_civilians THEN 0 ELSE f.civilians_min END,
       CASE WHEN f.denies_civilians THEN 0 END,
       f.militants_min, CASE WHEN f.militants_max IS NOT NULL THEN greatest(f.militants_max, f.militants_min) END,
       f.security_forces_min, NULL, f.women_min, NULL, f.children_min, NULL,
       f.inj_min, CASE WHEN f.inj_max IS NOT NULL THEN greatest(f.inj_max, coalesce(f.inj_min, 0)) END,
       f.labels, CASE WHEN f.denies_civilians THEN ARRAY['civilians']::varchar[] ELSE '{}'::varchar[] END,
       f.quote, f.claimant_id, %(analyst)s, f.supersedes_id, f.incident_id, f.id
FROM g_quote f
"""

_QUOTES = """
CREATE TEMP TABLE g_quote ON COMMIT DROP AS
SELECT f.*,
       f.start_date + CASE f.role WHEN 1 THEN 0 WHEN 2 THEN 1 ELSE 3 END + f.bump * 2 AS day,
       CASE WHEN f.killed_max IS NOT NULL THEN greatest(f.killed_max, coalesce(f.killed_min, 0)) END AS killed_max_ok,
       CASE WHEN f.role = 2 AND f.category = 'strike' AND f.r1 < 0.3
                THEN '[{"label": "refugees", "min": null, "max": null}]'::jsonb
            WHEN f.role = 2 AND f.category = 'militant_attack' AND f.r1 < 0.2
                THEN '[{"label": "apostate soldiers", "min": null, "max": null}]'::jsonb
            ELSE '[]'::jsonb END AS labels,
       CASE WHEN f.role = 1 AND f.category = 'strike' THEN
                format('At least %%s militants were killed in the operation%%s.', coalesce(f.killed_min, 0),
                       CASE WHEN f.r4 < 0.35 THEN '; no civilians were harmed' ELSE '' END)
            WHEN f.role = 1 THEN format('Killed: %%s, officials said.', coalesce(f.killed_min::text, 'several'))
            WHEN f.role = 2 AND f.category = 'strike' THEN
                format('Civilians were targeted: %%s killed, women and children among them.', f.rival_civ + f.bump)
            WHEN f.role = 2 THEN format('Our fighters killed %%s soldiers.', f.boast + f.bump)
            ELSE 'Reports of casualties are being verified; we call for an impartial investigation.' END AS quote
FROM g_fig f
"""


def _disagree(rows: str) -> str:
    """SQL: some two of the ``rows`` (a FILTER condition) claim ranges that cannot both be true (claims_contested)."""
    f = f"FILTER (WHERE {rows})"
    return f"""(coalesce(max(q.killed_min) {f} > min(q.killed_max_ok) {f}, false)
       OR coalesce(max(CASE WHEN q.denies_civilians THEN 0 ELSE q.civilians_min END) {f}
                   > min(CASE WHEN q.denies_civilians THEN 0 END) {f}, false)
       OR coalesce(max(q.militants_min) {f}
                   > min(CASE WHEN q.militants_max IS NOT NULL THEN greatest(q.militants_max, q.militants_min) END) {f},
                   false))"""


# Both flags, as incidents.services._refresh_contested sets them: ``contested_all`` from every live claim;
# ``contested`` from the claims citing public sources (a claim's source is restricted when r5 > 0.97, see
# _SOURCES_INSERT), live unless a public claim revises it.
_CONTESTED = f"""
CREATE TEMP TABLE g_contested ON COMMIT DROP AS
WITH revised AS (
    SELECT supersedes_id, bool_or(r5 <= 0.97) AS by_public FROM g_quote WHERE supersedes_id IS NOT NULL GROUP BY 1
)
SELECT q.incident_id,
       {_disagree("NOT q.superseded")} AS contested_all,
       {_disagree("q.r5 <= 0.97 AND NOT coalesce(r.by_public, false)")} AS contested
FROM g_quote q
LEFT JOIN revised r ON r.supersedes_id = q.id
GROUP BY q.incident_id
"""

_M2M_SOURCES = """
INSERT INTO incidents_incident_sources (incident_id, source_id) SELECT incident_id, id FROM g_claim
"""

_ATTRIBUTIONS = """
INSERT INTO incidents_attribution (created, updated, role, confidence, quote, withdrawn, actor_id, asserted_by_id,
    created_by_id, incident_id, source_id)
SELECT g.start_date + interval '2 days', g.start_date + interval '2 days', a.role, a.confidence, '', false,
       a.actor_id, a.asserted_by, %(analyst)s, g.id, a.source_id
FROM g_inc g
JOIN (SELECT incident_id, min(id) FILTER (WHERE slot = 1) AS s1, min(id) FILTER (WHERE slot = 2) AS s2
      FROM g_claim GROUP BY incident_id) c ON c.incident_id = g.id
CROSS JOIN LATERAL (VALUES
    -- The first speaker names who did it …
    (1, CASE WHEN g.category = 'strike' THEN g.side_a ELSE g.grp END, 'perpetrator', g.claimant1, c.s1, 'high'),
    -- … a strike's rival says who was hit; an attack's group claims it (when it spoke).
    (2, CASE WHEN g.category = 'strike' THEN g.side_b ELSE g.claimant2 END,
        CASE WHEN g.category = 'strike' THEN 'target' ELSE 'claimed_responsibility' END,
        CASE WHEN g.category = 'strike' THEN g.claimant1 ELSE g.claimant2 END, c.s2, 'medium'),
    -- … and sometimes someone else is accused of harbouring or directing it.
    (3, %(sp_afghan_taliban)s, 'accused', g.claimant1, c.s1, 'low')
) AS a(n, actor_id, role, asserted_by, source_id, confidence)
WHERE (a.n = 1)
   OR (a.n = 2 AND c.s2 IS NOT NULL AND (g.category = 'strike' OR NOT g.claimant2 = ANY(%(state_ids)s)))
   OR (a.n = 3 AND g.r_attr < 0.3 AND g.country_code = 'PK' AND g.category = 'militant_attack')
"""

_ASSESSMENTS = """
CREATE TEMP TABLE g_assess ON COMMIT DROP AS
SELECT g.id AS incident_id, v.older,
       CASE WHEN v.older THEN %(n)s + g.id + %(assess_offset)s ELSE g.id + %(assess_offset)s END AS id,
       least(coalesce(g.k_min, g.k_max), coalesce(g.k_max, g.k_min)) AS lo,
       greatest(coalesce(g.k_min, g.k_max), coalesce(g.k_max, g.k_min)) AS hi,
       g.civ, g.deaths_a, g.deaths_b, g.category, g.start_date, g.r_grade,
       coalesce(c.contested, false) AS contested
FROM g_inc g
LEFT JOIN g_contested c ON c.incident_id = g.id
CROSS JOIN LATERAL (VALUES (false), (true)) AS v(older)
WHERE (CASE g.status WHEN 'published' THEN 0.85 WHEN 'retracted' THEN 0.5 WHEN 'in_review' THEN 0.4 ELSE 0.05 END)
      > g.r_assess
  AND (NOT v.older OR g.r_old < 0.15)
"""

_ASSESSMENTS_INSERT = """
INSERT INTO incidents_assessment (id, killed_low, killed_best, killed_high, civilians_low, civilians_best,
    civilians_high, militants_low, militants_best, militants_high, security_forces_low, security_forces_best,
    security_forces_high, women_low, women_best, women_high, children_low, children_best, children_high,
    grade, rationale, decided_at, decided_by_id, incident_id)
SELECT a.id, a.lo, (a.lo + a.hi) / 2, CASE WHEN a.older THEN a.lo + (a.hi - a.lo) / 2 ELSE a.hi END,
       floor(a.civ * 0.8)::int, a.civ, ceil(a.civ * 1.2)::int,
       CASE WHEN a.category = 'strike' THEN least(a.deaths_b, a.lo) END,
       CASE WHEN a.category = 'strike' THEN a.deaths_b END,
       CASE WHEN a.category = 'strike' THEN greatest(a.deaths_b, a.hi) END,
       CASE WHEN a.category = 'militant_attack' THEN a.deaths_a END,
       CASE WHEN a.category = 'militant_attack' THEN a.deaths_a END,
       CASE WHEN a.category = 'militant_attack' THEN a.deaths_a END,
       NULL, NULL, NULL, NULL, NULL, NULL,
       CASE WHEN a.older THEN 'weak'
            WHEN a.contested AND a.r_grade < 0.8 THEN 'contested'
            WHEN a.r_grade < 0.25 THEN 'confirmed' WHEN a.r_grade < 0.65 THEN 'fair'
            WHEN a.r_grade < 0.9 THEN 'weak' ELSE 'discounted' END,
       CASE WHEN a.older THEN 'First reading, from the earliest official statement only.'
            WHEN a.contested THEN 'Claimants disagree; figures bracket both accounts pending verification.'
            ELSE 'Figures reconcile the available claims.' END,
       a.start_date + CASE WHEN a.older THEN interval '5 days' ELSE interval '20 days' END,
       %(editor)s, a.incident_id
FROM g_assess a
"""

_ASSESSMENT_CLAIMS = """
INSERT INTO incidents_assessment_claims (assessment_id, casualtyclaim_id)
SELECT a.id, c.id FROM g_assess a JOIN g_claim c ON c.incident_id = a.incident_id
WHERE (a.older AND c.slot = 1) OR (NOT a.older AND NOT c.superseded)
"""


def _truncate(cursor) -> None:
    tables = ", ".join((*_ALSO_TRUNCATED, *BULK_TABLES))
    cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY")


def _reset_identities(cursor) -> None:
    """Explicit ids were written: move each identity past the largest, so the app's next insert succeeds."""
    for table in BULK_TABLES:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id RESTART WITH {cursor.fetchone()[0]}")


def verify_foreign_keys(tables=BULK_TABLES) -> list[str]:
    """Every single-column foreign key of ``tables`` checked by an anti-join; returns the broken ones.

    Needed because replica mode skips PostgreSQL's own foreign-key triggers while loading.
    """
    broken = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conname, c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[]) AND array_length(c.conkey, 1) = 1
            ORDER BY 1
            """,
            [list(tables)],
        )
        for name, table, column, ftable, fcolumn in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {ftable} f WHERE f.{fcolumn} = t.{column})"
            )
            orphans = cursor.fetchone()[0]
            if orphans:
                broken.append(f"{name}: {orphans} rows of {table}.{column} point to no {ftable}")
    return broken


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for table in BULK_TABLES:
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
    return counts


def generate(n: int, *, seed: float = 0.42, data_dir=None, log=print) -> GeneratedData:
    """Replace the incidents of this database with ``n`` synthetic ones (and their claims etc.).

    All or nothing: one transaction. Deterministic for a given seed, reference data and gazetteer.
    Requires the gazetteer to be loaded (``geo.importers.import_all``) and a superuser connection
    (``session_replication_role``).
    """
    started = time.perf_counter()
    reference = load_reference(data_dir or settings.SHARED_DATA_DIR)
    users = bench_users()
    actors = ensure_actors(reference)
    state_ids = [pk for name, pk in actors.items() if name.startswith("Government of")]
    params = {
        **{"sp_" + slug.replace("-", "_"): actors[slug] for slug in SPEAKERS},
        "civilians": actors.get("Civilians", actors["*other*"]),
        "other": actors["*other*"],
        "state_ids": state_ids,
        "n": n,
        "n_events": len(reference.events),
        "n_suicide": len(reference.suicide),
        "slots": SLOTS,
        "points": POINTS_PER_DISTRICT,
        "analyst": users["analyst"].pk,
        "editor": users["editor"].pk,
        "claim_offset": 0,
        "assess_offset": 0,
    }

    def step(label, sql, sql_params=params):
        t = time.perf_counter()
        cursor.execute(sql, sql_params)
        log(f"  {label}: {cursor.rowcount if cursor.rowcount >= 0 else ''} rows, {time.perf_counter() - t:.1f} s")

    with transaction.atomic(), connection.cursor() as cursor:
        # Bulk load: no per-row audit/hash triggers (see the module docstring); FKs verified below.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Parallel workers would make random() depend on scheduling; one process keeps a seed's output fixed.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute("SELECT setseed(%s)", [seed])
        _truncate(cursor)
        _load_reference_tables(cursor, reference, actors)
        rebuild = _drop_secondary_indexes(cursor)
        step("draws", _INCIDENTS_DRAW)
        step("incident facts", _INCIDENTS_FACTS)
        step("claim slots", _CLAIMS_DRAW)
        step("claim figures", _CLAIMS_FIGURES)
        step("claim quotes", _QUOTES)
        step("contested", _CONTESTED)
        step("incidents", _INCIDENTS_INSERT)
        step("sources", _SOURCES_INSERT)
        step("claims", _CLAIMS_INSERT)
        step("incident sources", _M2M_SOURCES)
        step("attributions", _ATTRIBUTIONS)
        step("assessment draws", _ASSESSMENTS)
        step("assessments", _ASSESSMENTS_INSERT)
        step("assessment claims", _ASSESSMENT_CLAIMS)
        t = time.perf_counter()
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
        for definition in rebuild:
            cursor.execute(definition)
        log(f"  {len(rebuild)} indexes rebuilt: {time.perf_counter() - t:.1f} s")
        _reset_identities(cursor)
        cursor.execute("DROP TABLE g_draw, g_inc, g_claim, g_fig, g_quote, g_contested, g_assess")
        cursor.execute(
            "DROP TABLE ref_event, ref_suicide, ref_dslot, ref_yslot, ref_pslot, ref_kind, ref_district, ref_point"
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        broken = verify_foreign_keys()
        if broken:
            raise RuntimeError("generated rows break foreign keys: " + "; ".join(broken))
        counts = _counts(cursor)
    with connection.cursor() as cursor:
        for table in BULK_TABLES:
            cursor.execute(f"ANALYZE {table}")
    return GeneratedData(incidents=n, seconds=time.perf_counter() - started, counts=counts)
