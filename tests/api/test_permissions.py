"""Every endpoint × every role × read/write: the status code, and for writes whether anything was saved.

One table drives it (NetBox's generic view tests, as pytest parametrization).
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from actors.models import Actor
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident, Source
from reports.models import SummaryCell

ROLES = ("anonymous", "outsider", "partner", "analyst", "editor", "admin")
READERS = {"anonymous": 401, "outsider": 403, "partner": 200, "analyst": 200, "editor": 200, "admin": 200}


def _role(role):
    return None if role == "outsider" else role


def _read_urls(world):
    cell = SummaryCell.objects.filter(scope="public").first()
    return {
        "incident-list": reverse("api:incident-list"),
        "incident-detail": reverse("api:incident-detail", args=[world.paktika.pk]),
        "incident-brief": reverse("api:incident-detail", args=[world.paktika.pk]) + "?brief=1",
        "incident-geojson-list": reverse("api:incident-geojson-list"),
        "incident-geojson-detail": reverse("api:incident-geojson-detail", args=[world.paktika.pk]),
        "actor-list": reverse("api:actor-list"),
        "actor-detail": reverse("api:actor-detail", args=[world.secret_actor.pk]),
        "area-list": reverse("api:area-list"),
        "area-detail": reverse("api:area-detail", args=[world.paktika.province_id]),
        "summarycell-list": reverse("api:summarycell-list"),
        "summarycell-detail": reverse("api:summarycell-detail", args=[cell.pk]),
    }


READ_NAMES = (
    "incident-list", "incident-detail", "incident-brief", "incident-geojson-list", "incident-geojson-detail",
    "actor-list", "actor-detail", "area-list", "area-detail", "summarycell-list", "summarycell-detail",
)  # fmt: skip


@pytest.mark.parametrize("name", READ_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_read_status_per_role(world, api_client_for, role, name):
    response = api_client_for(_role(role)).get(_read_urls(world)[name])
    assert response.status_code == READERS[role], response.content


def _claim_data(world):
    return {"claimant": world.old_claim.claimant_id, "source": world.old_claim.source_id, "claimed_on": "2024-12-26",
            "killed_min": 2, "killed_max": 4}  # fmt: skip


# name → (method, url(world), data(world), the model whose row count a success raises)
WRITES = {
    "incident-create": (
        "post", lambda w: reverse("api:incident-list"),
        lambda w: {"title": "Shelling in Kunar", "kind": "shelling", "start_date": "2025-02-01"}, Incident,
    ),
    "incident-update": (
        "patch", lambda w: reverse("api:incident-detail", args=[w.draft.pk]),
        lambda w: {"title": "Renamed draft", "version": w.draft.version}, None,
    ),
    "incident-submit": ("post", lambda w: reverse("api:incident-submit", args=[w.draft.pk]), lambda w: {}, None),
    "incident-sources": (
        "post", lambda w: reverse("api:incident-sources", args=[w.draft.pk]),
        lambda w: {"publisher": "Dawn", "title": "Report", "content": "text"}, Source,
    ),
    "incident-claims": (
        "post", lambda w: reverse("api:incident-claims", args=[w.leaky.pk]), _claim_data, CasualtyClaim,
    ),
    "incident-claim-supersede": (
        "post", lambda w: reverse("api:incident-claim-supersede", args=[w.leaky.pk, w.new_claim.pk]),
        lambda w: {"source": w.new_claim.source_id, "claimed_on": "2024-12-27", "killed_min": 5, "killed_max": 7},
        CasualtyClaim,
    ),
    "incident-attributions": (
        "post", lambda w: reverse("api:incident-attributions", args=[w.leaky.pk]),
        lambda w: {"actor": w.new_claim.claimant_id, "role": "accused", "asserted_by": w.secret_actor.pk},
        Attribution,
    ),
    "incident-assessments": (
        "post", lambda w: reverse("api:incident-assessments", args=[w.leaky.pk]),
        lambda w: {"grade": "weak", "killed_low": 1, "killed_high": 6, "claims": [w.new_claim.pk],
                   "rationale": "Only the ministry counts."},
        Assessment,
    ),
    "incident-publish": ("post", lambda w: reverse("api:incident-publish", args=[w.in_review.pk]), lambda w: {}, None),
    "incident-send-back": (
        "post", lambda w: reverse("api:incident-send-back", args=[w.in_review.pk]),
        lambda w: {"note": "Needs a second source."}, None,
    ),
    "incident-retract": (
        "post", lambda w: reverse("api:incident-retract", args=[w.paktika.pk]),
        lambda w: {"note": "Duplicate of another record."}, None,
    ),
    "actor-create": ("post", lambda w: reverse("api:actor-list"), lambda w: {"name": "X", "slug": "x"}, Actor),
    "area-create": ("post", lambda w: reverse("api:area-list"), lambda w: {"name": "X"}, None),
    "summary-create": ("post", lambda w: reverse("api:summarycell-list"), lambda w: {}, SummaryCell),
    "incident-delete": ("delete", lambda w: reverse("api:incident-detail", args=[w.draft.pk]), lambda w: {}, None),
    "incident-put": ("put", lambda w: reverse("api:incident-detail", args=[w.draft.pk]), lambda w: {}, None),
}  # fmt: skip

DESK = {"anonymous": 401, "outsider": 403, "partner": 403, "analyst": 201, "editor": 201, "admin": 201}
DESK_200 = {**DESK, "analyst": 200, "editor": 200, "admin": 200}
EDITORS = {**DESK, "analyst": 403}
EDITORS_200 = {**DESK_200, "analyst": 403}
NOT_ALLOWED = {"anonymous": 401, "outsider": 403, "partner": 405, "analyst": 405, "editor": 405, "admin": 405}
EXPECTED = {
    "incident-create": DESK, "incident-update": DESK_200, "incident-submit": DESK_200, "incident-sources": DESK,
    "incident-claims": DESK, "incident-claim-supersede": DESK, "incident-attributions": DESK,
    "incident-assessments": EDITORS, "incident-publish": EDITORS_200, "incident-send-back": EDITORS_200,
    "incident-retract": EDITORS_200, "actor-create": NOT_ALLOWED, "area-create": NOT_ALLOWED,
    "summary-create": NOT_ALLOWED, "incident-delete": NOT_ALLOWED, "incident-put": NOT_ALLOWED,
}  # fmt: skip


@pytest.mark.parametrize("name", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_write_status_per_role(world, api_client_for, role, name):
    method, url, data, model = WRITES[name]
    before = model.objects.count() if model else None
    response = getattr(api_client_for(_role(role)), method)(url(world), data(world), format="json")
    expected = EXPECTED[name][role]
    assert response.status_code == expected, response.content
    if model is not None:
        assert model.objects.count() == before + (1 if expected == 201 else 0)


def test_partner_write_leaves_the_incident_as_it_was(world, api_client_for):
    response = api_client_for("partner").post(
        reverse("api:incident-retract", args=[world.paktika.pk]), {"note": "no"}, format="json"
    )
    assert response.status_code == 403
    assert Incident.objects.get(pk=world.paktika.pk).status == "published"


def test_anonymous_is_asked_to_authenticate_with_a_token(world, api_client_for):
    response = api_client_for("anonymous").get(reverse("api:incident-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_is_refused(world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(reverse("api:incident-list")).status_code == 401


def test_desk_user_with_a_browser_session_reads_the_api(world, client_for):
    response = client_for("analyst").get(reverse("api:incident-list"))
    assert response.status_code == 200
    assert response.json()["count"] == len(world.analyst_visible)


def test_session_writes_need_the_csrf_token(world, users):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["analyst"])
    response = client.post(
        reverse("api:incident-list"), {"title": "x", "kind": "ied", "start_date": "2025-01-01"}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_an_admin_without_desk_role_reads_reference_data_but_not_incidents(world):
    from rest_framework.test import APIClient

    from tests.conftest import make_user

    user = make_user(None, username="plain-admin")
    user.groups.add(Group.objects.get(name="admin"))
    client = APIClient()
    client.force_authenticate(user)
    assert client.get(reverse("api:actor-list")).status_code == 200
    assert client.get(reverse("api:area-list")).status_code == 200
    assert client.get(reverse("api:incident-list")).status_code == 403
    assert client.get(reverse("api:summarycell-list")).status_code == 403
