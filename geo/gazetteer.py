"""The gazetteer in memory: every area, name and place, loaded once per process.

The geocoder reads only this (plain Python dicts), so it is fast and can be benchmarked without a
database round trip per text. ``get_gazetteer()`` reloads when the tables changed (a cheap signature
query), so a worker never geocodes against a stale gazetteer after ``import_areas``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "ADMIN_WORDS",
    "UNVERIFIED",
    "AreaRec",
    "Entry",
    "Gazetteer",
    "PlaceRec",
    "fold",
    "get_gazetteer",
    "name_key",
    "skeleton",
    "tokens",
]

# ---- Text normalisation (shared by the importer, the index and the matcher) ----

# Arabic-script letters folded to one form, so Pashto, Dari and Urdu spellings of one name meet:
# Arabic yeh/kaf, Pashto ګ ړ ټ ډ ښ ږ ڼ ې ۍ, Urdu ٹ ڈ ڑ ھ ہ ے ں, tatweel and zero-width joiners.
_SCRIPT_FOLD = str.maketrans(
    {
        "ي": "ی", "ى": "ی", "ې": "ی", "ۍ": "ی", "ئ": "ی", "ے": "ی", "ۓ": "ی",
        "ك": "ک", "ګ": "گ", "ړ": "ر", "ڑ": "ر", "ټ": "ت", "ٹ": "ت", "ډ": "د", "ڈ": "د",
        "ښ": "ش", "ږ": "ژ", "ڼ": "ن", "ں": "ن", "ة": "ه", "ۀ": "ه", "ہ": "ه", "ھ": "ه", "ۃ": "ه",
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و",
        "ـ": None, "\u200c": None, "\u200d": None, "\u00ad": None,
        "ʼ": None, "'": None, "’": None, "‘": None, "`": None, "ʻ": None,
    }
)  # fmt: skip

_TOKEN = re.compile(r"[^\W_]+|&")


@functools.lru_cache(maxsize=100_000)  # reports reuse a small vocabulary; folding is the hot path
def fold(text: str) -> str:
    """Case, diacritics and script variants removed: "Paktīkā" → "paktika", "پکتیکا" stays one form."""
    text = unicodedata.normalize("NFKD", text.translate(_SCRIPT_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_SCRIPT_FOLD).casefold()


def tokens(text: str) -> list[tuple[int, int, str]]:
    """Word tokens of ``text`` as (start, end, folded form); offsets index the text as given."""
    out = []
    for match in _TOKEN.finditer(text):
        folded = "and" if match.group() == "&" else fold(match.group())
        # Folding can split a token ("ß" → "ss" stays one; "Dara-i" was already split by the regex).
        if folded:
            out.append((match.start(), match.end(), folded))
    return out


def name_key(name: str) -> str:
    """The lookup key of a name: folded tokens joined by one space ("Qala-I- Naw" → "qala i naw")."""
    return " ".join(t for _, _, t in tokens(name))


_VOWELS = str.maketrans("", "", "aeiouyw")
_CONSONANT_FOLD = str.maketrans({"q": "k", "c": "k", "v": "w", "z": "z", "x": "k"})
_REPEAT = re.compile(r"(.)\1+")


def skeleton(key: str) -> str:
    """A transliteration-blind form of a Latin key: consonants only, doubled letters collapsed.

    Khost/Khowst → "khst", Kunar/Konar → "knr", Urgun/Orgun → "rgn", Barmal/Bermal → "brml".
    Used only to propose fuzzy candidates, which rapidfuzz then has to confirm.
    """
    out = []
    for word in key.split():
        word = word.translate(_CONSONANT_FOLD)
        word = word.replace("kh", "K").replace("gh", "G").replace("sh", "S").replace("ch", "C").replace("th", "t")
        word = word.replace("ph", "f").replace("dh", "d").replace("h", "")
        word = _REPEAT.sub(r"\1", word.translate(_VOWELS))
        if word:
            out.append(word)
    return " ".join(out)


# Words that say what kind of place a name is. Stripped from names for lookup; used as level hints.
ADMIN_WORDS = {
    "district": "district", "distt": "district", "distrcit": "district", "agency": "district",
    "tehsil": "place", "wuleswali": "district", "woluswali": "district", "ولسوالی": "district", "ضلع": "district",
    "ایجنسی": "district", "province": "province", "provincial": "province", "wilayat": "province",
    "velayat": "province", "ولایت": "province", "صوبه": "province", "valley": "place", "town": "place",
    "village": "place", "city": "place", "area": "place", "bazaar": "place", "bazar": "place",
    "sector": "place", "شهر": "place", "کلی": "place", "region": "place",
    "districts": "district", "agencies": "district", "provinces": "province", "villages": "place", "towns": "place",
    "areas": "place", "valleys": "place",
}  # fmt: skip


# The mark aliases.csv puts in the source of names the desk has not yet checked against a published list
# (the tehsils and towns added after reading the benchmark's misses); the benchmark reports without them too.
UNVERIFIED = "NOT yet checked"


# ---- Records ----


@dataclass(slots=True)
class AreaRec:
    id: int
    code: str
    name: str
    level: str
    country_code: str
    parent_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor_id: int | None
    carved_from_id: int | None
    x: float
    y: float
    predecessor_ids: list[int] = field(default_factory=list)

    def valid_on(self, day: dt.date | None) -> bool:
        if day is None:
            return self.valid_to is None
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(slots=True)
class PlaceRec:
    id: int
    name: str
    district_id: int | None
    country_code: str
    population: int
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing a name key can mean: an area or a place, and whether the key is its own name or an alias."""

    kind: str  # "area" | "place"
    id: int
    method: str  # "exact" | "alias"


