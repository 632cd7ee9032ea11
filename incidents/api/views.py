from core.api import BaseViewSet
from incidents.models import Incident


class IncidentViewSet(BaseViewSet):
    queryset = Incident.objects.all()
