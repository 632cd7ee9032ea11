"""The gazetteer: areas, their names, populated places. Reference data; it knows no incident."""

import pghistory
from django.contrib.gis.db import models
from django.db.models.functions import Lower

from core.models import InputRulesMixin, TimeStampedModel
from geo.choices import AreaLevel, PlaceOrigin

__all__ = ["Area", "AreaName", "Place"]


class AreaQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Areas are reference data: whoever may read the API at all reads every area."""
        return self

    def valid_on(self, day):
        """Areas that existed on ``day`` (FATA agencies before 2018, KP districts after)."""
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day),
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day),
        )

    def containing(self, point):
        return self.filter(boundary__covers=point)


@pghistory.track(exclude=["boundary"])
class Area(TimeStampedModel):
    """A country, province or district. Boundary where a file was loaded; a centroid always."""

    level = models.CharField(max_length=16, choices=AreaLevel.choices)
    name = models.CharField(max_length=200)
    code = models.CharField(
        max_length=32, unique=True, help_text="Stable code: ISO 3166-1/-2 where one exists, else a P-code or ours."
    )
    pcode = models.CharField(max_length=32, blank=True, help_text="P-code from the boundary file, when it has one.")
    country_code = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2.")
    parent = models.ForeignKey(to="geo.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    boundary = models.MultiPolygonField(srid=4326, null=True, blank=True)
    centroid = models.PointField(srid=4326)
    valid_from = models.DateField(null=True, blank=True, help_text="First day this area existed; blank if always.")
    valid_to = models.DateField(null=True, blank=True, help_text="Last day this area existed; blank if current.")
    source = models.CharField(max_length=100, blank=True, help_text="Boundary file this area came from.")
    successor = models.ForeignKey(
        to="geo.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="predecessors",
        help_text="The area that took this one's place when it ceased to exist (a FATA agency → its KP district).",
    )  # fmt: skip
    carved_from = models.ForeignKey(
        to="geo.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="carved_out",
        help_text="The area this one was split off from: before valid_from its ground lay there "
                  "(Hattian → Muzaffarabad as it was before 2009).",
    )  # fmt: skip

    objects = AreaQuerySet.as_manager()
    future_dates = ("valid_from", "valid_to")  # a boundary change may be decided before it takes effect

    class Meta:
        ordering = ("country_code", "level", "name")
        indexes = [models.Index(fields=["level", "country_code"], name="geo_area_level_country")]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__in=AreaLevel.values), name="geo_area_level_valid"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="geo_area_validity_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(level=AreaLevel.COUNTRY) | models.Q(parent__isnull=False),
                name="geo_area_parent_required_below_country",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def province(self):
        return self.parent if self.level == AreaLevel.DISTRICT else self if self.level == AreaLevel.PROVINCE else None


class AreaName(InputRulesMixin, models.Model):
    """Another name of an area: spelling, transliteration or script (Paktika / Paktīkā / پکتیکا)."""

    area = models.ForeignKey(to="geo.Area", on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=3, blank=True)
    source = models.CharField(max_length=100, blank=True, help_text="Where this name comes from.")

    class Meta:
        ordering = ("area", "name")
        constraints = [models.UniqueConstraint(Lower("name"), "area", name="geo_areaname_unique_per_area")]

    def __str__(self):
        return self.name


@pghistory.track()
class Place(InputRulesMixin, models.Model):
    """A populated place (town, village, valley): from a GeoNames extract, placed in its district at import, or
    learned from the desk's published incidents with real points (``geo.learning``)."""

    name = models.CharField(max_length=200)
    alternate_names = models.JSONField(default=list, blank=True)
    point = models.PointField(srid=4326)
    country_code = models.CharField(max_length=2)
    district = models.ForeignKey(to="geo.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="places")
    population = models.PositiveIntegerField(default=0)
    geonames_id = models.PositiveIntegerField(unique=True, null=True, blank=True)
    origin = models.CharField(max_length=16, choices=PlaceOrigin.choices, default=PlaceOrigin.GEONAMES)
    support = models.PositiveIntegerField(
        default=0, help_text="Learned places: published incidents it was learned from (0: retired, not proposed)."
    )
    blocked = models.BooleanField(
        default=False,
        help_text="A learned name an admin found wrong (no place, or the wrong district): never proposed again, "
        "and never learned again however many incidents name it.",
    )

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(condition=models.Q(origin__in=PlaceOrigin.values), name="geo_place_origin_valid"),
            models.CheckConstraint(
                condition=models.Q(origin=PlaceOrigin.GEONAMES, geonames_id__isnull=False)
                | models.Q(origin=PlaceOrigin.DESK, geonames_id__isnull=True),
                name="geo_place_origin_matches_geonames_id",
            ),
        ]

    def __str__(self):
        return self.name
