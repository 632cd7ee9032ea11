from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from core import sweeps
        from incidents.signals import incident_changed
        from reports.services import incident_cells_mark
        from reports.tasks import requeue_stale_cells

        sweeps.register(requeue_stale_cells)  # summary cells still marked stale past the deadline
        # Reports listen to the record: every change that can move a cell marks it (incidents import no report).
        incident_changed.connect(incident_cells_mark, dispatch_uid="reports.incident_cells_mark")
