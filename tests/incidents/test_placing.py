import datetime as dt
import json
from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from geo.models import Area
from incidents import geocoding
from incidents.models import Incident, Mention
from incidents.services import mention_confirm, mention_reject
from tests.factories import IncidentFactory


def text_incident(text="airstrikes on Barmal district, Paktika", **extra):
    values = {"title": "Strikes", "place_text": text, "location": None, "location_manual": False, **extra}
    return IncidentFactory(**values)


def run(incident):
    """What the worker does: apply, then save the changed fields."""
    changed = geocoding.apply(incident)
    incident.save(update_fields=changed or None) if changed else None
    incident.refresh_from_db()
    return changed


def test_text_fills_district_province_precision_centroid_and_mentions(areas):
    incident = text_incident()
    changed = run(incident)
    barmal = Area.objects.get(name="Barmal")
    assert set(changed) == {"district", "province", "geo_precision", "location", "country_code"}
    assert (incident.district, incident.province, incident.geo_precision) == (barmal, barmal.parent, "district")
    assert (incident.location.x, incident.location.y) == (barmal.centroid.x, barmal.centroid.y)
    mentions = list(incident.mentions.order_by("start").values_list("text", "area__name", "method", "status"))
    assert mentions == [("Barmal", "Barmal", "exact", "suggested"), ("Paktika", "Paktika", "exact", "suggested")]


def test_geocoding_twice_gives_the_same_result_and_rows(areas):
    incident = text_incident()
    run(incident)
    ids = sorted(incident.mentions.values_list("id", flat=True))
    assert run(incident) == []
    assert sorted(incident.mentions.values_list("id", flat=True)) == ids


def test_a_hand_set_location_is_never_overwritten(areas):
    khost = Area.objects.get(name="Khost", level="province")
    point = Point(70.0, 33.3, srid=4326)
    incident = text_incident(province=khost, location=point, location_manual=True, geo_precision="exact")
    # Only the flag changes: the text names Barmal, over 25 km from the point the person set in Khost.
    assert geocoding.apply(incident) == ["text_district_elsewhere"]
    incident.save()
    incident.refresh_from_db()
    assert (incident.province, incident.district, incident.location, incident.geo_precision) == (
        khost, None, point, "exact",
    )  # fmt: skip
    assert incident.text_district_elsewhere.name == "Barmal"
    # The text's places are still offered as suggestions.
    assert incident.mentions.filter(area__name="Barmal", status="suggested").exists()


def test_a_hand_set_point_without_district_gets_the_district_containing_it(areas):
    barmal = Area.objects.get(name="Barmal")
    inside = barmal.boundary.point_on_surface
    incident = text_incident(text="", location=inside, location_manual=True)
    changed = run(incident)
    assert "location" not in changed
    assert (incident.district, incident.province, incident.geo_precision) == (barmal, barmal.parent, "exact")
    assert incident.location == inside
    assert incident.mentions.get().method == "point"


def test_the_point_wins_over_the_text(areas):
    urgun = Area.objects.get(name="Urgun")
    inside = urgun.boundary.point_on_surface
    incident = text_incident(location=inside, location_manual=True)
    run(incident)
    assert incident.district == urgun


def test_a_rejected_suggestion_is_not_proposed_again(areas, analyst):
    incident = text_incident()
    run(incident)
    barmal = incident.mentions.get(area__name="Barmal")
    mention_reject(barmal, analyst)
    incident.refresh_from_db()
    assert incident.geocode_requested is not None  # re-queued: its placement came from the rejected mention
    run(incident)
    assert not incident.mentions.filter(area__name="Barmal", status="suggested").exists()
    assert incident.mentions.get(pk=barmal.pk).status == "rejected"
    assert incident.district is None
    assert incident.province.name == "Paktika"
    assert incident.geo_precision == "province"


def test_a_confirmed_suggestion_places_the_incident_by_hand(areas, analyst):
    incident = text_incident("Urgun and Barmal districts")
    run(incident)
    urgun = incident.mentions.get(area__name="Urgun")
    mention_confirm(urgun, analyst)
    incident.refresh_from_db()
    assert (incident.district.name, incident.province.name, incident.location_manual) == ("Urgun", "Paktika", True)
    assert Mention.objects.get(pk=urgun.pk).status == "confirmed"
    assert geocoding.apply(incident) == []


def test_partners_may_not_confirm_or_reject(areas, partner):
    incident = text_incident()
    run(incident)
    mention = incident.mentions.first()
    with pytest.raises(PermissionDenied):
        mention_reject(mention, partner)
    with pytest.raises(PermissionDenied):
        mention_confirm(mention, partner)
    assert Mention.objects.get(pk=mention.pk).status == "suggested"


