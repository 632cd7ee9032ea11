from config.api import router
from reports.api import views

router.register("summaries", views.SummaryCellViewSet, basename="summarycell")
