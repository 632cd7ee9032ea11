"""Placing an incident: its point (reverse geocoding) and the places its texts name, through ``geo``'s geocoder.

``apply(incident)`` is what the worker (``incidents.tasks.geocode_incident``) and ``manage.py geocode`` run.
Guarantees:
- it never overwrites a location a person set by hand (``location_manual``): the point, district and
  province stay; a hand-set point with no district yet only gets the district containing it;
- the incident's country (``country_code``) is where it happened: names elsewhere stay mentions but never
  place it; when blank, the country the text or point gives is filled and read the same way from then on;
- it fills a point (the centroid of what the text names) only when the incident has none, or when
  the point it has is one the geocoder itself filled earlier;
- mentions are stored idempotently: run twice, the same rows; confirmed and rejected mentions are
  kept, and a rejected suggestion is never proposed again for that incident;
- a point whose own text names a district far from it (beyond its precision, plus 25 km) keeps placing
  the incident, and the named district is kept in ``text_district_elsewhere`` for a person to check;
- it mutates the incident in memory and returns the changed field names; the caller saves them.
"""

from __future__ import annotations

from django.contrib.gis.geos import Point

from geo.choices import GeoPrecision, MatchMethod
from geo.geocoder import POINT_KM, Geocoder, Result
from geo.geocoding import get_geocoder
from incidents.choices import MentionStatus
from incidents.models import Mention

__all__ = ["apply", "rejected_targets"]

TEXT_FIELDS = ("place_text", "title", "description")


def rejected_targets(incident) -> frozenset:
    """What a person rejected for this incident: ("place", id) or ("area", id); never proposed again."""
    if incident.pk is None:
        return frozenset()
    rows = Mention.objects.filter(incident_id=incident.pk, status=MentionStatus.REJECTED).values_list(
        "area_id", "place_id"
    )
    return frozenset(("place", place) if place else ("area", area) for area, place in rows)


def _is_geocoder_point(incident, geocoder: Geocoder) -> bool:
    """True when the incident's point is a centroid the geocoder itself filled (so it may be recomputed).

    It must be the point of an area or place one of the incident's own text mentions resolved to: an
    imported point that merely coincides with a GeoNames coordinate is not ours.
    """
    location = incident.location
    if location is None or incident.location_manual or incident.pk is None:
        return False
    gaz = geocoder.gaz
    here = (location.x, location.y)
    rows = Mention.objects.filter(incident_id=incident.pk, field__in=TEXT_FIELDS).values_list("area_id", "place_id")
    for area_id, place_id in rows:
        place = gaz.places.get(place_id) if place_id else None
        if place is not None and (place.x, place.y) == here:
            return True
        area = gaz.area(area_id)
        while area is not None:
            if (area.x, area.y) == here:
                return True
            area = gaz.area(area.parent_id)
    return False


def apply(incident, *, store_mentions: bool = True) -> list[str]:
    """Geocode ``incident`` in memory; store its mentions; return the Incident fields it changed.

    The result is also left on ``incident.geocode_result`` for callers that print it.
    """
    geocoder = get_geocoder()
    texts = {name: getattr(incident, name, "") or "" for name in TEXT_FIELDS}
    location = incident.location
    real_point = location is not None and not _is_geocoder_point(incident, geocoder)
    # A point a person placed is where they put it; an imported one is as uncertain as its geo precision says.
    point_km = POINT_KM.get(incident.geo_precision, 0.0) if real_point and not incident.location_manual else 0.0
    call = {"day": incident.start_date, "point": (location.x, location.y) if real_point else None,
            "exclude": rejected_targets(incident), "point_km": point_km}  # fmt: skip
    country = incident.country_code or None
    result = geocoder.geocode(texts, country=country, **call)
    if country is None and result.country_code:
        # The country is filled below and read as stated on every later run: read the names inside it now
        # too, so that a second run gives exactly this result.
        result = geocoder.geocode(texts, country=result.country_code, **call)
    incident.geocode_result = result
    if store_mentions and incident.pk is not None:
        _store_mentions(incident, result, location if real_point else None)

    before = _snapshot(incident)
    # A point and its own text that disagree by far more than the point's precision: flagged, never resolved here.
    incident.text_district_elsewhere_id = result.text_district_id if result.from_point else None
    if incident.location_manual and (incident.district_id or incident.province_id or not real_point):
        return _changed(before, incident)  # a person placed it: never overwrite

    gaz = geocoder.gaz
    district = gaz.area(result.district_id)
    province = gaz.area(result.province_id)
    incident.district_id = district.id if district else None
    incident.province_id = province.id if province else None
    if result.from_point:
        if incident.geo_precision in (GeoPrecision.UNKNOWN, GeoPrecision.DISTRICT, GeoPrecision.PROVINCE,
                                      GeoPrecision.COUNTRY) and incident.location_manual:  # fmt: skip
            incident.geo_precision = GeoPrecision.EXACT
        elif incident.geo_precision == GeoPrecision.UNKNOWN:
            # A point from an import that said nothing of its precision: near, not exact.
            incident.geo_precision = GeoPrecision.NEAR
    else:
        incident.geo_precision = result.precision if result.precision != "unknown" else GeoPrecision.UNKNOWN
        if not real_point:
            # Fill a centroid only where no real point exists (ours from an earlier run may be replaced).
            incident.location = Point(*result.point, srid=4326) if result.point else None
    if not incident.country_code and result.country_code:
        incident.country_code = result.country_code
    return _changed(before, incident)


def _changed(before: dict, incident) -> list[str]:
    after = _snapshot(incident)
    return [name for name in before if before[name] != after[name]]


def _snapshot(incident) -> dict:
    location = incident.location
    return {
        "text_district_elsewhere": incident.text_district_elsewhere_id,
        "district": incident.district_id,
        "province": incident.province_id,
        "geo_precision": incident.geo_precision,
        "location": (location.x, location.y) if location is not None else None,
        "country_code": incident.country_code,
    }


def _store_mentions(incident, result: Result, point) -> None:
    """Make the incident's suggested mentions equal to this result's; leave confirmed/rejected ones alone."""
    desired = {}
    for found in result.mentions:
        if found.area_id is None and found.place_id is None:
            continue
        key = (found.field, found.start, found.end, found.area_id, found.place_id)
        desired[key] = {"text": found.text, "method": found.method, "score": found.score}
    if point is not None and result.from_point and (result.district_id or result.province_id):
        key = ("location", 0, 1, result.district_id or result.province_id, None)
        desired[key] = {"text": f"{point.y:.5f}, {point.x:.5f}", "method": MatchMethod.POINT, "score": 1.0}

    existing = list(Mention.objects.filter(incident_id=incident.pk))
    taken = {(m.field, m.start, m.end, m.area_id) for m in existing if m.status != MentionStatus.SUGGESTED}
    stale = []
    for mention in existing:
        if mention.status != MentionStatus.SUGGESTED:
            continue
        key = (mention.field, mention.start, mention.end, mention.area_id, mention.place_id)
        values = desired.pop(key, None)
        if values is None:
            stale.append(mention.pk)
        elif any(getattr(mention, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(mention, k, v)
            mention.save(update_fields=[*values, "updated"])
    if stale:
        Mention.objects.filter(pk__in=stale).delete()
    Mention.objects.bulk_create(
        [
            Mention(incident_id=incident.pk, field=f, start=s, end=e, area_id=a, place_id=p, **values)
            for (f, s, e, a, p), values in desired.items()
            if (f, s, e, a) not in taken
        ]
    )
