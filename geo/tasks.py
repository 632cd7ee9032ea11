from celery import shared_task
from django.db import OperationalError, transaction

__all__ = ["geocode_incident"]


@shared_task(name="geo.geocode_incident", acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=5)  # fmt: skip
def geocode_incident(incident_id: int) -> str:
    """Geocode one incident. Idempotent; two workers never work on the same incident at once."""
    from geo import geocoding
    from incidents.models import Incident
    from reports.services import cell_keys, cells_mark

    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=incident_id, geocode_requested__isnull=False)
            .first()
        )
        if incident is None:
            return "nothing to do"  # done already, locked by a peer, or gone
        before = cell_keys(incident)
        changed = geocoding.apply(incident)
        incident.geocode_requested = None
        incident.save(update_fields=[*changed, "geocode_requested"])
        if changed:
            cells_mark(set(before) | set(cell_keys(incident)))
    return f"geocoded {incident_id}: {', '.join(changed) or 'no change'}"
