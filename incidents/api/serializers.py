"""Incidents as plain JSON (longitude/latitude), with every visible claim, attribution and assessment nested.

Reading: one serializer per model, related records brief. What a row holds was already cut down to what the
user may see by ``IncidentQuerySet.for_api(user)``; the serializers drop the desk-only fields for anyone
else. Writing: small input serializers validate the shape, then ``incidents.services`` does the write.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from actors.api.serializers import ActorBriefSerializer
from actors.models import Actor
from core.api import (
    BaseSerializer,
    CoordinateField,
    DetailUrlField,
    KnownFieldsMixin,
    PointGeometryField,
    RepeatedBriefMixin,
)
from core.points import wgs84_point
from core.validators import TEXT_MAX_LENGTH, validate_text, validate_visible
from geo.api.serializers import AreaBriefSerializer
from geo.models import Area
from incidents.choices import CLAIM_CATEGORIES
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident, Source
from incidents.models.claims import link_revisions
from incidents.querysets import can_see_restricted, is_desk

__all__ = [
    "AssessmentSerializer", "AssessmentWriteSerializer", "AttributionSerializer", "AttributionWriteSerializer",
    "ClaimSerializer", "ClaimSupersedeSerializer", "ClaimWriteSerializer", "IncidentGeoSerializer",
    "IncidentSerializer", "IncidentWriteSerializer", "NoteSerializer", "SourceBriefSerializer", "SourceSerializer",
    "SourceWriteSerializer",
]  # fmt: skip

CLAIM_RANGE_CATEGORIES = (*CLAIM_CATEGORIES, "injured")


class DeskFieldsMixin:
    """Drops ``Meta.desk_fields`` unless the requesting user works on the desk (analyst, editor, admin), and
    ``Meta.restricted_fields`` unless they may see restricted records (editors, admins).

    The schema (generated with a fake view) documents them, marked "desk only" in their help text.
    """

    def get_fields(self):
        fields = super().get_fields()
        view = self.context.get("view")
        request = self.context.get("request")
        if getattr(view, "swagger_fake_view", False):
            return fields
        user = getattr(request, "user", None)
        hidden = () if user is not None and can_see_restricted(user) else getattr(self.Meta, "restricted_fields", ())
        if user is None or not is_desk(user):
            hidden = (*hidden, *self.Meta.desk_fields)
        for name in hidden:
            fields.pop(name, None)
        return fields


# ---- Read ----


class RangeSerializer(serializers.Serializer):
    min = serializers.IntegerField(allow_null=True, help_text="Null: the claimant gave no lower figure.")
    max = serializers.IntegerField(allow_null=True, help_text="Null: the claimant gave no upper figure.")


ClaimRangesSerializer = type(
    "ClaimRangesSerializer",
    (serializers.Serializer,),
    {category: RangeSerializer() for category in CLAIM_RANGE_CATEGORIES},
)


class EstimateSerializer(serializers.Serializer):
    low = serializers.IntegerField(allow_null=True)
    best = serializers.IntegerField(allow_null=True)
    high = serializers.IntegerField(allow_null=True)


AssessmentRangesSerializer = type(
    "AssessmentRangesSerializer", (serializers.Serializer,), {c: EstimateSerializer() for c in CLAIM_CATEGORIES}
)


class SourceBriefSerializer(RepeatedBriefMixin, BaseSerializer):
    """A cited source, as it appears on a claim or an attribution. ``url`` is the document's own address."""

    class Meta:
        model = Source
        fields = ("id", "display", "publisher", "title", "url", "published_on", "grade")
        brief_fields = fields


class SourceSerializer(DeskFieldsMixin, BaseSerializer):
    """A source the user may see (restricted ones reach editors only, through ``Source.visible_to``)."""

    sensitivity = serializers.CharField(read_only=True, help_text="Desk only.")

    class Meta:
        model = Source
        fields = (
            "id", "display", "kind", "publisher", "title", "url", "published_on", "language", "quote",
            "reliability", "credibility", "grade", "content_sha256", "sensitivity",
        )  # fmt: skip
        brief_fields = ("id", "display")
        desk_fields = ("sensitivity",)


