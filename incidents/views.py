from django.views.generic import ListView

from incidents.models import Incident


class IncidentListView(ListView):
    model = Incident
