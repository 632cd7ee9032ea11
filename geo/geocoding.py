"""The geocoder over the current gazetteer, and reverse geocoding by PostGIS: functions over names and points.

Placing an *incident* with them (its mentions, the worker's job) is ``incidents.geocoding``'s work.
"""

from __future__ import annotations

from geo.choices import AreaLevel
from geo.gazetteer import get_gazetteer
from geo.geocoder import Geocoder
from geo.models import Area

__all__ = ["get_geocoder", "reverse"]

_geocoders: dict[int, Geocoder] = {}


def get_geocoder() -> Geocoder:
    """The process's geocoder over the current gazetteer (rebuilt only when the gazetteer reloads)."""
    gazetteer = get_gazetteer()
    key = id(gazetteer)
    if key not in _geocoders:
        _geocoders.clear()
        _geocoders[key] = Geocoder(gazetteer)
    return _geocoders[key]


def reverse(point, day=None) -> tuple[Area | None, Area | None]:
    """The (district, province) containing ``point`` on ``day``, by PostGIS (the in-memory path is
    ``Gazetteer.reverse``; the benchmark compares the two)."""
    districts = Area.objects.containing(point).filter(level=AreaLevel.DISTRICT)
    districts = districts.valid_on(day) if day is not None else districts.filter(valid_to__isnull=True)
    district = districts.select_related("parent").order_by("id").first()
    if district is not None:
        return district, district.parent
    provinces = Area.objects.containing(point).filter(level=AreaLevel.PROVINCE)
    provinces = provinces.valid_on(day) if day is not None else provinces.filter(valid_to__isnull=True)
    return None, provinces.order_by("id").first()
