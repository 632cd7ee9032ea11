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
