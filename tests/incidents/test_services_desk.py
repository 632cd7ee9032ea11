"""The desk's own services: finding possible duplicates and merging one incident into another."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError

from incidents import services
from incidents.choices import Status
from incidents.models import Attribution, CasualtyClaim, Incident
from tests.factories import ActorFactory, AreaFactory

DAY = dt.date(2025, 3, 10)


def _incident(author, **data):
    base = {"title": "Untitled event", "kind": "shelling", "start_date": DAY}
    return services.incident_create(author=author, data={**base, **data})


def _found(user, **query):
    return [d.incident for d in services.possible_duplicates(user=user, **{"start_date": DAY, **query})]


# ---- possible_duplicates ----


@pytest.mark.django_db
def test_duplicates_need_the_same_date_give_or_take_a_day(analyst):
    near = Point(70.0, 33.0, srid=4326)
    day_before = _incident(analyst, start_date=DAY - dt.timedelta(days=1), location=near)
    two_days_later = _incident(analyst, start_date=DAY + dt.timedelta(days=2), location=near)
    found = _found(analyst, location=Point(70.01, 33.0, srid=4326))
    assert day_before in found
    assert two_days_later not in found


@pytest.mark.django_db
def test_duplicates_within_25_km_but_not_beyond(analyst):
    # At 33°N one degree of longitude is about 93 km.
    within = _incident(analyst, title="A", location=Point(70.25, 33.0, srid=4326))  # ~23 km
    beyond = _incident(analyst, title="B", location=Point(70.30, 33.0, srid=4326))  # ~28 km
    found = services.possible_duplicates(user=analyst, start_date=DAY, location=Point(70.0, 33.0, srid=4326))
    assert [d.incident for d in found] == [within]
    assert beyond not in [d.incident for d in found]
    assert any(reason.endswith("km away") for reason in found[0].reasons)


@pytest.mark.django_db
def test_duplicates_in_the_same_district(analyst):
    district = AreaFactory(level="district", parent=AreaFactory(level="province", parent=AreaFactory()))
    same = _incident(analyst, title="Somewhere", district=district)
    other = _incident(analyst, title="Elsewhere")
    found = services.possible_duplicates(user=analyst, start_date=DAY, district=district)
    assert [d.incident for d in found] == [same]
    assert other not in [d.incident for d in found]
    assert f"same district ({district.name})" in found[0].reasons


@pytest.mark.django_db
def test_duplicates_by_overlapping_actors(analyst):
    ttp = ActorFactory()
    incident = _incident(analyst, title="Raid on a checkpost")
    services.attribution_add(
        author=analyst, incident=incident, data={"actor": ttp, "role": "perpetrator", "asserted_by": ttp}
    )
    _incident(analyst, title="Unrelated")
    found = services.possible_duplicates(user=analyst, start_date=DAY, actors=[ttp])
    assert [d.incident for d in found] == [incident]
    assert "overlapping actors" in found[0].reasons


@pytest.mark.django_db
def test_duplicates_by_similar_text_in_any_script(analyst):
    pashto = _incident(analyst, title="د پکتیکا په برمل کې هوايي بریدونه")
    english = _incident(analyst, title="Airstrikes on Barmal, Paktika")
    found = _found(analyst, title="Pakistani airstrike in Barmal", place_text="Paktika")
    assert found == [english]
    assert _found(analyst, title="برمل پکتیکا") == [pashto]


@pytest.mark.django_db
def test_duplicates_leave_out_merged_retracted_and_invisible_incidents(analyst, editor):
    near = Point(70.0, 33.0, srid=4326)
    merged = _incident(analyst, location=near)
    survivor = _incident(analyst, location=near, title="Survivor")
    services.incident_merge(incident=merged, into=survivor, author=analyst)
    retracted = _incident(analyst, location=near)
    services.incident_retract(incident=retracted, editor=editor, reason="Wrong.")
    restricted = _incident(editor, location=near, sensitivity="restricted")
    found = _found(analyst, location=near)
    assert found == [survivor]
    assert restricted in _found(editor, location=near)


@pytest.mark.django_db
def test_an_incident_is_not_its_own_duplicate(analyst):
    incident = _incident(analyst, location=Point(70.0, 33.0, srid=4326))
    assert _found(analyst, location=incident.location, exclude=incident) == []


def test_text_similarity_ignores_common_words():
    assert services.text_similar("Airstrikes in Barmal district, Paktika", "Airstrike hits Barmal, Paktika")
    assert not services.text_similar("Attack in Bannu district", "Attack in Khyber district")
    assert not services.text_similar("", "Barmal")


# ---- incident_merge ----


@pytest.fixture
def pair(analyst):
    """Two records of one event, each with its own source, claims (one revised) and attributions."""
    source_a = services.source_add(author=analyst, data={"publisher": "Dawn", "content": "A"})
    source_b = services.source_add(author=analyst, data={"publisher": "Tolo", "content": "B"})
    survivor = _incident(analyst, title="Strikes in Barmal")
    survivor.sources.add(source_a)
    duplicate = _incident(analyst, title="Barmal strikes")
    duplicate.sources.add(source_b)
    ispr, mofa, ttp = ActorFactory(), ActorFactory(), ActorFactory()
    services.claim_add(
        author=analyst, incident=survivor,
        data={"claimant": ispr, "source": source_a, "claimed_on": DAY, "killed_min": 20, "killed_max": 20},
    )  # fmt: skip
    first = services.claim_add(
        author=analyst, incident=duplicate,
        data={"claimant": mofa, "source": source_b, "claimed_on": DAY, "civilians_min": 5, "killed_min": 30},
    )  # fmt: skip
    services.claim_supersede(
        author=analyst, claim=first,
        data={"source": source_b, "claimed_on": DAY + dt.timedelta(days=1), "civilians_min": 9, "killed_min": 40},
    )  # fmt: skip
    for incident in (survivor, duplicate):  # the same attribution on both: kept once
        services.attribution_add(
            author=analyst, incident=incident, data={"actor": ttp, "role": "target", "asserted_by": ispr}
        )
    services.attribution_add(
        author=analyst, incident=duplicate, data={"actor": ispr, "role": "perpetrator", "asserted_by": mofa}
    )
    return survivor, duplicate, (source_a, source_b)


@pytest.mark.django_db
def test_merge_keeps_both_records_claims_and_sources(analyst, pair):
    survivor, duplicate, sources = pair
    result = services.incident_merge(incident=duplicate, into=survivor, author=analyst)

    assert result == survivor
    assert set(survivor.sources.all()) == set(sources)
    claims = CasualtyClaim.objects.filter(incident=survivor)
    assert claims.count() == 3
    revised = claims.get(civilians_min=9)
    assert revised.supersedes == claims.get(civilians_min=5)  # the chain survives the copy
    assert list(claims.live().values_list("killed_min", flat=True).order_by("killed_min")) == [20, 40]
    assert CasualtyClaim.objects.filter(incident=duplicate).count() == 2  # the duplicate's own rows stay
    assert Attribution.objects.filter(incident=survivor).count() == 2
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor
    assert duplicate.version == 2
    # 20 killed against at least 40: the survivor is now contested.
    survivor.refresh_from_db()
    assert survivor.contested


@pytest.mark.django_db
def test_merge_refuses_self_twice_and_chains(analyst, pair):
    survivor, duplicate, _ = pair
    with pytest.raises(ValidationError, match="into itself"):
        services.incident_merge(incident=survivor, into=survivor, author=analyst)
    services.incident_merge(incident=duplicate, into=survivor, author=analyst)
    with pytest.raises(ValidationError, match="already merged"):
        services.incident_merge(incident=duplicate, into=survivor, author=analyst)
    third = _incident(analyst)
    with pytest.raises(ValidationError, match="merge into that"):
        services.incident_merge(incident=third, into=duplicate, author=analyst)
    assert CasualtyClaim.objects.filter(incident=survivor).count() == 3


@pytest.mark.django_db
def test_only_editors_merge_a_published_incident(analyst, editor, pair):
    survivor, duplicate, _ = pair
    services.incident_publish(incident=duplicate, editor=editor)
    with pytest.raises(PermissionDenied):
        services.incident_merge(incident=duplicate, into=survivor, author=analyst)
    assert CasualtyClaim.objects.filter(incident=survivor).count() == 1  # nothing partial
    services.incident_merge(incident=duplicate, into=survivor, author=editor)
    merged = Incident.objects.get(pk=duplicate.pk)
    assert merged.merged_into == survivor
    # Partners must not go on reading the duplicate: a published one is retracted by the merge.
    assert merged.status == Status.RETRACTED
    assert not Incident.objects.published().filter(pk=duplicate.pk).exists()
    assert not Incident.objects.live().filter(pk=duplicate.pk).exists()
