"""Writes through the API go through incidents.services: what they save, and how bad input is refused."""

import pytest
from django.urls import reverse

from incidents.models import Assessment, Attribution, CasualtyClaim, Incident, Source


def _post(api_client_for, role, name, args, data):
    return api_client_for(role).post(reverse(f"api:{name}", args=args), data, format="json")


NEW_INCIDENT = {
    "title": "Shelling across the Kunar border",
    "kind": "shelling",
    "start_date": "2025-02-01",
    "date_precision": "week",
    "place_text": "Dangam district, Kunar",
    "longitude": 71.45,
    "latitude": 34.98,
    "internal_notes": "Phone call with a local journalist.",
}


def test_analyst_creates_a_draft_incident(world, api_client_for, analyst):
    response = _post(
        api_client_for, "analyst", "incident-list", [], {**NEW_INCIDENT, "sources": [world.new_claim.source_id]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get(pk=body["id"])
    assert (incident.status, incident.created_by, incident.category) == ("draft", analyst, "strike")
    assert (incident.location.x, incident.location.y) == (71.45, 34.98)
    assert incident.location_manual is True
    assert incident.geocode_requested is not None
    assert body["internal_notes"] == "Phone call with a local journalist."
    assert body["date_precision"] == "week"
    assert [s["id"] for s in body["sources"]] == [world.new_claim.source_id]
    # Partners do not see it until an editor publishes it.
    assert api_client_for("partner").get(reverse("api:incident-detail", args=[incident.pk])).status_code == 404


def test_analyst_sees_the_restricted_incident_they_logged(world, api_client_for):
    response = _post(api_client_for, "analyst", "incident-list", [], {**NEW_INCIDENT, "sensitivity": "restricted"})
    assert response.status_code == 201
    detail = api_client_for("analyst").get(reverse("api:incident-detail", args=[response.json()["id"]]))
    assert detail.status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"kind": "nuclear"}, "kind"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2025-01-01"}, "end_date"),  # before the start date: the model's own check
        ({"longitude": 71.45, "latitude": None}, "latitude"),
        ({"longitude": 200}, "longitude"),
        ({"longitude": 2.35, "latitude": 48.85}, "longitude"),  # Paris: outside every area in the gazetteer
        ({"district": 999999}, "district"),
        ({"sources": [10**9]}, "sources"),
    ],
)
def test_bad_incident_input_is_refused_naming_the_field_and_nothing_is_saved(world, api_client_for, change, field):
    before = Incident.objects.count()
    response = _post(api_client_for, "analyst", "incident-list", [], {**NEW_INCIDENT, **change})
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Incident.objects.count() == before


def test_analyst_cannot_cite_a_restricted_source_they_cannot_see(world, api_client_for):
    data = {"claimant": world.secret_actor.pk, "source": world.secret_source.pk, "claimed_on": "2024-12-26",
            "killed_min": 1}  # fmt: skip
    response = _post(api_client_for, "analyst", "incident-claims", [world.leaky.pk], data)
    assert response.status_code == 400
    assert "source" in response.json()
    assert _post(api_client_for, "editor", "incident-claims", [world.leaky.pk], data).status_code == 201


def test_claim_is_recorded_with_ranges_labels_and_denial(world, api_client_for):
    data = {
        "claimant": world.old_claim.claimant_id, "source": world.old_claim.source_id, "claimed_on": "2024-12-26",
        "killed_min": 7, "killed_max": 9, "militants_min": 7, "civilians_min": 0, "civilians_max": 0,
        "denied": ["civilians"], "labels": [{"label": "miscreants", "min": 7, "max": None}],
        "quote": "No civilians were harmed.",
    }  # fmt: skip
    response = _post(api_client_for, "analyst", "incident-claims", [world.paktika.pk], data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ranges"]["killed"] == {"min": 7, "max": 9}
    assert body["denied"] == ["civilians"]
    assert body["labels"][0]["label"] == "miscreants"
    assert body["live"] is True
    assert Incident.objects.get(pk=world.paktika.pk).sources.filter(pk=world.old_claim.source_id).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"killed_min": 9, "killed_max": 2}, "killed_min"),
        ({"denied": ["civilians"], "civilians_min": 3}, "civilians_max"),
        ({"denied": ["aliens"]}, "denied"),
        ({"labels": "refugees"}, "labels"),
        ({"claimant": 10**9}, "claimant"),
        ({"claimed_on": None}, "claimed_on"),
    ],
)
def test_bad_claims_are_refused_naming_the_field(world, api_client_for, change, field):
    data = {"claimant": world.old_claim.claimant_id, "source": world.old_claim.source_id, "claimed_on": "2024-12-26",
            **change}  # fmt: skip
    before = CasualtyClaim.objects.count()
    response = _post(api_client_for, "analyst", "incident-claims", [world.leaky.pk], data)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert CasualtyClaim.objects.count() == before


