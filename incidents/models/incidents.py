import pghistory
import pgtrigger
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When

from core.models import AuthoredModel
from core.points import PointField
from geo.choices import GeoPrecision
from incidents.choices import KIND_CATEGORY, Category, DatePrecision, IncidentKind, Sensitivity, Status
from incidents.querysets import IncidentQuerySet

__all__ = ["Incident"]

_CATEGORY_EXPRESSION = Case(
    *[
        When(kind__in=[kind for kind, cat in KIND_CATEGORY.items() if cat == category], then=Value(category.value))
        for category in Category
    ],
    default=Value(Category.OTHER.value),
)


def _inside_known_area(point) -> bool:
    """True when a loaded province boundary covers the point (or when no boundary is loaded yet)."""
    from geo.choices import AreaLevel
    from geo.models import Area

    provinces = Area.objects.filter(level=AreaLevel.PROVINCE, boundary__isnull=False)
    return provinces.filter(boundary__covers=point).exists() or not provinces.exists()


@pghistory.track(exclude=["updated", "version"])
class Incident(AuthoredModel):
    """One violent event in space and time. Never deleted: retracted (or merged) instead."""

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=32, choices=IncidentKind.choices)
    # Derived from kind by the database itself, so summaries and filters can group on it.
    category = models.GeneratedField(
        expression=_CATEGORY_EXPRESSION, output_field=models.CharField(max_length=16), db_persist=True
    )

    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Blank for a single-day event.")
    date_precision = models.CharField(max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY)

    location = PointField(srid=4326, null=True, blank=True, help_text="Longitude/latitude, WGS 84.")
    place_text = models.CharField(
        max_length=300, blank=True, help_text='The place as reported: "Barmal district, Paktika".'
    )
    district = models.ForeignKey(
        to="geo.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="district_incidents"
    )
    province = models.ForeignKey(
        to="geo.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="province_incidents"
    )
    country_code = models.CharField(max_length=2, blank=True, help_text="Where it happened (ISO 3166-1 alpha-2).")
    origin_country_code = models.CharField(
        max_length=2, blank=True, help_text="For cross-border action: the country it came from."
    )
    geo_precision = models.CharField(max_length=16, choices=GeoPrecision.choices, default=GeoPrecision.UNKNOWN)
    location_manual = models.BooleanField(
        default=False, help_text="A person set the point or the area: the geocoder never overwrites it."
    )
    text_district_elsewhere = models.ForeignKey(
        to="geo.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Set by the geocoder: the district the incident's own text names, when it lies over 25 km "
        "(beyond the point's precision) from the point. One of the two is wrong; a person checks which.",
    )  # fmt: skip

    sensitivity = models.CharField(max_length=16, choices=Sensitivity.choices, default=Sensitivity.PUBLIC)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    status_note = models.TextField(blank=True, help_text="Why it was sent back or retracted.")
    internal_notes = models.TextField(blank=True, help_text="Desk only: never shown to partners.")
    contested = models.BooleanField(
        default=False,
        help_text="Set automatically when two live claims citing public sources cannot both be true: the flag "
        "analysts, partners and public summaries read, computed only from claims they may see.",
    )
    contested_all = models.BooleanField(
        default=False,
        help_text="The same, counting claims that cite restricted sources too: for editors only.",
    )
    merged_into = models.ForeignKey(
        to="incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="merged"
    )
    sources = models.ManyToManyField(to="incidents.Source", blank=True, related_name="incidents")
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="When it was last sent for review.")
    published_at = models.DateTimeField(null=True, blank=True)

    # Optimistic locking: a save carrying an older version is refused.
    version = models.PositiveIntegerField(default=1)
    # Set by services, cleared by the geocoding task; read by the requeue sweep.
    geocode_requested = models.DateTimeField(null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ("-start_date", "-id")
        permissions = [
            ("view_restricted", "Can see restricted incidents, sources and fields"),
            ("publish_incident", "Can publish, send back and retract incidents"),
            ("api_read_published", "Can read published public incidents through the API"),
        ]
        indexes = [
            models.Index(fields=["-start_date", "-id"], name="incidents_newest_first"),
            models.Index(fields=["status", "sensitivity", "-start_date"], name="incidents_status_date"),
            models.Index(fields=["kind", "-start_date"], name="incidents_kind_date"),
            models.Index(fields=["district", "-start_date"], name="incidents_district_date"),
            models.Index(fields=["province", "-start_date"], name="incidents_province_date"),
            # Rows still waiting for the geocoder; read by the requeue sweep.
            models.Index(
                fields=["geocode_requested"],
                name="incidents_geocode_pending",
                condition=models.Q(geocode_requested__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=IncidentKind.values), name="incidents_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(date_precision__in=DatePrecision.values), name="incidents_date_precision_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(geo_precision__in=GeoPrecision.values), name="incidents_geo_precision_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(sensitivity__in=Sensitivity.values), name="incidents_sensitivity_valid"
            ),
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="incidents_status_valid"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="incidents_dates_ordered",
                violation_error_message="The end date is before the start date.",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")), name="incidents_not_merged_into_self"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Status.PUBLISHED) | models.Q(published_at__isnull=False),
                name="incidents_published_has_timestamp",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="incidents_never_deleted", operation=pgtrigger.Delete),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date is before the start date."
        if self.location is not None and not (-180 <= self.location.x <= 180 and -90 <= self.location.y <= 90):
            errors["location"] = "Longitude must be within ±180 and latitude within ±90."
        elif self.location is not None and not _inside_known_area(self.location):
            errors["location"] = (
                f"The point ({self.location.y:.5f}, {self.location.x:.5f}) lies outside every area in the gazetteer: "
                "check that latitude and longitude are not swapped."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def category_label(self) -> str:
        return Category(self.category).label if self.category else ""

    @property
    def live_claims(self):
        """Among the loaded claims (the reader's, if prefetched through ``visible_to``), those none of them revises."""
        from incidents.models.claims import link_revisions

        return [claim for claim in link_revisions(self.claims.all()) if claim.superseding is None]

    @property
    def current_assessment(self):
        return max(self.assessments.all(), key=lambda a: (a.decided_at, a.pk), default=None)
