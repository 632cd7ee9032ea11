from django.db import models

__all__ = ["AreaLevel", "GeoPrecision", "MatchMethod", "PlaceOrigin"]


class AreaLevel(models.TextChoices):
    COUNTRY = "country", "Country"
    PROVINCE = "province", "Province"
    DISTRICT = "district", "District"


class GeoPrecision(models.TextChoices):
    """How exactly an incident is placed. Maps to ACLED ``geo_precision`` and UCDP ``where_prec``."""

    EXACT = "exact", "Exact point"  # ACLED 1, UCDP 1
    NEAR = "near", "Near a named place"  # ACLED 2, UCDP 2
    DISTRICT = "district", "District centroid"  # ACLED 2, UCDP 3
    PROVINCE = "province", "Province centroid"  # ACLED 3, UCDP 4
    COUNTRY = "country", "Country"  # UCDP 6
    UNKNOWN = "unknown", "Not yet placed"

    @classmethod
    def ucdp_where_prec(cls, value: str) -> int | None:
        return {"exact": 1, "near": 2, "district": 3, "province": 4, "country": 6}.get(value)

    @classmethod
    def acled_geo_precision(cls, value: str) -> int | None:
        return {"exact": 1, "near": 2, "district": 2, "province": 3, "country": 3}.get(value)


class MatchMethod(models.TextChoices):
    EXACT = "exact", "Exact name"
    ALIAS = "alias", "Alias"
    FUZZY = "fuzzy", "Fuzzy"
    POINT = "point", "Point in polygon"
    MANUAL = "manual", "Set by a person"


class PlaceOrigin(models.TextChoices):
    GEONAMES = "geonames", "GeoNames"
    DESK = "desk", "Learned from the desk's published incidents"
