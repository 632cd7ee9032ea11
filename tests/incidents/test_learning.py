"""Places learned from the desk's located, published incidents (geo.learning over incidents.learning)."""

from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from geo.gazetteer import get_gazetteer
from geo.geocoder import Geocoder
from geo.learning import leading_name, learn
from geo.models import Area, Place
from incidents import geocoding
from incidents.learning import learn_places
from incidents.models import Incident, Mention
from incidents.tasks import learn_places as learn_places_task
from tests.factories import IncidentFactory

# Hassu Khel, a village near Mir Ali (North Waziristan): in no GeoNames extract nor in aliases.csv.
HASSU_KHEL = (70.30, 32.98)
PESHAWAR = (71.5785, 34.0151)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mir Ali town. Near the bazaar", "Mir Ali"),
        ("Tirah valley", "Tirah"),
        ("Datta Khel", "Datta Khel"),
        ("میر علی, North Waziristan", "میر علی"),
        ("airstrikes on Barmal district, Paktika", None),  # not a name: lower-case words
        ("Check post 51 area", None),  # digits
        ("Near the border", None),
        ("Town", None),  # a place word alone
        ("", None),
    ],
)
def test_leading_name_is_the_proper_name_a_place_text_starts_with(text, expected):
    assert leading_name(text) == expected


def test_a_name_is_learned_where_most_of_its_points_agree(areas):
    geocoder = Geocoder(get_gazetteer())
    barmal = Area.objects.get(name="Barmal")
    observations = [
        ("Hassu Khel village. Drone strike on a compound", HASSU_KHEL[0], HASSU_KHEL[1]),
        ("Hassu Khel village", HASSU_KHEL[0] + 0.01, HASSU_KHEL[1]),
        ("Hassu Khel", HASSU_KHEL[0] - 0.01, HASSU_KHEL[1] + 0.01),
        ("Hassu Khel bazaar", *PESHAWAR),  # one plotted far off: outvoted, not averaged in
        ("Khaisura fort", 69.87, 32.38),  # once only: not enough
        ("Spinkai Raghzai", 69.80, 32.37),
        ("Spinkai Raghzai", *PESHAWAR),  # half here, half there: no district wins
        ("Barmal town", barmal.centroid.x + 0.05, barmal.centroid.y),  # the gazetteer knows Barmal already
        ("Barmal town", barmal.centroid.x - 0.05, barmal.centroid.y),
        ("Ghost town", barmal.centroid.x, barmal.centroid.y),  # a centroid the geocoder filled: no evidence
        ("Ghost town", barmal.centroid.x, barmal.centroid.y),
    ]
    learned = learn(geocoder, observations)
    assert [(p.name, p.support, p.seen) for p in learned] == [("Hassu Khel", 3, 4)]
    district = geocoder.gaz.areas[learned[0].district_id]
    assert district.name.startswith("North Waziristan")
    assert (learned[0].x, learned[0].y) == HASSU_KHEL  # the median of the agreeing points


def _located(place_text, xy, **extra):
    values = {"place_text": place_text, "location": Point(*xy, srid=4326), "geo_precision": "exact",
              "status": "published", "published_at": timezone.now(), "country_code": "PK", **extra}  # fmt: skip
    return IncidentFactory(**values)


def test_learned_places_come_only_from_what_partners_may_see_and_then_place_new_incidents(areas, client_for):
    for dx in (0.0, 0.01, -0.01):
        _located("Hassu Khel village. Strike on a compound", (HASSU_KHEL[0] + dx, HASSU_KHEL[1]))
    # A restricted incident and two drafts elsewhere must not move or make a place: their points are not public.
    _located("Hassu Khel village", PESHAWAR, sensitivity="restricted")
    _located("Esori village", (70.72, 33.17), status="draft", published_at=None)
    _located("Esori village", (70.72, 33.17), status="draft", published_at=None)

    assert learn_places() == {"learned": 1, "incidents": 3, "created": 1, "updated": 0, "retired": 0, "waiting": 0}
    place = Place.objects.get(origin="desk")
    assert (place.name, place.support, place.geonames_id, (place.point.x, place.point.y)) == (
        "Hassu Khel", 3, None, HASSU_KHEL,
    )  # fmt: skip
    assert place.district.name.startswith("North Waziristan")
    assert learn_places()["created"] == learn_places()["updated"] == 0  # idempotent

    # A new report naming it is placed in its district, through the gazetteer the worker reloads.
    report = IncidentFactory(place_text="drone strike near Hassu Khel", location=None, start_date=timezone.now().date())
    geocoding.apply(report)
    assert report.district_id == place.district_id
    assert Mention.objects.filter(incident=report, place=place).exists()
    report.save()
    page = client_for("analyst").get(reverse("incidents:incident_detail", args=[report.pk])).content.decode()
    assert "Hassu Khel <small>(place, North Waziristan; learned from 3 published incidents)</small>" in page

    # Retracting the evidence retires the place; a mention still points at it, so it stays with support 0,
    # out of the gazetteer: the next report naming it is not placed by it.
    Incident.objects.filter(place_text__startswith="Hassu Khel").update(status="retracted")
    assert learn_places()["retired"] == 1
    place.refresh_from_db()
    assert place.support == 0
    later = IncidentFactory(place_text="drone strike near Hassu Khel", location=None)
    geocoding.apply(later)
    assert later.district_id is None