class ClaimSerializer(BaseSerializer):
    """What one claimant said, ranges per category; superseded claims are kept and marked ``live: false``.

    Rendered from an incident loaded by ``for_api(user)``: the claim's siblings are the visible ones, so
    ``supersedes``/``superseded_by`` never point at a claim hidden from this user (``claims.link_revisions``).
    """

    claimant = ActorBriefSerializer(read_only=True)
    source = SourceBriefSerializer(read_only=True)
    ranges = serializers.SerializerMethodField()
    supersedes = serializers.SerializerMethodField()
    superseded_by = serializers.SerializerMethodField()
    live = serializers.SerializerMethodField()

    class Meta:
        model = CasualtyClaim
        fields = (
            "id", "display", "claimant", "source", "claimed_on", "ranges", "labels", "denied", "quote",
            "supersedes", "superseded_by", "live",
        )  # fmt: skip
        brief_fields = ("id", "display")

    @staticmethod
    def _linked(claim) -> dict:
        """The incident's visible claims by id, linked once per incident (``claims.link_revisions``)."""
        incident = claim.incident
        linked = getattr(incident, "_api_linked_claims", None)
        if linked is None:
            chain = {c.pk: c.supersedes_id for c in getattr(incident, "revision_links", ())} or None
            linked = {c.pk: c for c in link_revisions(incident.claims.all(), chain)}
            incident._api_linked_claims = linked
        return linked[claim.pk]

    @extend_schema_field(ClaimRangesSerializer)
    def get_ranges(self, claim) -> dict:
        return {
            c: {"min": getattr(claim, f"{c}_min"), "max": getattr(claim, f"{c}_max")} for c in CLAIM_RANGE_CATEGORIES
        }

    def get_supersedes(self, claim) -> int | None:
        revises = self._linked(claim).revises
        return revises.pk if revises else None

    def get_superseded_by(self, claim) -> int | None:
        superseding = self._linked(claim).superseding
        return superseding.pk if superseding else None

    def get_live(self, claim) -> bool:
        return self.get_superseded_by(claim) is None


class AttributionSerializer(BaseSerializer):
    actor = ActorBriefSerializer(read_only=True)
    asserted_by = ActorBriefSerializer(read_only=True, help_text="Who makes this attribution.")
    source = SourceBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Attribution
        fields = ("id", "display", "actor", "role", "asserted_by", "source", "confidence", "quote", "withdrawn")
        brief_fields = ("id", "display")


class AssessmentSerializer(DeskFieldsMixin, BaseSerializer):
    """One editor's reconciliation. ``claims``: the (visible) claims that informed it."""

    ranges = serializers.SerializerMethodField()
    claims = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, help_text="Desk only.")

    class Meta:
        model = Assessment
        fields = ("id", "display", "grade", "ranges", "claims", "rationale", "decided_at", "decided_by")
        brief_fields = ("id", "display")
        desk_fields = ("decided_by",)

    @extend_schema_field(AssessmentRangesSerializer)
    def get_ranges(self, assessment) -> dict:
        return {c: {s: getattr(assessment, f"{c}_{s}") for s in ("low", "best", "high")} for c in CLAIM_CATEGORIES}


class IncidentSerializer(DeskFieldsMixin, BaseSerializer):
    """An incident with everything said about it that the user may see. ``?brief=1``: id, url, display only."""

    url = DetailUrlField(view_name="api:incident-detail")
    longitude = serializers.SerializerMethodField(help_text="WGS 84; null until placed.")
    latitude = serializers.SerializerMethodField(help_text="WGS 84; null until placed.")
    district = AreaBriefSerializer(read_only=True, allow_null=True)
    province = AreaBriefSerializer(read_only=True, allow_null=True)
    claims = ClaimSerializer(many=True, read_only=True, help_text="Live and superseded claims, oldest first.")
    attributions = AttributionSerializer(many=True, read_only=True)
    sources = SourceSerializer(many=True, read_only=True)
    current_assessment = AssessmentSerializer(read_only=True, allow_null=True)
    assessments = AssessmentSerializer(many=True, read_only=True, help_text="Every assessment, newest first.")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, help_text="Desk only.")
    internal_notes = serializers.CharField(read_only=True, help_text="Desk only.")
    status_note = serializers.CharField(read_only=True, help_text="Desk only: why it was sent back or retracted.")
    location_manual = serializers.BooleanField(read_only=True, help_text="Desk only.")
    contested = serializers.BooleanField(
        read_only=True,
        help_text="Two live claims citing public sources cannot both be true (computed only from claims every reader "
        "of this incident may see).",
    )
    contested_all = serializers.BooleanField(
        read_only=True, help_text="Editors only: the same, counting claims that cite restricted sources."
    )
    merged_into = serializers.SerializerMethodField(
        help_text="The incident this duplicate was merged into; null if none, or if you may not see that incident."
    )

    class Meta:
        model = Incident
        fields = (
            "id", "url", "display", "title", "description", "kind", "category", "start_date", "end_date",
            "date_precision", "longitude", "latitude", "place_text", "district", "province", "country_code",
            "origin_country_code", "geo_precision", "sensitivity", "status", "published_at", "contested",
            "contested_all", "merged_into", "claims", "attributions", "sources", "current_assessment", "assessments",
            "version", "created", "updated", "created_by", "internal_notes", "status_note", "location_manual",
        )  # fmt: skip
        brief_fields = ("id", "url", "display")
        desk_fields = ("created_by", "internal_notes", "status_note", "location_manual")
        restricted_fields = ("contested_all",)

    def get_merged_into(self, incident) -> int | None:
        if not incident.merged_into_id:
            return None
        request = self.context.get("request")
        visible = Incident.objects.visible_to(request.user) if request else Incident.objects.published()
        return incident.merged_into_id if visible.filter(pk=incident.merged_into_id).exists() else None

    def get_longitude(self, incident) -> float | None:
        return incident.location.x if incident.location else None

    def get_latitude(self, incident) -> float | None:
        return incident.location.y if incident.location else None


