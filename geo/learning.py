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

This module knows observations, not incidents: ``learn`` is pure (the benchmark calls it over UCDP events before a
date, then geocodes the later ones); ``learn_new`` runs it over the stored gazetteer and ``places_save`` writes the
result as ``Place`` rows of origin "desk". Which incidents are learned from, and sending the ones waiting for a new
place back to the geocoder, is ``incidents.learning``'s work.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from geo.gazetteer import ADMIN_WORDS, name_key

__all__ = ["Learned", "learn", "learn_new", "leading_name", "places_save"]

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


def learn_new(observations: Iterable[tuple[str, float, float]]) -> list[Learned]:
    """``learn`` over the stored gazetteer without its learned places (a name is learned afresh from the evidence
    each time), less the names an admin blocked: never learned again, however many incidents name them."""
    from geo.gazetteer import Gazetteer
    from geo.geocoder import Geocoder
    from geo.models import Place, PlaceOrigin

    geocoder = Geocoder(Gazetteer.from_db(with_learned=False))
    blocked_names = Place.objects.filter(origin=PlaceOrigin.DESK, blocked=True).values_list("name", flat=True)
    blocked = {name_key(name) for name in blocked_names}
    return [item for item in learn(geocoder, observations) if item.key not in blocked]


def places_save(learned: Iterable[Learned]) -> tuple[dict, list[str]]:
    """Write what was learned: new places created, changed ones updated, and places no longer supported retired
    (deleted, or kept with support 0 while a row still points at them, such as an incident's mention, which leaves
    them out of the gazetteer).

    Runs in the caller's transaction (the desk's places are locked); the caller invalidates the gazetteer
    (``geo.gazetteer.invalidate``) after its commit when something changed. Returns the counts (created, updated,
    retired) and the names of the places new, back from retirement or moved to another district.
    """
    from django.contrib.gis.geos import Point
    from django.db.models import ProtectedError

    from geo.models import Place, PlaceOrigin

    stats = {"created": 0, "updated": 0, "retired": 0}
    new_names = []
    desk = Place.objects.select_for_update().filter(origin=PlaceOrigin.DESK, blocked=False)
    existing = {name_key(p.name): p for p in desk}
    for item in learned:
        values = {"name": item.name[:200], "district_id": item.district_id, "country_code": item.country_code,
                  "support": item.support, "point": Point(item.x, item.y, srid=4326)}  # fmt: skip
        place = existing.pop(item.key, None)
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
    for place in stale:
        try:
            place.delete()
        except ProtectedError:  # still pointed at (a mention names it): retired, not deleted
            Place.objects.filter(pk=place.pk).update(support=0)
    stats["retired"] = len(stale)
    return stats, new_names
