"""One small world for the hostile-input tests (this folder only): the records every form and endpoint needs.

As in tests/api: built inside an outer transaction rolled back after the package's last test; each test runs in
its own savepoint, so what one test saves never reaches another.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import override_settings

from core.roles import ROLES
from incidents.models import CasualtyClaim, Incident, Source
from tests.conftest import make_user
from tests.factories import ActorFactory, AreaFactory, ClaimFactory, IncidentFactory, SourceFactory


@dataclass
class World:
    users: dict
    incident: Incident  # a draft, with a source and a claim
    in_review: Incident  # for sending back
    other: Incident  # to merge into
    source: Source
    claim: CasualtyClaim
    actor: object
    other_actor: object
    province: object
    district: object


def _build_world() -> World:
    users = {role: make_user(role) for role in (*ROLES, None)}
    actor, other_actor = ActorFactory(), ActorFactory()
    country = AreaFactory(level="country", code="AF")
    province = AreaFactory(level="province", code="AF-PKA", parent=country)
    district = AreaFactory(level="district", code="AF-PKA-BAR", parent=province)
    incident = IncidentFactory(title="Shelling in Kurram", created_by=users["analyst"], start_date=dt.date(2025, 1, 3))
    in_review = IncidentFactory(title="Strike in review", status="in_review", start_date=dt.date(2024, 6, 1))
    other = IncidentFactory(title="Raid in Khost", start_date=dt.date(2023, 3, 1))
    source = SourceFactory()
    incident.sources.add(source)
    claim = ClaimFactory(incident=incident, claimant=actor, source=source, claimed_on=dt.date(2025, 1, 4))
    return World(users, incident, in_review, other, source, claim, actor, other_actor, province, district)


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
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
