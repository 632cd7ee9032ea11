"""Places learned from the desk's own located incidents: the towns and valleys GeoNames lacks.

GeoNames' extract (≥ 500 people) has no "Mir Ali", "Tirah", "Bara" or "Dabori", yet reports name them
again and again, and incidents imported or placed with an exact point say where they are. From every
published, public incident whose point is real (a person set it, or an import gave it as exact or near),
the name its place text leads with ("Mir Ali town. ..." → "Mir Ali") is learned as a place when:

- the geocoder does not already know that name (learning never competes with the gazetteer);
- at least ``MIN_SUPPORT`` incidents name it, and at least ``MIN_SHARE`` of them fall in one district
  (a name plotted all over the map is not one place); the place is the median of their points;
- the name looks like a proper name: one to four capitalised words, or words in Arabic script, optionally
  followed by a place word ("town", "village", "area", "valley"), and no digits.

Only what partners may already see is learned from: a learned point is the median of published, public
incidents' points, so no draft or restricted incident's location reaches another incident through it.

An admin who finds a learned place wrong blocks it (Django admin, "Block"): it leaves the gazetteer at once and
is never learned again.

``learn`` is pure (the benchmark calls it over UCDP events before a date, then geocodes the later ones);
``learn_places`` reads the incidents and writes the result as ``Place`` rows of origin "desk".
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from geo.gazetteer import ADMIN_WORDS, name_key

__all__ = ["Learned", "learn", "leading_name", "learn_places", "summary"]

MIN_SUPPORT = 2
MIN_SHARE = 2 / 3
MAX_WORDS = 4
PLACE_WORDS = {word for word, level in ADMIN_WORDS.items() if level == "place"}
_SEGMENT = re.compile(r"[.,;:()\[\]\n]| - | – ")
_LATIN_WORD = re.compile(r"^[A-Z][A-Za-z'’\-]*$")
_ARABIC_WORD = re.compile(r"^[\u0600-\u06ff]+$")


@dataclass(frozen=True, slots=True)
class Learned:
    key: str
    name: str
    district_id: int
    country_code: str
    x: float
    y: float
    support: int  # incidents in the district the place was put in
    seen: int  # incidents naming it at all


def leading_name(place_text: str) -> str | None:
    """The proper name a place text leads with, without its place word: "Mir Ali town. Near the bazaar" →
    "Mir Ali"; None when the lead is not a name ("airstrikes on Barmal district")."""
    head = _SEGMENT.split(place_text or "", maxsplit=1)[0].strip()
    words = head.split()
    while words and name_key(words[-1]) in PLACE_WORDS:
        words.pop()
    if not 1 <= len(words) <= MAX_WORDS:
        return None
    if not all(_LATIN_WORD.match(w) or _ARABIC_WORD.match(w) for w in words):
        return None
    name = " ".join(words)
    key = name_key(name)
    if len(key.replace(" ", "")) < 3 or key in ADMIN_WORDS:
        return None
    return name


def learn(geocoder, observations: Iterable[tuple[str, float, float]]) -> list[Learned]:
    """Places from (place text, x, y) observations, over ``geocoder``'s gazetteer. Pure."""
    gaz = geocoder.gaz
    known = {(p.x, p.y) for p in gaz.places.values()} | {(a.x, a.y) for a in gaz.areas.values()}
    by_key: dict[str, list[tuple[int, float, float, str]]] = defaultdict(list)
    unknown: dict[str, bool] = {}
    for text, x, y in observations:
        if (x, y) in known:
            continue  # a centroid the geocoder filled: not evidence of where the place is
        name = leading_name(text)
        if name is None:
            continue
        key = name_key(name)
        if key not in unknown:
            unknown[key] = not geocoder.spans(name)
        if not unknown[key]:
            continue
        district, _, inside = gaz.reverse(x, y)
        if district is not None and inside:
            by_key[key].append((district, x, y, name))
    learned = []
    for key, rows in sorted(by_key.items()):
        district, support = Counter(row[0] for row in rows).most_common(1)[0]
        if support < MIN_SUPPORT or support / len(rows) < MIN_SHARE:
            continue
        agreeing = [row for row in rows if row[0] == district]
        name = Counter(row[3] for row in agreeing).most_common(1)[0][0]  # the spelling used most
        learned.append(Learned(
            key=key, name=name, district_id=district, country_code=gaz.areas[district].country_code,
            x=statistics.median(row[1] for row in agreeing), y=statistics.median(row[2] for row in agreeing),
            support=support, seen=len(rows),
        ))  # fmt: skip
    return learned


