"""What each role sees of incidents through the API: lists, details, brief, GeoJSON — and what it never sees."""

import json

import pytest
from django.urls import reverse

from tests.api.conftest import KHOST_POINT, XSS_TITLE

DESK_ONLY = {"internal_notes", "created_by", "status_note", "location_manual"}


def _detail(api_client_for, role, incident, query=""):
    return api_client_for(role).get(reverse("api:incident-detail", args=[incident.pk]) + query)


@pytest.mark.parametrize(
    ("role", "visible"),
    [("partner", "partner_visible"), ("analyst", "analyst_visible"), ("editor", "editor_visible"),
     ("admin", "editor_visible")],
)  # fmt: skip
def test_incident_list_respects_visibility(world, api_client_for, ids, role, visible):
    response = api_client_for(role).get(reverse("api:incident-list"), {"page_size": 100})
    assert response.status_code == 200
    assert ids(response) == getattr(world, visible)
    assert response.json()["count"] == len(getattr(world, visible))


@pytest.mark.parametrize("hidden", ["draft", "in_review", "restricted", "retracted"])
def test_partner_cannot_open_a_hidden_incident(world, api_client_for, hidden):
    for query in ("", "?brief=1"):
        assert _detail(api_client_for, "partner", getattr(world, hidden), query).status_code == 404
    geo = api_client_for("partner").get(reverse("api:incident-geojson-detail", args=[getattr(world, hidden).pk]))
    assert geo.status_code == 404


def test_analyst_cannot_open_a_restricted_incident_someone_else_logged(world, api_client_for):
    assert _detail(api_client_for, "analyst", world.restricted).status_code == 404
    assert _detail(api_client_for, "editor", world.restricted).status_code == 200


def test_partner_sees_the_paktika_claims_attributions_and_assessment(paktika, api_client_for):
    body = _detail(api_client_for, "partner", paktika).json()
    assert body["status"] == "published"
    assert body["category"] == "strike"
    assert body["date_precision"] == "day"
    assert body["province"]["code"] == "AF-PKA"
    assert body["district"]["display"] == "Barmal"
    assert body["longitude"] == pytest.approx(paktika.location.x)
    assert body["latitude"] == pytest.approx(paktika.location.y)
    assert body["url"] == "http://testserver" + reverse("api:incident-detail", args=[paktika.pk])
    assert body["province"]["url"] == "http://testserver" + reverse("api:area-detail", args=[paktika.province_id])
    first = body["claims"][0]["claimant"]
    assert first["url"] == "http://testserver" + reverse("api:actor-detail", args=[first["id"]])
    claimants = {claim["claimant"]["slug"] for claim in body["claims"]}
    assert claimants == {"pakistani-security-forces", "afghan-mofa", "unama"}
    pakistan = next(c for c in body["claims"] if c["claimant"]["slug"] == "pakistani-security-forces")
    assert pakistan["ranges"]["killed"] == {"min": 20, "max": None}
    assert pakistan["ranges"]["militants"] == {"min": 20, "max": None}
    kabul = next(c for c in body["claims"] if c["claimant"]["slug"] == "afghan-mofa")
    assert kabul["labels"][0]["label"] == "refugees"
    assert len(body["attributions"]) == 6
    assert {a["asserted_by"]["slug"] for a in body["attributions"]} >= {"afghan-mofa", "pakistani-security-forces"}
    assert body["current_assessment"]["grade"] == "contested"
    assert body["current_assessment"]["ranges"]["killed"]["low"] == 20
    assert len(body["assessments"]) == 1


def test_partner_never_sees_desk_only_fields(world, api_client_for):
    body = _detail(api_client_for, "partner", world.leaky).json()
    assert DESK_ONLY.isdisjoint(body)
    assert "decided_by" not in body["current_assessment"]
    assert all("sensitivity" not in source for source in body["sources"])
    text = json.dumps(body)
    assert "INTERNAL-NOTE-XYZ" not in text
    assert "STATUS-NOTE-XYZ" not in text
    listed = api_client_for("partner").get(reverse("api:incident-list"), {"page_size": 100}).json()
    assert all(DESK_ONLY.isdisjoint(row) for row in listed["results"])
    assert "INTERNAL-NOTE-XYZ" not in json.dumps(listed)


