from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        from core import sweeps
        from incidents.tasks import requeue_geocoding

        sweeps.register(requeue_geocoding)  # incidents still marked for the geocoder past the deadline
