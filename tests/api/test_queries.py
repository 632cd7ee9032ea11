"""The incident list costs the same number of queries whatever the page size (no N+1)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import Assessment, Attribution, CasualtyClaim, Incident
from tests.factories import ActorFactory, SourceFactory

# auth (token + user), permissions (user, group), count, page, claims, the claims' revision links,
# attributions, assessments, their claims, sources, and for a ``q`` the areas named so: whatever the page size.
MAX_QUERIES = 12


@pytest.fixture
def many_incidents(db, editor):
    actors = [ActorFactory() for _ in range(3)]
    public, restricted = SourceFactory(), SourceFactory(sensitivity="restricted")
    # Dated after everything in the package's world, so these fill the first pages (newest first).
    incidents = Incident.objects.bulk_create(
        Incident(title=f"Strike {n}", kind="airstrike", start_date=dt.date(2031, 1, 1) + dt.timedelta(days=n),
                 status="published", published_at=timezone.now())
        for n in range(60)
    )  # fmt: skip
    claims = CasualtyClaim.objects.bulk_create(
        CasualtyClaim(incident=incident, claimant=actor, source=source, claimed_on=incident.start_date, killed_min=n)
        for incident in incidents
        for n, (actor, source) in enumerate(zip(actors, (public, public, restricted), strict=True))
    )
    Attribution.objects.bulk_create(
        Attribution(incident=incident, actor=actors[0], role=role, asserted_by=actors[1], source=public)
        for incident in incidents
        for role in ("perpetrator", "target")
    )
    assessments = Assessment.objects.bulk_create(
        Assessment(incident=incident, grade=grade, killed_low=1, rationale="r", decided_by=editor)
        for incident in incidents
        for grade in ("weak", "fair")
    )
    Through = Assessment.claims.through
    by_incident = {}
    for claim in claims:
        by_incident.setdefault(claim.incident_id, []).append(claim)
    Through.objects.bulk_create(
        Through(assessment_id=a.pk, casualtyclaim_id=c.pk) for a in assessments for c in by_incident[a.incident_id]
    )
    for incident in incidents:
        incident.sources.add(public, restricted)
    return incidents


def _count_queries(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("api:incident-list"), params)
    assert response.status_code == 200
    return len(queries), response.json()


@pytest.mark.parametrize("role", ["partner", "analyst", "editor"])
def test_incident_list_query_count_is_constant_across_page_sizes(many_incidents, api_client_for, role):
    client = api_client_for(role)
    _count_queries(client, page_size=1)  # warm the token/permission caches of this client's first request
    small, small_body = _count_queries(client, page_size=5)
    large, large_body = _count_queries(client, page_size=50)
    assert len(small_body["results"]) == 5
    assert len(large_body["results"]) == 50
    assert all(len(row["claims"]) == (3 if role == "editor" else 2) for row in large_body["results"])
    assert all(len(row["assessments"]) == 2 for row in large_body["results"])
    assert small == large
    assert large <= MAX_QUERIES


def test_incident_list_with_filters_stays_within_the_budget(
    many_incidents, api_client_for, django_assert_max_num_queries
):
    client = api_client_for("partner")
    client.get(reverse("api:actor-list"))  # the token's first use records last_used: one UPDATE, once a minute
    actor_id = many_incidents[0].attributions.first().actor_id
    params = {"page_size": 50, "grade": "fair", "kind": "airstrike", "q": "strike", "actor_id": actor_id}
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("api:incident-list"), params)
    assert response.status_code == 200
    assert response.json()["count"] == 60


def test_geojson_and_brief_lists_need_no_prefetching(many_incidents, api_client_for):
    client = api_client_for("partner")
    client.get(reverse("api:actor-list"))  # the token's first use records last_used: one UPDATE, once a minute
    for name, params in (("api:incident-geojson-list", {}), ("api:incident-list", {"brief": 1})):
        counts = []
        for size in (5, 50):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name), {**params, "page_size": size}).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1] <= 6


def test_geojson_count_is_exact_below_the_cap_and_a_floor_above_it(world, api_client_for, monkeypatch):
    from core.pagination import CappedCountPaginator

    response = api_client_for("editor").get(reverse("api:incident-geojson-list"))
    exact = response.json()["count"]
    assert exact >= 2
    assert response.json()["count_exceeds_cap"] is False
    monkeypatch.setattr(CappedCountPaginator, "cap", 1)
    capped = api_client_for("editor").get(reverse("api:incident-geojson-list")).json()
    assert (capped["count"], capped["count_exceeds_cap"]) == (1, True)
    assert len(capped["features"]) == exact  # the page itself is not cut by the cap


def test_geojson_capped_count_is_unordered_so_the_spatial_index_can_serve_it(world, api_client_for):
    # Ordered by the page's order (the primary key), PostgreSQL walked the key past every row outside the box:
    # 178 ms for one viewport at 1M incidents, against 43 ms counted off the spatial index.
    with CaptureQueriesContext(connection) as queries:
        response = api_client_for("partner").get(reverse("api:incident-geojson-list"), {"in_bbox": "60,23,75,38"})
    assert response.status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1
    assert "ORDER BY" not in counts[0]
    assert "LIMIT 10001" in counts[0]