def test_desk_sees_desk_only_fields(world, api_client_for):
    body = _detail(api_client_for, "editor", world.leaky).json()
    assert body["internal_notes"] == "INTERNAL-NOTE-XYZ"
    assert body["status_note"] == "STATUS-NOTE-XYZ"
    assert body["current_assessment"]["decided_by"] == "editor"
    analyst = _detail(api_client_for, "analyst", world.paktika).json()
    assert analyst["created_by"] == "analyst"
    assert analyst["internal_notes"].startswith("Date from contemporaneous reporting")


def test_partner_never_sees_claims_or_attributions_citing_a_restricted_source(world, api_client_for):
    for role in ("partner", "analyst"):
        body = _detail(api_client_for, role, world.leaky).json()
        text = json.dumps(body)
        assert "SECRET-CONTACT" not in text, role
        assert "hidden-militia" not in text, role
        assert world.hidden_claim.pk not in {c["id"] for c in body["claims"]}
        assert world.secret_source.pk not in {s["id"] for s in body["sources"]}
        # The assessment lists only the claims this user may see.
        assert body["current_assessment"]["claims"] == sorted([world.old_claim.pk, world.new_claim.pk])
    editor = _detail(api_client_for, "editor", world.leaky).json()
    assert world.hidden_claim.pk in {c["id"] for c in editor["claims"]}
    assert "SECRET-CONTACT" in json.dumps(editor)
    assert sorted(editor["current_assessment"]["claims"]) == sorted(
        [world.old_claim.pk, world.new_claim.pk, world.hidden_claim.pk]
    )


def test_live_and_superseded_claims_are_both_rendered_and_linked(world, api_client_for):
    claims = {c["id"]: c for c in _detail(api_client_for, "partner", world.leaky).json()["claims"]}
    old, new = claims[world.old_claim.pk], claims[world.new_claim.pk]
    assert (old["live"], old["superseded_by"], old["supersedes"]) == (False, world.new_claim.pk, None)
    assert (new["live"], new["supersedes"]) == (True, world.old_claim.pk)
    assert new["ranges"]["killed"] == {"min": 4, "max": 6}


def test_a_revision_citing_a_restricted_source_is_not_revealed_to_partners(world, api_client_for):
    partner = {c["id"]: c for c in _detail(api_client_for, "partner", world.leaky).json()["claims"]}
    assert world.secret_revision.pk not in partner
    assert partner[world.revised_in_secret.pk]["superseded_by"] is None
    editor = {c["id"]: c for c in _detail(api_client_for, "editor", world.leaky).json()["claims"]}
    assert editor[world.revised_in_secret.pk]["superseded_by"] == world.secret_revision.pk
    assert editor[world.revised_in_secret.pk]["live"] is False


def test_brief_renders_id_url_display_only(world, api_client_for):
    body = _detail(api_client_for, "partner", world.paktika, "?brief=1").json()
    assert set(body) == {"id", "url", "display"}
    assert body["url"].endswith(reverse("api:incident-detail", args=[world.paktika.pk]))
    listed = api_client_for("partner").get(reverse("api:incident-list"), {"brief": 1}).json()
    assert all(set(row) == {"id", "url", "display"} for row in listed["results"])


def test_markup_in_titles_comes_back_verbatim_as_data(world, api_client_for):
    response = _detail(api_client_for, "partner", world.xss)
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["title"] == XSS_TITLE
    assert body["display"] == XSS_TITLE
    assert body["description"] == "<img src=x onerror=alert(1)>"
    assert _detail(api_client_for, "partner", world.xss, "?brief=1").json()["display"] == XSS_TITLE


def test_pashto_and_urdu_text_round_trips(world, api_client_for):
    body = _detail(api_client_for, "partner", world.pashto).json()
    assert body["title"] == "په خوست کې د توپونو ډزې"
    assert body["description"] == "پاکستانی توپخانے نے سرحد پار گولہ باری کی"
    assert body["district"] is None
    assert body["province"]["code"] == "AF-KHO"