def test_supersede_links_the_new_claim_and_keeps_the_old(world, api_client_for):
    data = {"source": world.new_claim.source_id, "claimed_on": "2024-12-28", "killed_min": 6, "killed_max": 8}
    response = _post(api_client_for, "analyst", "incident-claim-supersede", [world.leaky.pk, world.new_claim.pk], data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["supersedes"] == world.new_claim.pk
    assert body["claimant"]["id"] == world.new_claim.claimant_id
    old = CasualtyClaim.objects.get(pk=world.new_claim.pk)
    assert (old.killed_min, old.killed_max) == (4, 6)  # never edited
    # The superseded claim cannot be revised a second time: revise the latest.
    again = _post(api_client_for, "analyst", "incident-claim-supersede", [world.leaky.pk, world.new_claim.pk], data)
    assert again.status_code == 400
    assert "supersedes" in again.json()


def test_supersede_reaches_only_claims_of_that_incident_the_user_sees(world, api_client_for):
    data = {"source": world.new_claim.source_id, "claimed_on": "2024-12-28", "killed_min": 1}
    other = world.paktika.claims.first()
    wrong_incident = _post(api_client_for, "editor", "incident-claim-supersede", [world.leaky.pk, other.pk], data)
    assert wrong_incident.status_code == 404
    hidden = _post(api_client_for, "analyst", "incident-claim-supersede", [world.leaky.pk, world.hidden_claim.pk], data)
    assert hidden.status_code == 404


def test_writes_to_an_incident_the_user_cannot_see_are_404(world, api_client_for):
    data = {"publisher": "Dawn", "content": "x"}
    assert _post(api_client_for, "analyst", "incident-sources", [world.restricted.pk], data).status_code == 404
    assert _post(api_client_for, "editor", "incident-sources", [world.restricted.pk], data).status_code == 201


def test_source_is_stored_with_its_hash(world, api_client_for):
    data = {"publisher": "Dawn", "title": "Strike report", "url": "https://dawn.example/1", "content": "the text",
            "reliability": "B", "credibility": 2, "language": "ur", "sensitivity": "restricted"}  # fmt: skip
    response = _post(api_client_for, "analyst", "incident-sources", [world.draft.pk], data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["grade"] == "B2"
    assert body["content_sha256"] == Source.objects.get(pk=body["id"]).content_sha256
    assert len(body["content_sha256"]) == 64
    bad = _post(api_client_for, "analyst", "incident-sources", [world.draft.pk], {**data, "reliability": "Z"})
    assert bad.status_code == 400
    assert "reliability" in bad.json()


def test_attribution_and_its_duplicate(world, api_client_for):
    data = {"actor": world.old_claim.claimant_id, "role": "accused", "asserted_by": world.secret_actor.pk,
            "confidence": "low"}  # fmt: skip
    response = _post(api_client_for, "analyst", "incident-attributions", [world.paktika.pk], data)
    assert response.status_code == 201, response.content
    assert response.json()["asserted_by"]["slug"] == "hidden-militia"
    before = Attribution.objects.count()
    duplicate = _post(api_client_for, "analyst", "incident-attributions", [world.paktika.pk], data)
    assert duplicate.status_code == 400
    assert Attribution.objects.count() == before
    bad_role = _post(api_client_for, "analyst", "incident-attributions", [world.paktika.pk], {**data, "role": "x"})
    assert "role" in bad_role.json()


def test_editor_records_an_assessment_and_the_history_keeps_both(world, api_client_for):
    data = {"grade": "weak", "killed_low": 4, "killed_best": 5, "killed_high": 6,
            "claims": [world.new_claim.pk], "rationale": "Only the ministry gives a number."}  # fmt: skip
    response = _post(api_client_for, "editor", "incident-assessments", [world.leaky.pk], data)
    assert response.status_code == 201, response.content
    assert response.json()["claims"] == [world.new_claim.pk]
    detail = api_client_for("partner").get(reverse("api:incident-detail", args=[world.leaky.pk])).json()
    assert detail["current_assessment"]["grade"] == "weak"
    assert [a["grade"] for a in detail["assessments"]] == ["weak", "fair"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"killed_low": 9, "killed_high": 2}, "killed_low"),
        ({"grade": "excellent"}, "grade"),
        ({"rationale": ""}, "rationale"),
    ],
)
def test_bad_assessments_are_refused_naming_the_field(world, api_client_for, change, field):
    data = {"grade": "weak", "rationale": "r", **change}
    before = Assessment.objects.count()
    response = _post(api_client_for, "editor", "incident-assessments", [world.leaky.pk], data)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Assessment.objects.count() == before


