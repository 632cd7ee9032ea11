"""Points in, checked before any geometry library sees them: WGS 84 only, two finite coordinates within range.

GEOS and GDAL accept any SRID and transform before anything checks bounds: ``SRID=3857;POINT(1e30 1e30)`` held a
worker for minutes inside the transform, ``POINT(NaN NaN)`` and ``{"coordinates": ["a", 1]}`` crashed. Every point
a person sends (the desk's map widget, typed coordinates, the API's longitude/latitude, the admin) goes through
``coordinate()`` / ``parse_point()`` here, and only a checked point is handed to GEOS.
"""

import json
import math
import re
from decimal import Decimal

from django.contrib.gis import forms
from django.contrib.gis.db import models
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from leaflet.admin import LeafletAdminWidget
from leaflet.forms.widgets import LeafletWidget

__all__ = [
    "AdminPointWidget", "PointField", "PointFormField", "PointWidget", "coordinate", "parse_point", "wgs84_point",
]  # fmt: skip

SRID = 4326
LIMITS = {"longitude": 180, "latitude": 90}
MAX_POINT_TEXT = 1000  # a point is a few dozen characters; anything longer is not one

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_WKT = re.compile(rf"^\s*(?:SRID=(?P<srid>\d+)\s*;\s*)?POINT\s*\(\s*(?P<x>{_NUMBER})\s+(?P<y>{_NUMBER})\s*\)\s*$", re.I)


def coordinate(value, name: str) -> float:
    """``value`` as degrees of longitude or latitude (``name``): a finite number within ±180 / ±90.

    Raises a ValidationError whose message names the coordinate.
    """
    limit, label = LIMITS[name], name.capitalize()
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValidationError(f"{label} must be a decimal number of degrees, like 32.7015.", code="invalid")
    if isinstance(value, str) and (len(value) > 64 or not re.fullmatch(rf"\s*{_NUMBER}\s*", value)):
        raise ValidationError(f"{label} must be a decimal number of degrees, like 32.7015.", code="invalid")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        number = math.inf
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise ValidationError(f"{label} must be between -{limit} and {limit}.", code="out_of_range")
    return number


def wgs84_point(longitude, latitude) -> Point:
    """A WGS 84 point from two coordinates, each checked by ``coordinate()``; errors are keyed by coordinate."""
    errors, values = {}, {}
    for name, value in (("longitude", longitude), ("latitude", latitude)):
        try:
            values[name] = coordinate(value, name)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return Point(values["longitude"], values["latitude"], srid=SRID)


def _reject_constant(name):
    raise ValueError(f"{name} is not a number")


def parse_point(value) -> Point:
    """A WGS 84 point from GeoJSON text (what the map widget sends), WKT/EWKT text, or a GEOS point.

    Only SRID 4326 (or none, meaning 4326) is accepted: nothing is ever transformed. Raises a ValidationError with
    one message (the caller's field carries it) for anything else: another geometry type or SRID, a third
    coordinate, a non-number, NaN, infinity, a coordinate out of range.
    """
    if isinstance(value, Point):
        if value.srid not in (None, SRID):
            raise ValidationError(f"Send the point in WGS 84 (SRID {SRID}), not SRID {value.srid}.", code="srid")
        x, y = value.x, value.y
        if value.hasz:
            raise ValidationError("A point has two coordinates: longitude and latitude.", code="invalid")
    elif isinstance(value, str) and len(value) <= MAX_POINT_TEXT:
        x, y = _point_text(value)
    else:
        raise ValidationError("Send a point as GeoJSON or WKT, e.g. POINT(69.15 32.70).", code="invalid")
    try:
        return wgs84_point(x, y)
    except ValidationError as error:
        raise ValidationError([m for messages in error.message_dict.values() for m in messages]) from error


def _point_text(text: str) -> tuple:
    """The two coordinates of a GeoJSON or (E)WKT point, unchecked."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except ValueError as error:
            raise ValidationError("The point is not valid GeoJSON.", code="invalid") from error
        if not isinstance(data, dict) or data.get("type") != "Point":
            raise ValidationError("Send a GeoJSON Point.", code="invalid_geom_type")
        if "crs" in data:
            raise ValidationError(f"Send the point in WGS 84 (SRID {SRID}), without a crs.", code="srid")
        coordinates = data.get("coordinates")
        if not isinstance(coordinates, list) or len(coordinates) != 2:
            raise ValidationError("A point has two coordinates: longitude and latitude.", code="invalid")
        if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates):
            raise ValidationError("The point's coordinates must be numbers of degrees.", code="invalid")
        return coordinates[0], coordinates[1]
    match = _WKT.match(text)
    if match is None:
        raise ValidationError("Send a point as GeoJSON or WKT, e.g. POINT(69.15 32.70).", code="invalid")
    if match["srid"] is not None and int(match["srid"]) != SRID:
        raise ValidationError(f"Send the point in WGS 84 (SRID {SRID}), not SRID {match['srid']}.", code="srid")
    return match["x"], match["y"]


class ParsedPointWidgetMixin:
    """For map widgets: a refused value is re-rendered through ``parse_point`` (GeoDjango's widget would parse it,
    and transform it, with GEOS and GDAL again)."""

    def deserialize(self, value):
        try:
            return parse_point(value)
        except ValidationError:
            return None


class PointWidget(ParsedPointWidgetMixin, LeafletWidget):
    """The desk's Leaflet map widget for a point."""


class AdminPointWidget(ParsedPointWidgetMixin, LeafletAdminWidget):
    """The admin's Leaflet map widget for a point (``widget`` of a ``LeafletGeoAdmin``)."""


class PointFormField(forms.PointField):
    """A point from the map widget, the admin or a typed EWKT, accepted only as a checked WGS 84 point."""

    widget = PointWidget

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_point(value)


class PointField(models.PointField):
    """A WGS 84 point column whose form field (desk, admin) refuses anything but a checked WGS 84 point."""

    form_class = PointFormField
