"""Admin for inspection and reference data. The desk works in the app's own pages, through services;
claims and assessments are append-only, so the admin shows them read-only."""

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from core.points import AdminPointWidget
from incidents import services
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident, Source


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoDeleteMixin:
    """Nothing is ever hard-deleted: retract instead (the database refuses deletes too)."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(NoDeleteMixin, LeafletGeoAdmin):
    list_display = ("title", "kind", "start_date", "province", "district", "status", "sensitivity", "contested")
    list_filter = ("status", "sensitivity", "kind", "contested")
    search_fields = ("title", "place_text")
    # The workflow (status, publishing, merging) happens on the desk's pages, through the services.
    readonly_fields = (
        "category", "contested", "contested_all", "version", "geocode_requested", "created_by", "status",
        "status_note", "submitted_at", "published_at", "merged_into",
    )  # fmt: skip
    autocomplete_fields = ("district", "province", "sources")
    date_hierarchy = "start_date"
    widget = AdminPointWidget  # a refused point is re-rendered without GEOS/GDAL parsing or transforming it

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user).select_related("province", "district")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or services.can_edit(request.user, obj))

    def save_model(self, request, obj, form, change):
        """Through the services, like every other path: same rules, same audit, geocoding and summary marks."""
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name != "sources"}
            version = type(obj).objects.only("version").get(pk=obj.pk).version
            saved = services.incident_update(incident=obj, author=request.user, data=data, version=version)
        else:
            data = {name: value for name, value in form.cleaned_data.items() if name != "sources"}
            saved = services.incident_create(author=request.user, data=data)
        obj.pk, obj.version, obj.created_by = saved.pk, saved.version, saved.created_by
        obj._state.adding = False


@admin.register(Source)
class SourceAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("publisher", "title", "published_on", "reliability", "credibility", "sensitivity")
    list_filter = ("kind", "reliability", "credibility", "sensitivity", "language")
    search_fields = ("publisher", "title", "url")
    readonly_fields = ("content_sha256",)

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(CasualtyClaim)
class CasualtyClaimAdmin(ReadOnlyAdmin):
    list_display = ("incident", "claimant", "claimed_on", "killed_min", "killed_max", "supersedes")
    list_select_related = ("incident", "claimant", "supersedes")

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(Attribution)
class AttributionAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("incident", "actor", "role", "asserted_by", "confidence", "withdrawn")
    list_select_related = ("incident", "actor", "asserted_by")
    autocomplete_fields = ("incident", "actor", "asserted_by", "source")

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("incident", "grade", "killed_low", "killed_best", "killed_high", "decided_by", "decided_at")
    list_select_related = ("incident", "decided_by")
