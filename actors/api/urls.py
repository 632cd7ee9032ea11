from actors.api import views
from config.api import router

router.register("actors", views.ActorViewSet, basename="actor")