class IncidentGeoSerializer(GeoFeatureModelSerializer):
    """A map feature: the point and what the symbol needs. Details come from the plain endpoint."""

    url = DetailUrlField(view_name="api:incident-detail")
    location = PointGeometryField(read_only=True)

    class Meta:
        model = Incident
        geo_field = "location"
        fields = ("id", "url", "title", "kind", "category", "start_date", "geo_precision", "contested")


# ---- Write ----


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key resolved only among the rows the requesting user may see (an unseen id is "invalid")."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.context["request"].user)


class IncidentWriteSerializer(KnownFieldsMixin, serializers.ModelSerializer):
    """Input for creating (POST) and editing (PATCH, with the ``version`` read last) an incident."""

    longitude = CoordinateField("longitude", required=False, allow_null=True)
    latitude = CoordinateField("latitude", required=False, allow_null=True)
    district = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all(), required=False, allow_null=True)
    province = serializers.PrimaryKeyRelatedField(queryset=Area.objects.all(), required=False, allow_null=True)
    sources = VisibleRelatedField(queryset=Source.objects.all(), many=True, required=False)
    version = serializers.IntegerField(
        required=False, help_text="PATCH only, required there: the version you read (optimistic locking)."
    )

    class Meta:
        model = Incident
        fields = (
            "title", "description", "kind", "start_date", "end_date", "date_precision", "longitude", "latitude",
            "place_text", "district", "province", "country_code", "origin_country_code", "geo_precision",
            "sensitivity", "internal_notes", "sources", "version",
        )  # fmt: skip

    def validate(self, attrs):
        has_lon, has_lat = "longitude" in attrs, "latitude" in attrs
        if has_lon or has_lat:
            lon, lat = attrs.pop("longitude", None), attrs.pop("latitude", None)
            if (lon is None) != (lat is None):
                missing = "latitude" if lat is None else "longitude"
                raise serializers.ValidationError({missing: "Give both longitude and latitude, or neither."})
            attrs["location"] = None if lon is None else wgs84_point(lon, lat)
        if self.partial and "version" not in attrs:
            raise serializers.ValidationError({"version": "Send the version you read, so no edit is lost."})
        return attrs


class SourceWriteSerializer(KnownFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = (
            "kind", "publisher", "title", "url", "published_on", "language", "quote", "reliability", "credibility",
            "content", "sensitivity",
        )  # fmt: skip


_CLAIM_FIGURES = tuple(f"{c}_{s}" for c in CLAIM_RANGE_CATEGORIES for s in ("min", "max"))


class ClaimSupersedeSerializer(KnownFieldsMixin, serializers.ModelSerializer):
    """A revised figure: the claimant is the superseded claim's. Figures are flat: ``killed_min``, ``women_max``…"""

    source = VisibleRelatedField(queryset=Source.objects.all())

    class Meta:
        model = CasualtyClaim
        fields = ("source", "claimed_on", *_CLAIM_FIGURES, "labels", "denied", "quote")


class ClaimWriteSerializer(ClaimSupersedeSerializer):
    claimant = serializers.PrimaryKeyRelatedField(queryset=Actor.objects.all())

    class Meta(ClaimSupersedeSerializer.Meta):
        fields = ("claimant", *ClaimSupersedeSerializer.Meta.fields)


class AttributionWriteSerializer(KnownFieldsMixin, serializers.ModelSerializer):
    actor = serializers.PrimaryKeyRelatedField(queryset=Actor.objects.all())
    asserted_by = serializers.PrimaryKeyRelatedField(queryset=Actor.objects.all())
    source = VisibleRelatedField(queryset=Source.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Attribution
        fields = ("actor", "role", "asserted_by", "source", "confidence", "quote")
        validators = []  # the unique constraint is checked by the service's full_clean, with its own message


class AssessmentWriteSerializer(KnownFieldsMixin, serializers.ModelSerializer):
    """Figures are flat: ``killed_low``, ``killed_best``, ``civilians_high``…; ``claims``: ids of this incident's."""

    claims = VisibleRelatedField(queryset=CasualtyClaim.objects.all(), many=True, required=False)

    class Meta:
        model = Assessment
        fields = (
            *(f"{c}_{s}" for c in CLAIM_CATEGORIES for s in ("low", "best", "high")), "grade", "claims", "rationale",
        )  # fmt: skip


class NoteSerializer(KnownFieldsMixin, serializers.Serializer):
    """The comment a send-back or a retraction needs."""

    # Saved as the incident's status note without a full_clean(): the text rules are applied here.
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX_LENGTH,
        validators=[validate_text, validate_visible],
    )  # fmt: skip
