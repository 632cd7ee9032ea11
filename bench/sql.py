"""The hand-written PostgreSQL each figure is compared with: the same rows, or the same JSON, in one query."""

__all__ = ["API_PAGE_JSON", "LIST_PAGE", "MAP_VIEWPORT_FEATURES_ONLY", "MAP_VIEWPORT_GEOJSON", "SUMMARY_GROUP_BY"]

# What a partner may read: published and public (incidents.querysets.IncidentQuerySet.visible_to).
_PARTNER = "i.status = 'published' AND i.sensitivity = 'public'"

# Row 1: the same columns select_related("district", "province", "created_by") fetches.
LIST_PAGE = f"""
SELECT i.*, d.*, p.*, u.*
FROM incidents_incident i
LEFT JOIN geo_area d ON d.id = i.district_id
LEFT JOIN geo_area p ON p.id = i.province_id
LEFT JOIN auth_user u ON u.id = i.created_by_id
WHERE {_PARTNER} AND i.kind = %(kind)s AND i.province_id = %(province)s
ORDER BY i.start_date DESC, i.id DESC
LIMIT 100
"""

_AREA = """(SELECT json_build_object('id', a.id, 'url', %(base)s || 'areas/' || a.id || '/', 'display', a.name,
                                     'code', a.code, 'level', a.level)
            FROM geo_area a WHERE a.id = {column})"""
_ACTOR = (
    "json_build_object('id', {a}.id, 'url', %(base)s || 'actors/' || {a}.id || '/', 'display', {a}.name,"
    " 'slug', {a}.slug)"
)
_SOURCE_BRIEF = """json_build_object('id', {s}.id, 'display', {s}.publisher || ': ' || {s}.title,
    'publisher', {s}.publisher, 'title', {s}.title, 'url', {s}.url, 'published_on', {s}.published_on,
    'grade', {s}.reliability || {s}.credibility)"""
_RANGES = ", ".join(
    f"'{c}', json_build_object('min', c.{c}_min, 'max', c.{c}_max)"
    for c in ("killed", "civilians", "militants", "security_forces", "women", "children", "injured")
)
_ESTIMATES = ", ".join(
    f"'{c}', json_build_object('low', a.{c}_low, 'best', a.{c}_best, 'high', a.{c}_high)"
    for c in ("killed", "civilians", "militants", "security_forces", "women", "children")
)
_ASSESSMENT = f"""json_build_object('id', a.id, 'display', a.grade, 'grade', a.grade,
    'ranges', json_build_object({_ESTIMATES}),
    'claims', (SELECT coalesce(json_agg(ac.casualtyclaim_id ORDER BY ac.casualtyclaim_id), '[]')
               FROM incidents_assessment_claims ac
               JOIN incidents_casualtyclaim vc ON vc.id = ac.casualtyclaim_id
               JOIN incidents_source vs ON vs.id = vc.source_id
               WHERE ac.assessment_id = a.id AND vs.sensitivity = 'public'),
    'rationale', a.rationale, 'decided_at', a.decided_at)"""

# Row 2: a page of the API — incidents with claims, attributions, sources and assessments — as one JSON document.
API_PAGE_JSON = f"""
WITH page AS (
    SELECT i.* FROM incidents_incident i WHERE {_PARTNER}
    ORDER BY i.start_date DESC, i.id DESC LIMIT %(limit)s
)
SELECT json_build_object(
    'count', (SELECT count(*) FROM incidents_incident i WHERE {_PARTNER}),
    'results', coalesce(json_agg(x.doc ORDER BY x.start_date DESC, x.id DESC), '[]'))::text
FROM (
    SELECT p.id, p.start_date, json_build_object(
        'id', p.id, 'url', %(base)s || 'incidents/' || p.id || '/', 'display', p.title, 'title', p.title,
        'description', p.description, 'kind', p.kind, 'category', p.category, 'start_date', p.start_date,
        'end_date', p.end_date, 'date_precision', p.date_precision,
        'longitude', ST_X(p.location), 'latitude', ST_Y(p.location), 'place_text', p.place_text,
        'district', {_AREA.format(column="p.district_id")}, 'province', {_AREA.format(column="p.province_id")},
        'country_code', p.country_code, 'origin_country_code', p.origin_country_code,
        'geo_precision', p.geo_precision, 'sensitivity', p.sensitivity, 'status', p.status,
        'published_at', p.published_at, 'contested', p.contested,
        'claims', (
            SELECT coalesce(json_agg(json_build_object(
                'id', c.id, 'display', ca.name, 'claimant', {_ACTOR.format(a="ca")},
                'source', {_SOURCE_BRIEF.format(s="s")}, 'claimed_on', c.claimed_on,
                'ranges', json_build_object({_RANGES}), 'labels', c.labels, 'denied', c.denied, 'quote', c.quote,
                'supersedes', c.supersedes_id, 'superseded_by', nc.id, 'live', nc.id IS NULL
            ) ORDER BY c.claimed_on, c.id), '[]')
            FROM incidents_casualtyclaim c
            JOIN incidents_source s ON s.id = c.source_id AND s.sensitivity = 'public'
            JOIN actors_actor ca ON ca.id = c.claimant_id
            LEFT JOIN LATERAL (
                SELECT n.id FROM incidents_casualtyclaim n JOIN incidents_source ns ON ns.id = n.source_id
                WHERE n.supersedes_id = c.id AND ns.sensitivity = 'public') nc ON true
            WHERE c.incident_id = p.id),
        'attributions', (
            SELECT coalesce(json_agg(json_build_object(
                'id', t.id, 'display', ab.name || ' says ' || ac.name || ' was ' || t.role,
                'actor', {_ACTOR.format(a="ac")}, 'role', t.role, 'asserted_by', {_ACTOR.format(a="ab")},
                'source', CASE WHEN s.id IS NOT NULL THEN {_SOURCE_BRIEF.format(s="s")} END,
                'confidence', t.confidence, 'quote', t.quote, 'withdrawn', t.withdrawn
            ) ORDER BY ab.name, t.role), '[]')
            FROM incidents_attribution t
            JOIN actors_actor ac ON ac.id = t.actor_id
            JOIN actors_actor ab ON ab.id = t.asserted_by_id
            LEFT JOIN incidents_source s ON s.id = t.source_id
            WHERE t.incident_id = p.id AND (t.source_id IS NULL OR s.sensitivity = 'public')),
        'sources', (
            SELECT coalesce(json_agg(json_build_object(
                'id', s.id, 'display', s.publisher || ': ' || s.title, 'kind', s.kind, 'publisher', s.publisher,
                'title', s.title, 'url', s.url, 'published_on', s.published_on, 'language', s.language,
                'quote', s.quote, 'reliability', s.reliability, 'credibility', s.credibility,
                'grade', s.reliability || s.credibility, 'content_sha256', s.content_sha256
            ) ORDER BY s.published_on DESC, s.id DESC), '[]')
            FROM incidents_incident_sources m JOIN incidents_source s ON s.id = m.source_id
            WHERE m.incident_id = p.id AND s.sensitivity = 'public'),
        'current_assessment', (
            SELECT {_ASSESSMENT} FROM incidents_assessment a WHERE a.incident_id = p.id
            ORDER BY a.decided_at DESC, a.id DESC LIMIT 1),
        'assessments', (
            SELECT coalesce(json_agg({_ASSESSMENT} ORDER BY a.decided_at DESC, a.id DESC), '[]')
            FROM incidents_assessment a WHERE a.incident_id = p.id),
        'version', p.version, 'created', p.created, 'updated', p.updated
    ) AS doc
    FROM page p
) x
"""