def test_geojson_lists_the_same_incidents_as_features(world, api_client_for, ids):
    for role, visible in (("partner", world.partner_visible), ("editor", world.editor_visible)):
        response = api_client_for(role).get(reverse("api:incident-geojson-list"))
        body = response.json()
        assert body["type"] == "FeatureCollection"
        assert ids(response) == visible
        assert body["count"] == len(visible)
    feature = next(
        f for f in api_client_for("partner").get(reverse("api:incident-geojson-list")).json()["features"]
        if f["id"] == world.pashto.pk
    )  # fmt: skip
    assert feature["geometry"] == {"type": "Point", "coordinates": list(KHOST_POINT)}
    assert set(feature["properties"]) == {"url", "title", "kind", "category", "start_date", "geo_precision",
                                          "contested"}  # fmt: skip


def test_geojson_bbox_keeps_only_points_inside(world, api_client_for, ids):
    around_khost = "69.8,33.2,70.1,33.5"
    response = api_client_for("partner").get(reverse("api:incident-geojson-list"), {"in_bbox": around_khost})
    assert ids(response) == {world.pashto.pk}
    plain = api_client_for("partner").get(reverse("api:incident-list"), {"in_bbox": around_khost})
    assert ids(plain) == {world.pashto.pk}
    nowhere = api_client_for("editor").get(reverse("api:incident-geojson-list"), {"in_bbox": "10,10,11,11"})
    assert nowhere.json()["count"] == 0


def test_geojson_refuses_a_malformed_bbox(world, api_client_for):
    response = api_client_for("partner").get(reverse("api:incident-geojson-list"), {"in_bbox": "1,2,three"})
    assert response.status_code == 400
    assert "in_bbox" in response.json()["detail"]


def test_geojson_is_paginated(world, api_client_for):
    response = api_client_for("editor").get(reverse("api:incident-geojson-list"), {"page_size": 1})
    body = response.json()
    assert len(body["features"]) == 1
    assert body["next"] is not None


def test_browsable_api_escapes_markup(world, client_for):
    response = client_for("analyst").get(reverse("api:incident-detail", args=[world.xss.pk]), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


def test_merged_into_is_rendered(world, api_client_for):
    assert _detail(api_client_for, "partner", world.paktika).json()["merged_into"] is None


def test_map_points_render_as_rest_framework_gis_would_without_its_ogr_round_trip():
    from django.contrib.gis.geos import LineString, Point
    from rest_framework_gis.fields import GeometryField

    from core.api import PointGeometryField

    fast, slow = PointGeometryField(), GeometryField()
    for x, y in ((71.468056, 33.914722), (62.049546, 25.648076), (69.92, 33.34)):  # typed as UCDP gives them
        point = Point(x, y, srid=4326)
        assert (
            fast.to_representation(point) == {"type": "Point", "coordinates": [x, y]} == slow.to_representation(point)
        )
    line = LineString((69.0, 33.0), (70.0, 34.0), srid=4326)
    assert fast.to_representation(line) == slow.to_representation(line)  # anything else: the library's way
    assert fast.to_representation(None) is None


def test_records_a_page_repeats_render_the_same_everywhere_and_each_as_itself(world, api_client_for):
    from actors.models import Actor

    body = api_client_for("editor").get(reverse("api:incident-list"), {"page_size": 100}).json()
    seen = {}
    for incident in body["results"]:
        for actor in [c["claimant"] for c in incident["claims"]] + [a["actor"] for a in incident["attributions"]]:
            seen.setdefault(actor["id"], []).append(actor)
    assert any(len(renderings) > 1 for renderings in seen.values())  # the page does repeat an actor
    actors = {a.pk: a for a in Actor.objects.filter(pk__in=seen)}
    for pk, renderings in seen.items():
        expected = {"id": pk, "url": f"http://testserver/api/actors/{pk}/", "display": actors[pk].name,
                    "slug": actors[pk].slug}  # fmt: skip
        assert all(r == expected for r in renderings)
