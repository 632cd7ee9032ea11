"""visible_to(user): the one place that decides who sees which incident, source and claim."""

import pytest
from django.contrib.auth.models import AnonymousUser

from incidents.models import CasualtyClaim, Incident, Source
from tests.conftest import make_user
from tests.factories import ClaimFactory, IncidentFactory, SourceFactory


@pytest.fixture
def mix(users):
    """One incident in each visibility situation, the restricted draft logged by the analyst."""
    return {
        "published_public": IncidentFactory(status="published", published_at="2024-12-25T00:00Z"),
        "published_restricted": IncidentFactory(
            status="published", published_at="2024-12-25T00:00Z", sensitivity="restricted"
        ),
        "draft_public": IncidentFactory(status="draft"),
        "in_review_public": IncidentFactory(status="in_review"),
        "restricted_by_analyst": IncidentFactory(sensitivity="restricted", created_by=users["analyst"]),
        "restricted_by_other": IncidentFactory(sensitivity="restricted"),
        "retracted": IncidentFactory(status="retracted"),
    }


EXPECTED = {
    "editor": {"published_public", "published_restricted", "draft_public", "in_review_public",
               "restricted_by_analyst", "restricted_by_other", "retracted"},
    "admin": {"published_public", "published_restricted", "draft_public", "in_review_public",
              "restricted_by_analyst", "restricted_by_other", "retracted"},
    "analyst": {"published_public", "draft_public", "in_review_public", "restricted_by_analyst", "retracted"},
    "partner": {"published_public"},
    None: {"published_public"},
}  # fmt: skip


@pytest.mark.parametrize("role", ["editor", "admin", "analyst", "partner", None])
def test_incident_visibility_per_role(users, mix, role):
    visible = set(Incident.objects.visible_to(users[role]).values_list("pk", flat=True))
    assert visible == {mix[name].pk for name in EXPECTED[role]}


def test_anonymous_sees_nothing(mix):
    assert not Incident.objects.visible_to(AnonymousUser()).exists()


def test_a_second_analyst_cannot_see_anothers_restricted_incident(users, mix):
    other_analyst = make_user("analyst", "analyst-two")
    visible = set(Incident.objects.visible_to(other_analyst).values_list("pk", flat=True))
    assert mix["restricted_by_analyst"].pk not in visible
    assert mix["draft_public"].pk in visible


@pytest.mark.parametrize(("role", "sees_restricted"), [("editor", True), ("analyst", False), ("partner", False)])
def test_claims_citing_a_restricted_source_are_hidden_with_it(users, role, sees_restricted):
    incident = IncidentFactory(status="published", published_at="2024-12-25T00:00Z")
    open_claim = ClaimFactory(incident=incident)
    hidden_claim = ClaimFactory(incident=incident, source=SourceFactory(sensitivity="restricted"))
    claims = set(CasualtyClaim.objects.visible_to(users[role]).values_list("pk", flat=True))
    assert open_claim.pk in claims
    assert (hidden_claim.pk in claims) is sees_restricted
    sources = Source.objects.visible_to(users[role])
    assert sources.filter(sensitivity="restricted").exists() is sees_restricted


def test_detail_queryset_prefetches_only_visible_claims(users):
    incident = IncidentFactory(status="published", published_at="2024-12-25T00:00Z")
    ClaimFactory(incident=incident)
    ClaimFactory(incident=incident, source=SourceFactory(sensitivity="restricted"))
    for role, expected in (("partner", 1), ("editor", 2)):
        loaded = Incident.objects.visible_to(users[role]).for_detail(users[role]).get(pk=incident.pk)
        assert len(loaded.claims.all()) == expected