def test_geocode_command_reads_json_lines_and_reports_bad_lines(areas):
    lines = [
        {"text": "airstrikes on Barmal district, Paktika", "date": "2024-12-24"},
        {"text": "Kurram agency", "date": "2010-03-01"},
        {"text": "Kurram agency", "date": "2020-03-01"},
    ]
    urgun = Area.objects.get(name="Urgun").boundary.point_on_surface
    stdin = StringIO(
        "\n".join(json.dumps(line) for line in lines)
        + '\n{"text": "Khost", "date": "24/12/2024"}\nnot json\n'
        + json.dumps({"lat": urgun.y, "lon": urgun.x})
        + "\n"
    )
    out = StringIO()
    call_command("geocode", stdin=stdin, stdout=out, stderr=StringIO())
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 6
    assert rows[0]["district"]["name"] == "Barmal"
    assert rows[0]["province"] == {"name": "Paktika", "code": "AF-PKA"}
    assert rows[0]["precision"] == "district"
    assert [m["text"] for m in rows[0]["mentions"]] == ["Barmal", "Paktika"]
    assert rows[1]["province"]["code"] == "PK-TA"
    assert rows[1]["district"]["code"] == "PK-TA403"
    assert rows[2]["province"]["code"] == "PK-KP"
    assert rows[2]["district"]["code"] == "PK403"
    assert rows[3] == {"line": 4, "error": "'date' is not YYYY-MM-DD: '24/12/2024'"}
    assert rows[4]["line"] == 5
    assert "error" in rows[4]
    assert rows[5]["district"]["name"] == "Urgun"
    assert rows[5]["precision"] == "exact"
    assert not Mention.objects.exists()
    assert not Incident.objects.exists()


def test_geocoder_point_is_recomputed_when_the_text_changes(areas):
    incident = text_incident()
    run(incident)
    incident.place_text, incident.title = "Urgun district", "Strike"
    run(incident)
    urgun = Area.objects.get(name="Urgun")
    assert incident.district == urgun
    assert (incident.location.x, incident.location.y) == (
        urgun.centroid.x,
        urgun.centroid.y,
    )
    assert set(incident.mentions.values_list("area__name", flat=True)) == {"Urgun"}
    assert incident.start_date == dt.date(2024, 12, 24)


def test_an_imported_point_on_a_geonames_coordinate_is_still_a_real_point(areas):
    """UCDP often takes its coordinates from GeoNames: such a point is the import's, not the geocoder's."""
    from geo.models import Place

    datta_khel = Place.objects.get(name="Datta Khel")
    incident = text_incident(text="Barmal district", location=datta_khel.point, location_manual=False)
    run(incident)
    assert incident.location == datta_khel.point
    assert incident.district.name == "North Waziristan"
    assert incident.geo_precision == "near"


def test_the_worker_task_saves_what_apply_changed(areas):
    from django.utils import timezone

    from incidents.tasks import geocode_incident

    incident = text_incident(geocode_requested=timezone.now())
    assert geocode_incident.run(incident.pk).startswith(f"geocoded {incident.pk}: ")
    incident.refresh_from_db()
    assert (incident.district.name, incident.province.name, incident.geo_precision) == ("Barmal", "Paktika", "district")
    assert incident.location is not None
    assert incident.geocode_requested is None
    assert geocode_incident.run(incident.pk) == "nothing to do"


def test_the_incidents_country_keeps_it_out_of_a_namesake_across_the_border(areas):
    stated = text_incident("Chamkani village. Chamkani area", country_code="PK")
    run(stated)
    assert (stated.district, stated.province, stated.country_code) == (None, None, "PK")
    assert stated.mentions.filter(area__name="Chamkani").exists()  # offered, not used
    unstated = text_incident("Chamkani village. Chamkani area", country_code="")
    run(unstated)
    assert (unstated.district.name, unstated.country_code) == ("Chamkani", "AF")


def test_a_filled_country_is_read_the_same_way_on_the_next_run(areas):
    text = "North Waziristan on the border with Afghanistan, opposite from Barmal district, Paktika"
    incident = text_incident(text, country_code="")
    run(incident)
    assert incident.country_code == "AF"
    mentions = sorted(incident.mentions.values_list("id", "area_id", "place_id"))
    assert run(incident) == []
    assert sorted(incident.mentions.values_list("id", "area_id", "place_id")) == mentions


def test_an_imported_near_point_yields_to_the_district_the_text_names_but_a_hand_set_one_does_not(areas):
    barmal, urgun = Area.objects.get(name="Barmal"), Area.objects.get(name="Urgun")
    border = barmal.boundary.intersection(urgun.boundary.buffer(0.005)).difference(urgun.boundary)
    point = border.point_on_surface
    imported = text_incident("Urgun district", location=point, location_manual=False, geo_precision="near")
    run(imported)
    assert (imported.district, imported.geo_precision, imported.location) == (urgun, "near", point)
    by_hand = text_incident("Urgun district", location=point, location_manual=True)
    run(by_hand)
    assert by_hand.district == barmal


