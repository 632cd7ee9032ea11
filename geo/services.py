"""A person's word on the geocoder's suggestions. Each runs in one transaction.

- ``mention_confirm``: the mention becomes the incident's location: district and province set from
  it (a place's point, or the area's centroid, only when the incident has no point of its own), and
  ``location_manual`` set so the geocoder never moves it again.
- ``mention_reject``: the suggestion is marked rejected and is never proposed again for that incident;
  if the incident's placement came from it, the incident is re-queued for the geocoder.
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.audit import audit_context
from geo.choices import AreaLevel, GeoPrecision, MentionStatus
from geo.models import Mention

__all__ = ["mention_confirm", "mention_reject"]


def _check(user) -> None:
    if not user.has_perm("geo.change_mention"):
        raise PermissionDenied("You may not confirm or reject place suggestions.")


@transaction.atomic
def mention_confirm(mention: Mention, user) -> Mention:
    """Confirm ``mention`` and place its incident there by hand (``location_manual=True``)."""
    from incidents.models import Incident
    from incidents.services import incident_update

    _check(user)
    mention = Mention.objects.select_for_update(of=("self",)).select_related("area__parent", "place").get(pk=mention.pk)
    incident = Incident.objects.get(pk=mention.incident_id)
    area = mention.area
    if area is None and mention.place is not None:
        area = mention.place.district
    data = {"location_manual": True}
    if area is not None and area.level == AreaLevel.DISTRICT:
        data.update(district=area, province=area.parent, geo_precision=GeoPrecision.DISTRICT)
    elif area is not None and area.level == AreaLevel.PROVINCE:
        data.update(district=None, province=area, geo_precision=GeoPrecision.PROVINCE)
    if incident.location is None or not incident.location_manual:
        # The incident's own point stays only if a person set it; otherwise the confirmed place's.
        if mention.place is not None:
            data.update(location=Point(mention.place.point.x, mention.place.point.y, srid=4326),
                        geo_precision=GeoPrecision.NEAR)  # fmt: skip
        elif area is not None and incident.location is None:
            data["location"] = Point(area.centroid.x, area.centroid.y, srid=4326)
    with audit_context(user=user, action="mention_confirm"):
        mention.status = MentionStatus.CONFIRMED
        mention.save(update_fields=["status", "updated"])
        incident_update(incident=incident, author=user, data=data, version=incident.version)
    return mention


@transaction.atomic
def mention_reject(mention: Mention, user) -> Mention:
    """Reject ``mention``; the geocoder will not propose its area/place for this incident again."""
    from geo.tasks import geocode_incident
    from incidents.models import Incident
    from incidents.services import can_edit

    _check(user)
    mention = Mention.objects.select_for_update().get(pk=mention.pk)
    if not can_edit(user, Incident.objects.get(pk=mention.incident_id)):
        raise PermissionDenied("Only editors change where a published, retracted or merged incident is placed.")
    with audit_context(user=user, action="mention_reject"):
        mention.status = MentionStatus.REJECTED
        mention.save(update_fields=["status", "updated"])
        incident = Incident.objects.select_for_update().get(pk=mention.incident_id)
        placed_by_it = mention.area_id is not None and mention.area_id in (incident.district_id, incident.province_id)
        if placed_by_it and not incident.location_manual:
            Incident.objects.filter(pk=incident.pk).update(geocode_requested=timezone.now())
            # robust: a broker outage must not fail the rejection; the sweep re-queues pending rows.
            transaction.on_commit(lambda: geocode_incident.delay(incident.pk), robust=True)
    return mention
