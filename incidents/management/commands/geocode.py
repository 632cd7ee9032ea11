"""``manage.py geocode``: the desk's check of the gazetteer, through the worker's own code path.

Reads JSON lines on stdin — ``{"text": "...", "date": "2024-12-24"}`` or ``{"lat": .., "lon": ..}``
(both may be given; ``"country": "PK"`` says where it happened, as the incident's country does) — and
prints one JSON line per input line: ``province`` and ``district`` (each
``{"name", "code"}`` or null), ``precision`` and ``mentions``. A malformed line prints
``{"line": n, "error": "..."}`` and the rest are still processed.
"""

import datetime as dt
import json
import sys

from django.contrib.gis.geos import Point
from django.core.management.base import BaseCommand

from geo.geocoding import get_geocoder
from incidents import geocoding
from incidents.models import Incident


class InputError(ValueError):
    pass


def _incident_from(data) -> Incident:
    if not isinstance(data, dict):
        raise InputError("expected a JSON object")
    text = data.get("text", "")
    if not isinstance(text, str):
        raise InputError("'text' must be a string")
    day = None
    if data.get("date") not in (None, ""):
        try:
            day = dt.date.fromisoformat(str(data["date"]))
        except ValueError as exc:
            raise InputError(f"'date' is not YYYY-MM-DD: {data['date']!r}") from exc
    location = None
    if "lat" in data or "lon" in data:
        try:
            lat, lon = float(data["lat"]), float(data["lon"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError("'lat' and 'lon' must both be numbers") from exc
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError("'lat' must be within ±90 and 'lon' within ±180")
        location = Point(lon, lat, srid=4326)
    if not text.strip() and location is None:
        raise InputError("give 'text' or 'lat'/'lon'")
    country = data.get("country") or ""
    if not isinstance(country, str) or (country and not (len(country) == 2 and country.isalpha())):
        raise InputError(f"'country' must be an ISO 3166-1 alpha-2 code: {country!r}")
    # An unsaved incident: the same apply() the worker runs, without storing mentions.
    return Incident(place_text=text, start_date=day, location=location, location_manual=location is not None,
                    country_code=country.upper())  # fmt: skip


def _area(gaz, area_id):
    area = gaz.area(area_id)
    return {"name": area.name, "code": area.code} if area else None


class Command(BaseCommand):
    stealth_options = ("stdin",)
    help = "Geocode JSON lines from stdin ({'text', 'date', 'country'} or {'lat', 'lon'}); one JSON line out per line."

    def handle(self, *args, **options):
        stdin = options.get("stdin") or sys.stdin
        gaz = get_geocoder().gaz
        done = failed = 0
        for number, line in enumerate(stdin, start=1):
            if not line.strip():
                continue
            try:
                incident = _incident_from(json.loads(line))
            except (json.JSONDecodeError, InputError) as exc:
                self.stdout.write(json.dumps({"line": number, "error": str(exc)}, ensure_ascii=False))
                failed += 1
                continue
            geocoding.apply(incident, store_mentions=False)
            result = incident.geocode_result
            self.stdout.write(json.dumps({
                "line": number,
                "province": _area(gaz, incident.province_id),
                "district": _area(gaz, incident.district_id),
                "precision": incident.geo_precision,
                "text_district_elsewhere": _area(gaz, incident.text_district_elsewhere_id),
                "mentions": [
                    {"text": m.text, "start": m.start, "end": m.end, "level": m.level, "method": m.method,
                     "score": m.score, "area": _area(gaz, m.area_id),
                     "place": gaz.places[m.place_id].name if m.place_id else None}
                    for m in result.mentions
                ],
            }, ensure_ascii=False))  # fmt: skip
            done += 1
        self.stderr.write(f"geocoded {done} lines, {failed} malformed")