def test_geocode_command_takes_the_country_and_refuses_a_bad_one(areas):
    stdin = StringIO(
        json.dumps({"text": "Chamkani village", "country": "PK"}) + "\n"
        + json.dumps({"text": "Chamkani village"}) + "\n"
        + json.dumps({"text": "Chamkani village", "country": "Pakistan"}) + "\n"
    )  # fmt: skip
    out = StringIO()
    call_command("geocode", stdin=stdin, stdout=out, stderr=StringIO())
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows[0]["district"] is None
    assert rows[0]["mentions"][0]["area"]["name"] == "Chamkani"
    assert rows[1]["district"]["name"] == "Chamkani"
    assert rows[2] == {"line": 3, "error": "'country' must be an ISO 3166-1 alpha-2 code: 'Pakistan'"}


@pytest.mark.parametrize(("day", "expected"), [(dt.date(1997, 6, 1), "Muzaffarabad"), (dt.date(2015, 6, 1), "Hattian")])
def test_a_point_and_a_name_in_a_split_off_district_are_placed_as_the_districts_stood_then(areas, day, expected):
    """Chakothi lies in Hattian, carved out of Muzaffarabad in 2009: a 1997 event there was in Muzaffarabad."""
    from geo.gazetteer import get_gazetteer
    from geo.geocoder import Geocoder

    gaz = get_gazetteer()
    district, province, inside = gaz.reverse(73.880163, 34.115457, day)
    assert (gaz.areas[district].name, gaz.areas[province].name, inside) == (expected, "Azad Jammu and Kashmir", True)
    assert gaz.areas[district].valid_on(day)
    by_name = Geocoder(gaz).geocode({"place_text": "shelling in Hattian district"}, day=day, country="PK")
    assert by_name.district_id == district
    incident = text_incident("shelling in Hattian district", start_date=day, country_code="PK")
    run(incident)
    assert (incident.district_id, incident.district.name) == (district, expected)


# UCDP GED event 16 times over: "Sui town" (Dera Bugti) plotted at a namesake near Gwadar, 788 km away.
SUI_NEAR_GWADAR = Point(62.049546, 25.648076, srid=4326)


def test_a_point_far_from_the_district_its_text_names_keeps_placing_it_and_is_flagged(areas):
    incident = text_incident("Sui town. Sui", location=SUI_NEAR_GWADAR, geo_precision="exact", country_code="PK")
    changed = run(incident)
    assert "text_district_elsewhere" in changed
    assert (incident.district.name, incident.location) == ("Gwadar", SUI_NEAR_GWADAR)  # the point still places it
    assert incident.text_district_elsewhere.name == "Dera Bugti"
    assert run(incident) == []  # flagged once: a second run changes nothing

    # The analyst mends the text (or the point): the flag goes with the disagreement.
    incident.place_text = "Pasni road, Gwadar"
    run(incident)
    assert incident.text_district_elsewhere is None


def test_a_point_near_the_district_its_text_names_is_not_flagged(areas):
    # Bara town (Khyber): UCDP's point lies 2.1 km inside Peshawar as the district file draws it.
    bara = Point(71.468056, 33.914722, srid=4326)
    incident = text_incident("Bara town. Bara", location=bara, geo_precision="exact", country_code="PK")
    run(incident)
    assert incident.district.name == "Peshawar"
    assert incident.text_district_elsewhere is None


def test_a_hand_set_point_far_from_its_text_is_flagged_but_never_moved(areas):
    incident = text_incident("Sui town", location=SUI_NEAR_GWADAR, location_manual=True, country_code="PK")
    run(incident)
    assert (incident.district.name, incident.location) == ("Gwadar", SUI_NEAR_GWADAR)
    assert incident.text_district_elsewhere.name == "Dera Bugti"


def test_geocode_command_reports_a_point_and_text_that_disagree(areas):
    stdin = StringIO(
        json.dumps({"text": "Sui town", "lat": SUI_NEAR_GWADAR.y, "lon": SUI_NEAR_GWADAR.x, "country": "PK"}) + "\n"
        + json.dumps({"text": "Sui town", "country": "PK"}) + "\n"
    )  # fmt: skip
    out = StringIO()
    call_command("geocode", stdin=stdin, stdout=out, stderr=StringIO())
    with_point, text_only = (json.loads(line) for line in out.getvalue().splitlines())
    assert with_point["district"]["name"] == "Gwadar"
    assert with_point["text_district_elsewhere"]["name"] == "Dera Bugti"
    assert text_only["district"]["name"] == "Dera Bugti"
    assert text_only["text_district_elsewhere"] is None