# ---- The gazetteer ----


class Gazetteer:
    """Areas, names and places as plain Python, plus prepared boundaries for reverse geocoding."""

    def __init__(self, areas: dict[int, AreaRec], places: dict[int, PlaceRec], names: list[tuple[int, str]]):
        self.areas = areas
        self.places = places
        self.index: dict[str, list[Entry]] = {}
        self.skeletons: dict[str, set[str]] = {}
        self.max_tokens = 1
        for area in areas.values():
            if area.successor_id in areas:
                areas[area.successor_id].predecessor_ids.append(area.id)
            self._add(area.name, Entry("area", area.id, "exact"))
        for area_id, name in names:
            if area_id in areas:
                self._add(name, Entry("area", area_id, "alias"))
        for place in places.values():
            self._add(place.name, Entry("place", place.id, "exact"))
        self._boundaries = None
        self._lock = threading.Lock()

    @classmethod
    def from_db(cls, *, without_name_sources: tuple[str, ...] = (), with_learned: bool = True) -> Gazetteer:
        """Everything in the tables; ``without_name_sources`` leaves out the names whose source contains one
        of these markers (the benchmark measures the gazetteer with and without its unverified names);
        ``with_learned=False`` leaves out the places learned from incidents (``geo.learning`` learns over it).
        Retired (support 0) and blocked learned places are never loaded."""
        from geo.choices import PlaceOrigin
        from geo.models import Area, AreaName, Place

        areas = {}
        for row in Area.objects.values_list(
            "id", "code", "name", "level", "country_code", "parent_id", "valid_from", "valid_to", "successor_id",
            "carved_from_id", "centroid",
        ):  # fmt: skip
            *head, centroid = row
            areas[row[0]] = AreaRec(*head, x=centroid.x, y=centroid.y)
        names = [
            (area_id, name)
            for area_id, name, source in AreaName.objects.values_list("area_id", "name", "source")
            if not any(marker in source for marker in without_name_sources)
        ]
        places = {}
        gazetteer_names = []
        rows = Place.objects.exclude(origin=PlaceOrigin.DESK, support=0).exclude(blocked=True)
        if not with_learned:
            rows = rows.exclude(origin=PlaceOrigin.DESK)
        for pid, name, alternates, district_id, country, population, point in rows.values_list(
            "id", "name", "alternate_names", "district_id", "country_code", "population", "point"
        ):
            places[pid] = PlaceRec(pid, name, district_id, country, population, point.x, point.y)
            gazetteer_names.extend((pid, alt) for alt in alternates)
        gazetteer = cls(areas, places, names)
        for pid, alt in gazetteer_names:
            gazetteer._add(alt, Entry("place", pid, "alias"))
        return gazetteer

    def with_learned(self, learned) -> Gazetteer:
        """This gazetteer plus places learned in memory (``geo.learning.learn``), as ``learn_places`` would
        store them; the benchmark's held-out measurement uses it. Ids are negative: never a row's."""
        gazetteer = object.__new__(Gazetteer)  # the areas (and their links) are shared, not rebuilt
        gazetteer.areas, gazetteer.places = self.areas, dict(self.places)
        gazetteer._boundaries, gazetteer._lock = self._boundaries, threading.Lock()
        gazetteer.index = {key: list(entries) for key, entries in self.index.items()}
        gazetteer.skeletons = {key: set(keys) for key, keys in self.skeletons.items()}
        gazetteer.max_tokens = self.max_tokens
        for number, item in enumerate(learned, start=1):
            gazetteer.places[-number] = PlaceRec(-number, item.name, item.district_id, item.country_code, 0,
                                                 item.x, item.y)  # fmt: skip
            gazetteer._add(item.name, Entry("place", -number, "exact"))
        return gazetteer

    def _add(self, name: str, entry: Entry) -> None:
        key = name_key(name)
        if not key:
            return
        keys = {key}
        words = key.split()
        # "Kurram Agency" is also found as "Kurram"; "Swat district" as "Swat" (never a bare admin word).
        while len(words) > 1 and words[-1] in ADMIN_WORDS:
            words = words[:-1]
            keys.add(" ".join(words))
        # Pashto and Urdu compounds are written joined and split alike ("Landi Kotal" / "Landikotal",
        # "Aka Khel" / "Akakhel"): a name of several words is also found written as one.
        keys |= {k.replace(" ", "") for k in keys if " " in k and k.isascii() and len(k) >= 7}
        for k in keys:
            bucket = self.index.setdefault(k, [])
            if entry not in bucket:
                # An area's own name outranks the same key as an alias of it.
                same = next((e for e in bucket if e.kind == entry.kind and e.id == entry.id), None)
                if same is None:
                    bucket.append(entry)
                elif same.method == "alias" and entry.method == "exact":
                    bucket[bucket.index(same)] = entry
            self.max_tokens = max(self.max_tokens, len(k.split()))
            sk = skeleton(k)
            if len(sk.replace(" ", "")) >= 3 and k.isascii():
                self.skeletons.setdefault(sk, set()).add(k)

    # ---- Lookups ----

    def lookup(self, key: str) -> list[Entry]:
        return self.index.get(key, [])

    def area(self, area_id: int | None) -> AreaRec | None:
        return self.areas.get(area_id) if area_id is not None else None

    def on_date(self, area_id: int | None, day: dt.date | None) -> int | None:
        """The area standing for ``area_id`` on ``day``: itself, or its successor/predecessor then, or the
        district it was carved from.

        "Kurram Agency" dated 2020 is KP's Kurram district; "Kurram" dated 2010 is the FATA agency;
        "Hattian" dated 1997 is Muzaffarabad as it was before 2009.
        """
        area = self.area(area_id)
        if area is None or area.valid_on(day):
            return area_id
        seen = {area.id}
        frontier = [area]
        while frontier:
            current = frontier.pop()
            for other_id in [current.successor_id, *current.predecessor_ids, current.carved_from_id]:
                other = self.area(other_id)
                if other is None or other.id in seen:
                    continue
                if other.valid_on(day):
                    return other.id
                seen.add(other.id)
                frontier.append(other)
        return area_id

    def province_of(self, area_id: int | None) -> int | None:
        area = self.area(area_id)
        while area is not None and area.level == "district":
            area = self.area(area.parent_id)
        return area.id if area is not None and area.level == "province" else None

    def place_district(self, place_id: int, day: dt.date | None) -> int | None:
        place = self.places.get(place_id)
        return self.on_date(place.district_id, day) if place else None

    # ---- Reverse geocoding (in-memory prepared geometries) ----

    def _load_boundaries(self):
        from geo.models import Area

        cells: dict[tuple[int, int], list] = {}
        rows = Area.objects.filter(level="district", boundary__isnull=False, valid_to__isnull=True).values_list(
            "id", "boundary"
        )
        for area_id, boundary in rows:
            prepared = boundary.prepared
            xmin, ymin, xmax, ymax = boundary.extent
            for cx in range(int(xmin // 1), int(xmax // 1) + 1):
                for cy in range(int(ymin // 1), int(ymax // 1) + 1):
                    cells.setdefault((cx, cy), []).append((area_id, prepared, boundary))
        return cells

    def reverse(self, x: float, y: float, day: dt.date | None = None) -> tuple[int | None, int | None, bool]:
        """(district id, province id, inside) for a point; ``inside`` False when only the nearest district
        within ~5 km matched (points on simplified borders and coasts)."""
        from django.contrib.gis.geos import Point

        if self._boundaries is None:
            with self._lock:
                if self._boundaries is None:
                    self._boundaries = self._load_boundaries()
        point = Point(x, y, srid=4326)
        candidates = self._boundaries.get((int(x // 1), int(y // 1)), [])
        for area_id, prepared, _ in candidates:
            if prepared.covers(point):
                district = self.on_date(area_id, day)
                return district, self.province_of(district), True
        best = min(((b.distance(point), aid) for aid, _, b in candidates), default=None)
        if best is not None and best[0] <= 0.05:
            district = self.on_date(best[1], day)
            return district, self.province_of(district), False
        return None, None, False

    def districts_near(self, x: float, y: float, km: float, day: dt.date | None = None) -> dict[int, float]:
        """Districts (as on ``day``) whose boundary lies within ``km`` of the point: the ones a point of that
        uncertainty cannot tell apart (simplified borders, a point "near" a named place), with their distance
        from it in degrees (0 for the one containing it)."""
        from django.contrib.gis.geos import Point

        if self._boundaries is None:
            self.reverse(x, y, day)  # loads the prepared boundaries
        point = Point(x, y, srid=4326)
        reach = km / 111.32  # degrees; a degree of longitude is shorter here, so this errs on the wide side
        seen, out = set(), {}
        for cx in range(int((x - reach) // 1), int((x + reach) // 1) + 1):
            for cy in range(int((y - reach) // 1), int((y + reach) // 1) + 1):
                for area_id, _, boundary in self._boundaries.get((cx, cy), []):
                    if area_id not in seen:
                        seen.add(area_id)
                        distance = boundary.distance(point)
                        if distance <= reach:
                            out[self.on_date(area_id, day)] = distance
        return out


# ---- One per process ----

_cache: dict[str, object] = {}
_cache_lock = threading.Lock()

_SIGNATURE_SQL = """
SELECT (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(max(updated)::text, '') FROM geo_area),
       (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(sum(hashtext(name)), 0) FROM geo_areaname),
       (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(sum(district_id), 0) || ':'
               || coalesce(sum(support), 0) || ':' || count(*) FILTER (WHERE blocked) || ':'
               || coalesce(sum(hashtext(name || alternate_names::text || ST_AsText(point))), 0) FROM geo_place)
"""


def signature() -> tuple:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_SIGNATURE_SQL)
        return tuple(cursor.fetchone())


def get_gazetteer(*, check: bool = True) -> Gazetteer:
    """The process's gazetteer, reloaded when the tables changed since it was loaded."""
    sig = signature() if check or "gazetteer" not in _cache else _cache["signature"]
    with _cache_lock:
        if _cache.get("signature") != sig or "gazetteer" not in _cache:
            _cache["gazetteer"] = Gazetteer.from_db()
            _cache["signature"] = sig
        return _cache["gazetteer"]


def invalidate() -> None:
    with _cache_lock:
        _cache.clear()