def observations_from_incidents():
    """(place text, x, y) of every incident a partner may see whose point is real (set by a person, or an
    import's exact or near point). Streams; never loads the table at once."""
    from geo.choices import GeoPrecision
    from incidents.models import Incident

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
    """Learn from the incidents and write the result: new places created, changed ones updated, and places no
    longer supported retired (deleted, or kept with support 0 while a mention still points at them, which
    leaves them out of the gazetteer). One transaction; returns counts for the one-line summary."""
    from django.contrib.gis.geos import Point
    from django.db import transaction

    from geo.gazetteer import Gazetteer, invalidate
    from geo.geocoder import Geocoder
    from geo.models import Mention, Place, PlaceOrigin

    # Learn over the gazetteer without the learned places: a name is learned afresh from the evidence each time.
    geocoder = Geocoder(Gazetteer.from_db(with_learned=False))
    observations = 0

    def counted():
        nonlocal observations
        for row in observations_from_incidents():
            observations += 1
            yield row

    # What an admin blocked stays blocked: never learned again, however many incidents name it.
    blocked_names = Place.objects.filter(origin=PlaceOrigin.DESK, blocked=True).values_list("name", flat=True)
    blocked = {name_key(name) for name in blocked_names}
    learned = {item.key: item for item in learn(geocoder, counted()) if item.key not in blocked}
    stats = {"learned": len(learned), "incidents": observations, "created": 0, "updated": 0, "retired": 0}
    new_names = []
    with transaction.atomic():
        desk = Place.objects.select_for_update().filter(origin=PlaceOrigin.DESK, blocked=False)
        existing = {name_key(p.name): p for p in desk}
        for key, item in learned.items():
            values = {"name": item.name[:200], "district_id": item.district_id, "country_code": item.country_code,
                      "support": item.support, "point": Point(item.x, item.y, srid=4326)}  # fmt: skip
            place = existing.pop(key, None)
            if place is None:
                Place.objects.create(origin=PlaceOrigin.DESK, **values)
                stats["created"] += 1
                new_names.append(item.name)
                continue
            changed = [k for k, v in values.items() if k != "point" and getattr(place, k) != v]
            if (place.point.x, place.point.y) != (item.x, item.y):
                changed.append("point")
            if changed:
                if not place.support or "district_id" in changed:
                    new_names.append(item.name)  # back from retirement, or placed elsewhere now
                for k in changed:
                    setattr(place, k, values[k])
                place.save(update_fields=changed)
                stats["updated"] += 1
        stale = [p for p in existing.values() if p.support]
        referenced = set(Mention.objects.filter(place__in=stale).values_list("place_id", flat=True))
        Place.objects.filter(pk__in=[p.pk for p in stale if p.pk not in referenced]).delete()
        Place.objects.filter(pk__in=referenced).update(support=0)
        stats["retired"] = len(stale)
        stats["waiting"] = _geocode_waiting(new_names)
    if stats["created"] or stats["updated"] or stats["retired"]:
        invalidate()
    return stats


def _geocode_waiting(names: list[str]) -> int:
    """Send the incidents the geocoder could not place, whose place text leads with one of ``names``, back to it:
    a place learned tonight places the reports that were waiting for it. Marked in the row (the sweep re-queues
    any job the broker loses) and queued after the commit; returns how many."""
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from geo.choices import GeoPrecision
    from geo.tasks import geocode_incident
    from incidents.models import Incident

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