# Row 3: the summary figures — per area × month × category × scope — as one GROUP BY over the same facts
# (each incident counted in its district and its province; figures from its latest assessment).
SUMMARY_GROUP_BY = """
SELECT area_id, month, category, scope, count(*) AS incident_count,
       count(*) FILTER (WHERE contested) AS contested_count,
       sum(killed_low) AS killed_low, sum(killed_best) AS killed_best, sum(killed_high) AS killed_high,
       sum(civilians_low) AS civilians_low, sum(civilians_best) AS civilians_best,
       sum(civilians_high) AS civilians_high
FROM (
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
    CROSS JOIN LATERAL (SELECT 'desk'::text AS scope
                        UNION ALL SELECT 'public' WHERE i.status = 'published' AND i.sensitivity = 'public') AS s
    LEFT JOIN (
        SELECT DISTINCT ON (a.incident_id) a.incident_id, a.killed_low, a.killed_best, a.killed_high,
               a.civilians_low, a.civilians_best, a.civilians_high
        FROM incidents_assessment a ORDER BY a.incident_id, a.decided_at DESC, a.id DESC
    ) l ON l.incident_id = i.id
    WHERE area.area_id IS NOT NULL AND i.status <> 'retracted' AND i.merged_into_id IS NULL
) facts
GROUP BY area_id, month, category, scope
"""

# Row 4 (notes): the same features without the total count the paginated endpoint adds.
MAP_VIEWPORT_FEATURES_ONLY = """
SELECT json_agg(json_build_object('id', f.id, 'geometry', ST_AsGeoJSON(f.location)::json, 'kind', f.kind))::text
FROM (
    SELECT i.id, i.location, i.kind FROM incidents_incident i
    WHERE i.status = 'published' AND i.sensitivity = 'public' AND i.location IS NOT NULL
      AND i.location && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
    ORDER BY i.start_date DESC, i.id DESC LIMIT %(limit)s
) f
"""

# Row 4: the map's GeoJSON page for a viewport, newest first, as the endpoint pages it.
MAP_VIEWPORT_GEOJSON = f"""
SELECT json_build_object(
    'type', 'FeatureCollection',
    'count', (SELECT count(*) FROM incidents_incident i
              WHERE {_PARTNER} AND i.location IS NOT NULL
                AND i.location && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)),
    'features', coalesce(json_agg(json_build_object(
        'id', f.id, 'type', 'Feature', 'geometry', ST_AsGeoJSON(f.location)::json,
        'properties', json_build_object('url', %(base)s || 'incidents/' || f.id || '/', 'title', f.title,
                                        'kind', f.kind, 'category', f.category, 'start_date', f.start_date,
                                        'geo_precision', f.geo_precision, 'contested', f.contested)
    ) ORDER BY f.start_date DESC, f.id DESC), '[]'))::text
FROM (
    SELECT i.id, i.location, i.title, i.kind, i.category, i.start_date, i.geo_precision, i.contested
    FROM incidents_incident i
    WHERE {_PARTNER} AND i.location IS NOT NULL
      AND i.location && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
    ORDER BY i.start_date DESC, i.id DESC LIMIT %(limit)s
) f
"""
