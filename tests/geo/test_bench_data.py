from django.conf import settings

from bench.geocoder import load_afghanistan, load_pakistan


def test_ucdp_pakistan_loads_every_event_without_the_hxl_row():
    events = load_pakistan(settings.SHARED_DATA_DIR)
    assert len(events) == 6416
    assert not any(e["adm_1"].startswith("#") for e in events)
    assert any("\n" in e["text"] for e in events)  # multi-line quoted fields stay one event
    assert all(-90 <= e["point"][1] <= 90 for e in events)


def test_ucdp_afghan_subset_loads_its_points():
    events = load_afghanistan(settings.SHARED_DATA_DIR)
    assert len(events) == 310
    assert sum(1 for e in events if not e["adm_2"]) == 43


def test_every_named_ucdp_admin_area_maps_to_an_area_of_its_own_country(areas):
    from bench.geocoder import _truth
    from geo.geocoding import get_geocoder
    from geo.models import Area

    geocoder = get_geocoder()
    events = load_pakistan(settings.SHARED_DATA_DIR)
    _truth(geocoder, events)
    assert not [e["adm_1"] for e in events if e["adm_1"] and e["truth_province"] is None]
    assert not [e["adm_2"] for e in events if e["adm_2"] and e["truth_district"] is None]
    countries = {geocoder.gaz.areas[e["truth_district"]].country_code for e in events if e["truth_district"]}
    assert countries == {"PK"}
    kohistan = next(e for e in events if e["adm_2"] == "Kohistan district")
    assert Area.objects.get(pk=kohistan["truth_district"]).code == "PK212"
    # adm_2 is read inside adm_1: every judged district lies in the judged province.
    assert all(
        geocoder.gaz.province_of(e["truth_district"]) == e["truth_province"]
        for e in events
        if e["truth_district"] and e["truth_province"]
    )
