"""The incidents API: declarations over ``visible_to(user)``, with writes going through ``incidents.services``."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.serializers import ValidationError

from core.api import BaseViewSet
from core.pagination import CappedGeoJsonPagination
from incidents import services
from incidents.api.serializers import (
    AssessmentSerializer,
    AssessmentWriteSerializer,
    AttributionSerializer,
    AttributionWriteSerializer,
    ClaimSerializer,
    ClaimSupersedeSerializer,
    ClaimWriteSerializer,
    IncidentGeoSerializer,
    IncidentSerializer,
    IncidentWriteSerializer,
    NoteSerializer,
    SourceSerializer,
    SourceWriteSerializer,
)
from incidents.filters import IncidentFilterSet
from incidents.models import CasualtyClaim, Incident

__all__ = ["IncidentGeoViewSet", "IncidentViewSet"]

BRIEF = OpenApiParameter("brief", bool, description="Render only id, url and display (map popups, pickers).")


def call_service(service, **kwargs):
    """Run a service; turn the model's ``ValidationError`` into a 400 naming each field, as the service named it."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            errors = {
                ("non_field_errors" if field == "__all__" else "longitude" if field == "location" else field): msgs
                for field, msgs in exc.message_dict.items()
            }
        else:
            errors = {"non_field_errors": exc.messages}
        raise ValidationError(errors) from exc