def test_learn_places_command_and_worker_job_say_what_they_did_in_one_line(areas):
    for dx in (0.0, 0.01):
        _located("Hassu Khel village", (HASSU_KHEL[0] + dx, HASSU_KHEL[1]))
    out = StringIO()
    call_command("learn_places", stdout=out)
    assert out.getvalue().splitlines() == [
        "learned places: 1 from 2 located published incidents; 1 created, 0 updated, 0 retired; "
        "0 unplaced incidents naming them sent back to the geocoder"
    ]
    assert (
        learn_places_task() == "learned places: 1 from 2 located published incidents; 0 created, 0 updated, 0 retired; "
        "0 unplaced incidents naming them sent back to the geocoder"
    )


@pytest.mark.parametrize("role", ["analyst", "editor", "partner"])
def test_only_an_admin_may_block_a_learned_place(areas, client_for, role):
    response = client_for(role).get(reverse("admin:geo_place_changelist"))
    assert response.status_code == 302  # to the admin login: no desk or partner role is staff
    assert "/admin/login/" in response["Location"]


def test_an_admin_blocks_a_wrongly_learned_place_for_good_and_it_is_audited(areas, client_for, users):
    import pghistory.models

    for dx in (0.0, 0.01, -0.01):
        _located("Hassu Khel village", (HASSU_KHEL[0] + dx, HASSU_KHEL[1]))
    learn_places()
    place = Place.objects.get(origin="desk")
    geonames = Place.objects.filter(origin="geonames").first()
    changelist = reverse("admin:geo_place_changelist")
    response = client_for("admin").post(
        changelist, {"action": "block", "_selected_action": [place.pk, geonames.pk]}, follow=True
    )
    assert "1 learned place(s) blocked. 1 GeoNames place(s) left as they are" in response.content.decode()
    place.refresh_from_db()
    geonames.refresh_from_db()
    assert (place.blocked, geonames.blocked) == (True, False)
    event = pghistory.models.Events.objects.filter(pgh_obj_model="geo.Place", pgh_obj_id=place.pk).last()
    assert event.pgh_diff == {"blocked": [False, True]}
    assert event.pgh_context["user"] == users["admin"].pk

    # Gone from the gazetteer at once, and never learned again however many incidents name it.
    assert not get_gazetteer().lookup("hassu khel")
    _located("Hassu Khel village", (HASSU_KHEL[0], HASSU_KHEL[1] + 0.01))
    assert learn_places() == {"learned": 0, "incidents": 4, "created": 0, "updated": 0, "retired": 0, "waiting": 0}
    assert Place.objects.filter(origin="desk").count() == 1

    # Unblocked, it is proposed again and the next run brings its support up to date.
    client_for("admin").post(changelist, {"action": "unblock", "_selected_action": [place.pk]})
    assert learn_places()["updated"] == 1
    place.refresh_from_db()
    assert (place.blocked, place.support) == (False, 4)
    assert get_gazetteer().lookup("hassu khel")


def test_a_new_place_sends_the_reports_waiting_for_it_back_to_the_geocoder(areas, django_capture_on_commit_callbacks):
    from incidents.tasks import geocode_incident

    # Logged before anyone knew where Hassu Khel is: the geocoder could not place them.
    waiting = IncidentFactory(place_text="Hassu Khel village. Night raid", location=None, country_code="PK")
    by_hand = IncidentFactory(place_text="Hassu Khel", location=None, location_manual=True)
    elsewhere = IncidentFactory(place_text="Datta Khel town", location=None)
    for incident in (waiting, by_hand, elsewhere):
        geocoding.apply(incident)
        incident.geocode_requested = None
        incident.save()
    assert waiting.district_id is None

    for dx in (0.0, 0.01, -0.01):
        _located("Hassu Khel village. Strike on a compound", (HASSU_KHEL[0] + dx, HASSU_KHEL[1]))
    with django_capture_on_commit_callbacks() as callbacks:
        assert learn_places()["waiting"] == 1
    assert len(callbacks) == 1  # one job queued after the commit; the mark stays for the sweep until it is done
    assert set(Incident.objects.filter(geocode_requested__isnull=False).values_list("pk", flat=True)) == {waiting.pk}

    assert geocode_incident.run(waiting.pk).startswith(f"geocoded {waiting.pk}: ")  # what the worker does
    waiting.refresh_from_db()
    assert waiting.district.name.startswith("North Waziristan")
    assert waiting.geocode_requested is None
    assert learn_places()["waiting"] == 0  # nothing new learned: nothing sent again
