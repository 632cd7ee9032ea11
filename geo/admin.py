from django.contrib import admin, messages
from leaflet.admin import LeafletGeoAdmin

from geo.choices import PlaceOrigin
from geo.gazetteer import invalidate
from geo.models import Area, AreaName, Place


class AreaNameInline(admin.TabularInline):
    model = AreaName
    extra = 1


@admin.register(Area)
class AreaAdmin(LeafletGeoAdmin):
    list_display = ("name", "level", "code", "parent", "country_code", "valid_from", "valid_to")
    list_filter = ("level", "country_code")
    search_fields = ("name", "code", "pcode", "names__name")
    autocomplete_fields = ("parent", "successor", "carved_from")
    inlines = [AreaNameInline]


@admin.register(Place)
class PlaceAdmin(LeafletGeoAdmin):
    list_display = ("name", "country_code", "district", "population", "origin", "support", "blocked")
    list_filter = ("origin", "blocked", "country_code")
    search_fields = ("name",)
    autocomplete_fields = ("district",)
    actions = ("block", "unblock")

    @admin.action(description="Block the selected learned places: never propose or learn them again")
    def block(self, request, queryset):
        self._set_blocked(request, queryset, True)

    @admin.action(description="Unblock the selected learned places (learned again from the next run)")
    def unblock(self, request, queryset):
        self._set_blocked(request, queryset, False)

    def _set_blocked(self, request, queryset, value: bool) -> None:
        desk = queryset.filter(origin=PlaceOrigin.DESK)
        changed = desk.exclude(blocked=value).update(blocked=value)  # audited row by row, with who did it
        invalidate()
        skipped = queryset.count() - desk.count()
        message = f"{changed} learned place(s) {'blocked' if value else 'unblocked'}."
        if skipped:
            message += f" {skipped} GeoNames place(s) left as they are: only learned places can be blocked."
        self.message_user(request, message, messages.SUCCESS if not skipped else messages.WARNING)