@extend_schema_view(
    list=extend_schema(parameters=[BRIEF]),
    retrieve=extend_schema(parameters=[BRIEF]),
    create=extend_schema(request=IncidentWriteSerializer, responses={201: IncidentSerializer}),
    partial_update=extend_schema(
        request=IncidentWriteSerializer,
        responses={
            200: IncidentSerializer,
            409: inline_serializer(
                "IncidentConflict", {"detail": serializers.CharField(), "current": IncidentSerializer()}
            ),
        },
    ),
)
class IncidentViewSet(BaseViewSet):
    """Incidents. Partners read published, public incidents; desk users also write, through the services."""

    queryset = Incident.objects.all()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    bbox_filter_field = "location"
    # For points "overlaps the box" and "inside the box" are the same rows, but PostgreSQL estimates `&&`
    # well and `@` badly: with `@` it bitmap-scanned 730k rows for one viewport at 1M incidents (385 ms vs 6 ms).
    bbox_filter_include_overlapping = True
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Each write names the permission it needs (core.permissions.RolePermission refuses any write not listed).
    write_permissions = {
        "create": "incidents.add_incident",
        "partial_update": "incidents.change_incident",
        "submit": "incidents.change_incident",
        "add_source": "incidents.add_source",
        "add_claim": "incidents.add_casualtyclaim",
        "supersede_claim": "incidents.add_casualtyclaim",
        "add_attribution": "incidents.add_attribution",
        "add_assessment": "incidents.add_assessment",
        "publish": "incidents.publish_incident",
        "send_back": "incidents.publish_incident",
        "retract": "incidents.publish_incident",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve") and not self.brief:
            return queryset.for_api(self.request.user)
        return queryset

    def rendered(self, incident: Incident, status_code=status.HTTP_200_OK) -> Response:
        """The incident as this user sees it now, loaded afresh through the same visibility as a GET."""
        fresh = Incident.objects.visible_to(self.request.user).for_api(self.request.user).filter(pk=incident.pk).first()
        if fresh is None:
            # E.g. an analyst marked someone else's incident restricted: saved, but no longer theirs to read.
            return Response({"id": incident.pk, "detail": "Saved. You can no longer see this incident."}, status_code)
        return Response(IncidentSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def rendered_child(self, incident: Incident, relation: str, pk: int, serializer_class) -> Response:
        fresh = Incident.objects.visible_to(self.request.user).for_api(self.request.user).get(pk=incident.pk)
        child = next(obj for obj in getattr(fresh, relation).all() if obj.pk == pk)
        return Response(
            serializer_class(child, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    def validated(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    # ---- Incidents ----

    def create(self, request, *args, **kwargs):
        data = self.validated(IncidentWriteSerializer)
        sources = data.pop("sources", [])
        data.pop("version", None)
        incident = call_service(services.incident_create, author=request.user, data=data, sources=sources)
        return self.rendered(incident, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        incident = self.get_object()
        data = self.validated(IncidentWriteSerializer, partial=True)
        version = data.pop("version")
        sources = data.pop("sources", None)
        try:
            with transaction.atomic():  # the edit and its new sources together, or neither
                incident = call_service(
                    services.incident_update, incident=incident, author=request.user, data=data, version=version
                )
                if sources:
                    incident.sources.add(*sources)
        except services.ConflictError as exc:
            current = Incident.objects.visible_to(request.user).for_api(request.user).get(pk=exc.current.pk)
            body = {
                "detail": str(exc),
                "current": IncidentSerializer(current, context=self.get_serializer_context()).data,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return self.rendered(incident)

    @extend_schema(request=None, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        incident = call_service(services.incident_submit, incident=self.get_object(), author=request.user)
        return self.rendered(incident)

    @extend_schema(request=None, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        incident = call_service(services.incident_publish, incident=self.get_object(), editor=request.user)
        return self.rendered(incident)

    @extend_schema(request=NoteSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], url_path="send-back", url_name="send-back")
    def send_back(self, request, pk=None):
        note = self.validated(NoteSerializer)["note"]
        incident = call_service(services.incident_send_back, incident=self.get_object(), editor=request.user, note=note)
        return self.rendered(incident)

    @extend_schema(request=NoteSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def retract(self, request, pk=None):
        note = self.validated(NoteSerializer)["note"]
        try:
            incident = call_service(
                services.incident_retract, incident=self.get_object(), editor=request.user, reason=note
            )
        except ValidationError as exc:
            # The service names its argument "reason"; the API calls it "note", like send-back.
            detail = exc.detail
            if isinstance(detail, dict) and "reason" in detail:
                detail = {"note": detail.pop("reason"), **detail}
            raise ValidationError(detail) from exc
        return self.rendered(incident)

    # ---- What is said about an incident ----

    @extend_schema(request=SourceWriteSerializer, responses={201: SourceSerializer})
    @action(detail=True, methods=["post"], url_path="sources", url_name="sources")
    def add_source(self, request, pk=None):
        incident = self.get_object()
        data = self.validated(SourceWriteSerializer)
        source = call_service(services.source_add, author=request.user, data=data, incident=incident)
        return self.rendered_child(incident, "sources", source.pk, SourceSerializer)

    @extend_schema(request=ClaimWriteSerializer, responses={201: ClaimSerializer})
    @action(detail=True, methods=["post"], url_path="claims", url_name="claims")
    def add_claim(self, request, pk=None):
        incident = self.get_object()
        data = self.validated(ClaimWriteSerializer)
        claim = call_service(services.claim_add, author=request.user, incident=incident, data=data)
        return self.rendered_child(incident, "claims", claim.pk, ClaimSerializer)

    @extend_schema(
        request=ClaimSupersedeSerializer,
        responses={201: ClaimSerializer},
        parameters=[OpenApiParameter("claim_id", int, OpenApiParameter.PATH, description="The claim to revise.")],
    )
    @action(
        detail=True, methods=["post"], url_path=r"claims/(?P<claim_id>[0-9]+)/supersede", url_name="claim-supersede"
    )
    def supersede_claim(self, request, pk=None, claim_id=None):
        incident = self.get_object()
        # Reached only through an incident the user sees, and only among the claims they see.
        old = get_object_or_404(CasualtyClaim.objects.visible_to(request.user), pk=claim_id, incident=incident)
        data = self.validated(ClaimSupersedeSerializer)
        claim = call_service(services.claim_supersede, author=request.user, claim=old, data=data)
        return self.rendered_child(incident, "claims", claim.pk, ClaimSerializer)

    @extend_schema(request=AttributionWriteSerializer, responses={201: AttributionSerializer})
    @action(detail=True, methods=["post"], url_path="attributions", url_name="attributions")
    def add_attribution(self, request, pk=None):
        incident = self.get_object()
        data = self.validated(AttributionWriteSerializer)
        attribution = call_service(services.attribution_add, author=request.user, incident=incident, data=data)
        return self.rendered_child(incident, "attributions", attribution.pk, AttributionSerializer)

    @extend_schema(request=AssessmentWriteSerializer, responses={201: AssessmentSerializer})
    @action(detail=True, methods=["post"], url_path="assessments", url_name="assessments")
    def add_assessment(self, request, pk=None):
        incident = self.get_object()
        data = self.validated(AssessmentWriteSerializer)
        claims = data.pop("claims", [])
        assessment = call_service(
            services.assessment_record, editor=request.user, incident=incident, data=data, claims=claims
        )
        return self.rendered_child(incident, "assessments", assessment.pk, AssessmentSerializer)


class IncidentGeoViewSet(BaseViewSet):
    """The same incidents as GeoJSON features for the map: same visibility, same filters, plus ``in_bbox``."""

    queryset = Incident.objects.all()
    serializer_class = IncidentGeoSerializer
    filterset_class = IncidentFilterSet
    pagination_class = CappedGeoJsonPagination
    bbox_filter_field = "location"
    # For points "overlaps the box" and "inside the box" are the same rows, but PostgreSQL estimates `&&`
    # well and `@` badly: with `@` it bitmap-scanned 730k rows for one viewport at 1M incidents (385 ms vs 6 ms).
    bbox_filter_include_overlapping = True

    def get_queryset(self):
        return super().get_queryset().for_map()
