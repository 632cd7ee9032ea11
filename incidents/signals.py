"""What the record tells the layers above it. ``incidents`` imports nothing from them: they listen.

``incident_changed`` is sent by the services and the geocoding task after every change that can move the summary
cells an incident counts in, inside the change's transaction: what a receiver writes (``reports`` marks the cells,
connected in ``ReportsConfig.ready``) commits or rolls back with the change. Arguments:

- ``incident``: the incident changed; a receiver re-reads what it needs (the caller's copy may be stale);
- ``before``: an unsaved copy of the incident as it was before the change, or None (a new incident, or a change
  that moved none of its own fields);
- ``figures_changed``: its counted figures may have moved (a new incident, an assessment, a claim that turned the
  contested flag, a geocoded change), so every cell it counts in, before and after, is touched; otherwise only the
  cells it left or joined.
"""

from django.dispatch import Signal

__all__ = ["incident_changed"]

incident_changed = Signal()
