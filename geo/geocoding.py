"""Placing an incident: reverse geocoding of its point, then the places its text names.

Writes only the fields the geocoder owns; never overwrites a location a person set by hand.
"""

from geo.choices import AreaLevel, GeoPrecision, MatchMethod, MentionStatus
from geo.models import Area, Mention

__all__ = ["apply", "reverse"]


def reverse(point, day=None) -> tuple[Area | None, Area | None]:
    """The (district, province) containing ``point`` on ``day``."""
    areas = Area.objects.containing(point).filter(level__in=[AreaLevel.DISTRICT, AreaLevel.PROVINCE])
    if day is not None:
        areas = areas.valid_on(day)
    by_level = {}
    for area in areas.select_related("parent"):
        by_level.setdefault(area.level, area)
    district = by_level.get(AreaLevel.DISTRICT)
    province = by_level.get(AreaLevel.PROVINCE) or (district.parent if district else None)
    return district, province


def apply(incident) -> list[str]:
    """Fill district, province and precision from the point; returns the fields it changed."""
    if incident.location_manual and incident.district_id:
        return []
    changed = []
    if incident.location is not None:
        district, province = reverse(incident.location, incident.start_date)
        if district or province:
            incident.district, incident.province = district, province
            if incident.geo_precision == GeoPrecision.UNKNOWN:
                incident.geo_precision = GeoPrecision.EXACT if incident.location_manual else GeoPrecision.DISTRICT
            changed = ["district", "province", "geo_precision"]
            area = district or province
            Mention.objects.get_or_create(
                incident=incident, field="location", start=0, end=1, area=area,
                defaults={"text": f"{incident.location.y:.5f}, {incident.location.x:.5f}",
                          "method": MatchMethod.POINT, "score": 1.0, "status": MentionStatus.SUGGESTED},
            )  # fmt: skip
    return changed
