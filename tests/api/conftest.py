"""One world for the API tests: the gazetteer, the Paktika demo, and rows each role must or must not see.

Loading the gazetteer takes seconds, so the world is built once for this package (tests/api) inside an outer
transaction that is rolled back when the package's last test ends; each test still runs in its own savepoint
(pytest-django's ``db``), so writes in one test never reach another, and nothing is left for the rest of the suite.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from core.roles import ROLES
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident
from tests.conftest import make_user
from tests.factories import ActorFactory, IncidentFactory, SourceFactory

KHOST_POINT = (69.92, 33.34)
XSS_TITLE = '<script>alert("x")</script> & <b>Khost</b> "raid"'


@dataclass
class World:
    paktika: Incident
    draft: Incident
    in_review: Incident
    restricted: Incident
    retracted: Incident
    leaky: Incident  # published and public, but with claims/attributions citing a restricted source
    xss: Incident
    pashto: Incident
    secret_source: object
    secret_actor: object
    hidden_claim: CasualtyClaim
    old_claim: CasualtyClaim
    new_claim: CasualtyClaim
    revised_in_secret: CasualtyClaim  # public claim superseded by one citing the restricted source
    secret_revision: CasualtyClaim
    assessment: Assessment
    users: dict  # one per role, plus None: an authenticated outsider with no role

    @property
    def partner_visible(self):
        return {self.paktika.pk, self.leaky.pk, self.xss.pk, self.pashto.pk}

    @property
    def analyst_visible(self):
        return self.partner_visible | {self.draft.pk, self.in_review.pk, self.retracted.pk}

    @property
    def editor_visible(self):
        return self.analyst_visible | {self.restricted.pk}


def _build_world() -> World:
    from django.conf import settings

    from geo.importers import import_all
    from geo.models import Area
    from incidents.demo import load_demo
    from reports.summaries import rebuild_all

    users = {role: make_user(role) for role in (*ROLES, None)}
    import_all(settings.SHARED_DATA_DIR)
    paktika, _ = load_demo()
    barmal, province = paktika.district, paktika.province
    khost = Area.objects.get(code="AF-KHO")
    editor = paktika.assessments.first().decided_by
    here = {"district": barmal, "province": province, "location": paktika.location}
    published = {"status": "published", "published_at": timezone.now()}

    draft = IncidentFactory(title="Draft strike near Barmal", start_date=dt.date(2024, 12, 22), **here)
    in_review = IncidentFactory(title="Strike in review", status="in_review", start_date=dt.date(2024, 12, 23), **here)
    restricted = IncidentFactory(
        title="Restricted strike", sensitivity="restricted", start_date=dt.date(2024, 12, 21), **published, **here
    )
    retracted = IncidentFactory(title="Retracted strike", status="retracted", start_date=dt.date(2024, 12, 19), **here)
    leaky = IncidentFactory(
        title="Drone strike with a protected source", kind="drone_strike", start_date=dt.date(2024, 12, 20),
        contested=True, internal_notes="INTERNAL-NOTE-XYZ", status_note="STATUS-NOTE-XYZ", **published, **here,
    )  # fmt: skip
    xss = IncidentFactory(
        title=XSS_TITLE, kind="ied", start_date=dt.date(2024, 11, 5), description="<img src=x onerror=alert(1)>",
        **published, **here,
    )  # fmt: skip
    pashto = IncidentFactory(
        title="په خوست کې د توپونو ډزې", description="پاکستانی توپخانے نے سرحد پار گولہ باری کی",
        kind="shelling", start_date=dt.date(2025, 1, 10), district=None, province=khost,
        location=Point(*KHOST_POINT, srid=4326), place_text="خوست", **published,
    )  # fmt: skip

    public_source = SourceFactory(publisher="Public wire")
    secret_source = SourceFactory(publisher="SECRET-CONTACT", sensitivity="restricted", content="a named contact")
    secret_actor = ActorFactory(name="Hidden militia", slug="hidden-militia")
    ministry, district_office = ActorFactory(slug="ministry"), ActorFactory(slug="district-office")
    leaky.sources.add(public_source, secret_source)
    day = dt.date(2024, 12, 21)
    hidden_claim = CasualtyClaim.objects.create(
        incident=leaky, claimant=secret_actor, source=secret_source, claimed_on=day, killed_min=99, killed_max=99
    )
    old_claim = CasualtyClaim.objects.create(
        incident=leaky, claimant=ministry, source=public_source, claimed_on=day, killed_min=3, killed_max=5
    )
    new_claim = CasualtyClaim.objects.create(
        incident=leaky, claimant=ministry, source=public_source, claimed_on=day, killed_min=4, killed_max=6,
        supersedes=old_claim,
    )  # fmt: skip
    revised_in_secret = CasualtyClaim.objects.create(
        incident=leaky, claimant=district_office, source=public_source, claimed_on=day, killed_min=1, killed_max=1
    )
    secret_revision = CasualtyClaim.objects.create(
        incident=leaky, claimant=district_office, source=secret_source, claimed_on=day, killed_min=2, killed_max=2,
        supersedes=revised_in_secret,
    )  # fmt: skip
    Attribution.objects.create(
        incident=leaky, actor=secret_actor, role="target", asserted_by=secret_actor, source=secret_source
    )
    Attribution.objects.create(incident=leaky, actor=ministry, role="perpetrator", asserted_by=district_office)
    assessment = Assessment.objects.create(
        incident=leaky, grade="fair", killed_low=4, killed_best=5, killed_high=6, rationale="Ministry figure.",
        decided_by=editor,
    )  # fmt: skip
    assessment.claims.set([old_claim, new_claim, hidden_claim])
    rebuild_all()
    return World(
        paktika=paktika, draft=draft, in_review=in_review, restricted=restricted, retracted=retracted, leaky=leaky,
        xss=xss, pashto=pashto, secret_source=secret_source, secret_actor=secret_actor, hidden_claim=hidden_claim,
        old_claim=old_claim, new_claim=new_claim, revised_in_secret=revised_in_secret,
        secret_revision=secret_revision, assessment=assessment, users=users,
    )  # fmt: skip


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # The root conftest's fast hasher is function-scoped, not active yet; the demo sets passwords.
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                world = _build_world()
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def users(world, db):
    """The root conftest's users per role, created once with the world instead of once per test."""
    return world.users


@pytest.fixture
def paktika(world, db):
    """The demo incident (published, public), from this package's world."""
    return world.paktika


@pytest.fixture
def ids():
    """``ids(response)``: the ids in a paginated JSON list (or a GeoJSON feature collection)."""

    def _ids(response):
        body = response.json()
        rows = body["features"] if "features" in body else body["results"]
        return {row["id"] for row in rows}

    return _ids
