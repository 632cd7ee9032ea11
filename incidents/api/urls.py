from config.api import router
from incidents.api import views

router.register("incidents", views.IncidentViewSet, basename="incident")
# GeoJSON for the map, under its own prefix: "incidents/geojson/" would be read as an incident's id.
router.register("geojson/incidents", views.IncidentGeoViewSet, basename="incident-geojson")
