from config.api import router
from geo.api import views

router.register("areas", views.AreaViewSet, basename="area")
