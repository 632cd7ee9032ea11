"""The benchmark's synthetic data, generated at 2,000 incidents: it must be data the app itself would accept."""

import hashlib
import statistics
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection, transaction

from bench.generate import BULK_TABLES, bench_users, generate, verify_foreign_keys
from bench.reference import load_reference
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident, Source
from incidents.models.claims import link_revisions
from incidents.services import claims_contested

N = 2000

# Every test here reads the module's generated rows; the mark makes pytest-django set up the test database.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """2,000 generated incidents, shared by this module's tests and rolled back after them."""
    from geo.importers import import_all

    with django_db_blocker.unblock(), transaction.atomic():
        assert connection.settings_dict["NAME"].startswith("test_")  # never the bench or dev database
        import_all(settings.SHARED_DATA_DIR)
        result = generate(N, log=lambda *_: None)
        yield result
        transaction.set_rollback(True)


def scalar(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_generates_the_requested_incidents_with_about_three_claims_each(generated):
    assert Incident.objects.count() == N
    claims = CasualtyClaim.objects.count()
    assert 2.7 * N <= claims <= 3.4 * N
    # One source per claim, linked to its incident.
    assert Source.objects.count() == claims
    assert scalar("SELECT count(*) FROM incidents_incident_sources") == claims
    assert Attribution.objects.count() >= N
    assert 0.5 * N <= Assessment.objects.count() <= N * 1.2
    assert generated.counts["incidents_incident"] == N


def test_every_foreign_key_of_the_generated_rows_points_to_a_row(generated):
    assert verify_foreign_keys() == []


def test_every_check_constraint_holds_when_evaluated_again(generated):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'c' AND conrelid = ANY(%s::regclass[])",
            [list(BULK_TABLES)],
        )
        checks = cursor.fetchall()
        assert len(checks) > 40
        for table, name, definition in checks:
            condition = definition.removeprefix("CHECK ")
            cursor.execute(f"SELECT count(*) FROM {table} WHERE NOT {condition}")
            assert cursor.fetchone()[0] == 0, f"{name} broken"


def test_source_hashes_are_what_the_hash_trigger_would_store(generated):
    for content, digest in Source.objects.values_list("content", "content_sha256"):
        assert digest == hashlib.sha256(content.encode("utf-8")).hexdigest()


def test_model_validation_accepts_a_sample_of_generated_rows(generated):
    for model in (Incident, Source, CasualtyClaim, Attribution, Assessment):
        for obj in model.objects.order_by("?")[:40]:
            obj.full_clean()


def test_contested_flags_follow_the_services_rule_on_live_claims(generated):
    def contested(claims, chain) -> bool:
        return bool(claims_contested([c for c in link_revisions(claims, chain) if c.superseding is None]))

    flagged = 0
    for incident in Incident.objects.prefetch_related("claims__source"):
        claims = list(incident.claims.all())
        chain = {c.pk: c.supersedes_id for c in claims}
        public = [c for c in claims if c.source.sensitivity == "public"]
        assert incident.contested_all == contested(claims, chain), incident.pk
        assert incident.contested == contested(public, chain), incident.pk
        flagged += incident.contested
    assert 0.1 * N < flagged < 0.9 * N


def test_revisions_supersede_an_earlier_claim_of_the_same_claimant_and_incident(generated):
    revisions = CasualtyClaim.objects.filter(supersedes__isnull=False).select_related("supersedes")
    assert revisions.count() > 0.2 * N
    for claim in revisions:
        assert claim.supersedes.claimant_id == claim.claimant_id
        assert claim.supersedes.incident_id == claim.incident_id
        assert claim.claimed_on >= claim.supersedes.claimed_on


def test_points_lie_inside_their_district_and_districts_inside_their_province(generated):
    placed = scalar("SELECT count(*) FROM incidents_incident WHERE geo_precision IN ('exact', 'near')")
    assert placed > 0.6 * N
    outside = scalar(
        "SELECT count(*) FROM incidents_incident i JOIN geo_area d ON d.id = i.district_id "
        "WHERE i.geo_precision IN ('exact', 'near') AND NOT ST_Covers(d.boundary, i.location)"
    )
    assert outside == 0
    wrong_parent = scalar(
        "SELECT count(*) FROM incidents_incident i JOIN geo_area d ON d.id = i.district_id "
        "WHERE d.parent_id IS DISTINCT FROM i.province_id OR d.country_code <> i.country_code"
    )
    assert wrong_parent == 0
    countries = Counter(Incident.objects.values_list("country_code", flat=True))
    assert countries["PK"] > countries["AF"] > 0.1 * N


def test_distributions_follow_the_real_data(generated):
    reference = load_reference(settings.SHARED_DATA_DIR)
    kinds = Counter(Incident.objects.values_list("kind", flat=True))
    for kind, share in reference.kind_shares.items():
        assert abs(kinds[kind] / N - share) < 0.05, kind
    years = [d.year for d in Incident.objects.values_list("start_date", flat=True)]
    assert min(years) >= 2001
    assert max(years) <= 2025
    # UCDP's peak years (2008–2012) hold most events in the real data, and so here.
    assert sum(2008 <= y <= 2012 for y in years) > 0.4 * N
    statuses = Counter(Incident.objects.values_list("status", flat=True))
    assert set(statuses) == {"draft", "in_review", "published", "retracted"}
    assert 0.65 < statuses["published"] / N < 0.8
    claims = CasualtyClaim.objects.all()
    assert claims.filter(killed_max__isnull=True, killed_min__isnull=False).exists()  # "at least 20"
    assert claims.filter(killed_min__isnull=True, killed_max__isnull=False).exists()
    assert claims.filter(denied__contains=["civilians"], civilians_min=0, civilians_max=0).exists()
    assert claims.exclude(labels=[]).exists()
    assert claims.filter(women_min__isnull=False, children_min__isnull=False).exists()
    per_incident = Counter(claims.values_list("incident_id", flat=True))
    assert 2.8 < statistics.mean(per_incident.values()) < 3.3
    assert len({c for c in claims.values_list("claimant_id", flat=True)}) >= 8


def test_bench_users_hold_their_roles(generated):
    users = bench_users()
    assert users["partner"].has_perm("incidents.api_read_published")
    assert not users["partner"].has_perm("incidents.view_incident")
    assert users["editor"].has_perm("incidents.add_assessment")


def test_the_same_seed_generates_the_same_data(generated):
    fingerprint = (
        "SELECT md5(string_agg(concat_ws(',', id, kind, start_date, district_id, ST_AsText(location), contested), ';'"
        " ORDER BY id)) FROM incidents_incident"
    )
    claims = (
        "SELECT md5(string_agg(concat_ws(',', id, killed_min, killed_max, claimant_id), ';' ORDER BY id))"
        " FROM incidents_casualtyclaim"
    )
    before = scalar(fingerprint), scalar(claims)
    generate(N, log=lambda *_: None)
    assert (scalar(fingerprint), scalar(claims)) == before
