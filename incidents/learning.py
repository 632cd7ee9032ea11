"""Learning places from the desk's published incidents (the learning itself is ``geo.learning``'s, over observations).

Only what partners may already see is learned from: every published, public incident whose point is real (a person
set it, or an import gave it as exact or near). A learned point is the median of such points, so no draft or
restricted incident's location reaches another incident through it. A place learned tonight sends the incidents the
geocoder could not place, whose place text leads with its name, back to the geocoder.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from geo.choices import GeoPrecision
from geo.gazetteer import invalidate
from geo.learning import learn_new, places_save
from incidents.models import Incident

__all__ = ["learn_places", "observations_from_incidents", "summary"]


def observations_from_incidents():
    """(place text, x, y) of every incident a partner may see whose point is real (set by a person, or an
    import's exact or near point). Streams; never loads the table at once."""
    rows = (
        Incident.objects.published()
        .filter(sensitivity="public", location__isnull=False)
        .exclude(place_text="")
        .filter(geo_precision__in=[GeoPrecision.EXACT, GeoPrecision.NEAR])
        .values_list("place_text", "location")
        .order_by()
        .iterator(chunk_size=5000)
    )
    for text, point in rows:
        yield text, point.x, point.y


def learn_places() -> dict:
    """Learn from the incidents and write the result (``geo.learning.places_save``): new places created, changed
    ones updated, places no longer supported retired. One transaction; returns counts for the one-line summary."""
    observations = 0

    def counted():
        nonlocal observations
        for row in observations_from_incidents():
            observations += 1
            yield row

    learned = learn_new(counted())
    stats = {"learned": len(learned), "incidents": observations}
    with transaction.atomic():
        saved, new_names = places_save(learned)
        stats.update(saved, waiting=_geocode_waiting(new_names))
    if saved["created"] or saved["updated"] or saved["retired"]:
        invalidate()
    return stats


def _geocode_waiting(names: list[str]) -> int:
    """Send the incidents the geocoder could not place, whose place text leads with one of ``names``, back to it:
    a place learned tonight places the reports that were waiting for it. Marked in the row (the sweep re-queues
    any job the broker loses) and queued after the commit; returns how many."""
    from incidents.tasks import geocode_incident

    if not names:
        return 0
    named = Q()
    for name in names:
        named |= Q(place_text__istartswith=name)
    unplaced = [GeoPrecision.UNKNOWN, GeoPrecision.PROVINCE, GeoPrecision.COUNTRY]  # a point places the others
    waiting = Incident.objects.filter(
        named, district__isnull=True, geo_precision__in=unplaced, location_manual=False, merged_into__isnull=True
    )
    ids = list(waiting.values_list("pk", flat=True))
    Incident.objects.filter(pk__in=ids).update(geocode_requested=timezone.now())
    for pk in ids:
        transaction.on_commit(lambda pk=pk: geocode_incident.delay(pk), robust=True)
    return len(ids)


def summary(stats: dict) -> str:
    return (
        f"learned places: {stats['learned']} from {stats['incidents']} located published incidents; "
        f"{stats['created']} created, {stats['updated']} updated, {stats['retired']} retired; "
        f"{stats['waiting']} unplaced incidents naming them sent back to the geocoder"
    )