def test_assessment_cannot_cite_another_incidents_claims(world, api_client_for):
    data = {"grade": "weak", "rationale": "r", "claims": [world.paktika.claims.first().pk]}
    response = _post(api_client_for, "editor", "incident-assessments", [world.leaky.pk], data)
    assert response.status_code == 400
    assert "claims" in response.json()


def test_publish_then_retract_changes_what_partners_see(world, api_client_for):
    url = reverse("api:incident-detail", args=[world.in_review.pk])
    assert api_client_for("partner").get(url).status_code == 404
    published = _post(api_client_for, "editor", "incident-publish", [world.in_review.pk], {})
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert api_client_for("partner").get(url).status_code == 200
    no_reason = _post(api_client_for, "editor", "incident-retract", [world.in_review.pk], {})
    assert no_reason.status_code == 400
    assert "note" in no_reason.json()
    retracted = _post(api_client_for, "editor", "incident-retract", [world.in_review.pk], {"note": "Duplicate."})
    assert retracted.status_code == 200
    assert retracted.json()["status_note"] == "Duplicate."
    assert api_client_for("partner").get(url).status_code == 404


def test_workflow_refuses_an_impossible_move(world, api_client_for):
    response = _post(api_client_for, "editor", "incident-send-back", [world.draft.pk], {"note": "Why?"})
    assert response.status_code == 400
    assert "status" in response.json()
    assert _post(api_client_for, "analyst", "incident-submit", [world.paktika.pk], {}).status_code == 400


def test_patch_uses_optimistic_locking(world, api_client_for):
    url = reverse("api:incident-detail", args=[world.draft.pk])
    client = api_client_for("analyst")
    version = client.get(url).json()["version"]
    no_version = client.patch(url, {"title": "New title"}, format="json")
    assert no_version.status_code == 400
    assert "version" in no_version.json()
    ok = client.patch(url, {"title": "New title", "version": version}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == version + 1
    stale = client.patch(url, {"title": "Lost edit", "version": version}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current"]["title"] == "New title"
    assert Incident.objects.get(pk=world.draft.pk).title == "New title"


def test_an_edit_that_hides_the_incident_from_its_author_still_answers(world, api_client_for):
    url = reverse("api:incident-detail", args=[world.draft.pk])
    client = api_client_for("analyst")
    version = client.get(url).json()["version"]
    response = client.patch(url, {"sensitivity": "restricted", "version": version}, format="json")
    assert response.status_code == 200
    assert response.json() == {"id": world.draft.pk, "detail": "Saved. You can no longer see this incident."}
    assert client.get(url).status_code == 404
    assert Incident.objects.get(pk=world.draft.pk).sensitivity == "restricted"


def test_api_writes_leave_audit_rows_naming_the_token_user(world, api_client_for, analyst):
    from core.audit import history_for

    response = _post(api_client_for, "analyst", "incident-list", [], NEW_INCIDENT)
    incident = Incident.objects.get(pk=response.json()["id"])
    events = list(history_for(incident))
    assert events
    assert {event.user_id for event in events} == {analyst.pk}
    assert events[0].url == reverse("api:incident-list")
