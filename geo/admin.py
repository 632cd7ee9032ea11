from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

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
    list_display = ("name", "country_code", "district", "population")
    list_filter = ("country_code",)
    search_fields = ("name",)
    autocomplete_fields = ("district",)
