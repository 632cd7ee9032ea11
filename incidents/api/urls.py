from config.api import router
from incidents.api import views

router.register("incidents", views.IncidentViewSet, basename="incident")
