"""Finding the places a text names and placing it in a district and province. Plain Python, no queries.

``Geocoder(gazetteer).geocode(texts, day=..., point=...)`` returns a ``Result``: the district, the
province, an honest precision, the point to use when the incident has none, and every mention with
its span, what it resolved to, how (exact / alias / fuzzy / point) and a score in [0, 1].

How it decides, in order:
1. spans: the longest gazetteer key at each token (names and aliases are folded: case, diacritics,
   Arabic-script variants); admin words ("district", "agency", "province", "valley", "ولسوالی")
   next to a name say which level it is; near-miss transliterations are proposed by a consonant
   skeleton index or, next to an admin word, by rapidfuzz over area names, and confirmed by rapidfuzz;
2. validity: an area that did not exist on the incident's date stands for its predecessor or
   successor (a FATA agency before 31 May 2018, the KP district after);
3. ambiguity: each span keeps the candidate most consistent with the other spans, the point and the
   incident's country (stated by the record, or else the one the text as a whole points to), then its
   own score; a name found inside a longer proper name ("Ziarat" in "Pash Ziarat") keeps a lower score;
4. the district is the best-supported one, weighing place text over title over description, earlier
   mentions over later ones, and each distinct name once; the province is its parent. A stated country
   bounds it (names abroad stay mentions); a province named outright outweighs a namesake village in
   another province (then only the province is given); a village matched inside a longer name is a
   mention to check, never a placement;
5. a point decides by the polygon containing it, except among the districts within its own uncertainty
   (``point_km``: borders drawn simpler than they run, "near" a named place), where the text decides.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from geo.gazetteer import ADMIN_WORDS, Gazetteer, name_key, skeleton, tokens

__all__ = ["POINT_KM", "Found", "Geocoder", "Result"]

SCORE = {"exact": 1.0, "alias": 0.92}
# How much being in the incident's country counts for one candidate, against another mention in the same
# district (0.5) or the point's district (1.0): stated by the record, it outranks any namesake elsewhere;
# inferred from the text itself, it only breaks near-ties between namesakes.
COUNTRY_STATED = 1.0
COUNTRY_INFERRED = 0.3
# How far a point may lie from the place it stands for, by its geo precision: an exact point is only as
# good as the district borders it is tested against (simplified files, ~2 km); UCDP's where_prec 2 and
# ACLED's geo_precision 2 say "near the named place" (UCDP: within about 25 km). District and province
# centroids are representative points of the area itself, so the polygon containing them decides.
POINT_KM = {"exact": 2.0, "near": 25.0}
FIELD_WEIGHT = {"place_text": 1.5, "title": 1.0, "description": 0.7}
# A point and the district its own text names that lie farther apart than this (beyond the point's own
# uncertainty) cannot both be right: "Sui town" plotted near Gwadar, 788 km from Sui. The point still places
# the incident; the district the text names is reported (``Result.text_district_id``) for a person to check.
DISAGREE_KM = 25.0

# Single words that are names somewhere in the gazetteer but far more often ordinary words in reports.
STOPWORDS = frozenset(
    """
    the and for near from with into over under after before says said police army forces force security
    official officials killed attack attacks strike strikes airstrike airstrikes drone drones border camp
    hospital market mosque school road bridge check post north south east west upper lower central new old city
    town village district province agency area areas valley khan shah ali gul mohammad muhammad mohammed ahmad
    ahmed abdul mir malik haji mullah sheikh pir kot kili killi dara bazar bazaar chowk garhi tehsil union
    council markaz center centre station base pass river tribal region march may june july august april january
    february september october november december monday tuesday wednesday thursday friday saturday sunday
    eastern western southern northern islamic state taliban government militants militant civilians civilian
    house home office street colony sector line control gate jail court hotel fort qila qala bagh nawa kala
    kalay kelay shahr banda dera zai khel khail kheil wala wali mandi darra sar pul sur ghar kach chak goth
    narai tangi kandao kandaw langar kamar mandai bandai maidan maiden thesil tehseel tahsil killa qilla nullah
    nala kalai
    """.split()  # noqa: SIM905 - a word list reads better as text
)

LEVEL_RANK = {"district": 3, "place": 2, "province": 1, "country": 0}

# Common words that are also parts of Pashto and Urdu place names ("Bosti Khel", "Pash Ziarat", "Kotla
# Saidan"): next to a matched name they say the name goes on, unlike "Road" or "Police".
NAME_PARTS = frozenset(
    """
    khel khail kheil khan shah zai kot kili killi kalay kelay kala kalai banda bandai bagh dara darra ghar mela
    narai tangi kandao kandaw garhi goth chak wala wali mandi mandai sar pul sur kach qila qala killa qilla nawa
    shahr pir mir malik haji ali gul mohammad muhammad ahmad ahmed abdul baba dad kamar maidan langar nullah nala
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# A name found inside a longer proper name ("Goran" in "Dasht-i-Goran", "Ziarat" in "Pash Ziarat") is more
# often another place that merely shares a word: its candidates keep this share of their score.
INSIDE_LONGER_NAME = 0.6
DISTANCE_UNITS = frozenset({"km", "kms", "kilometres", "kilometers", "kilometre", "kilometer", "miles", "mile"})
# What a place the text measures the incident's position from counts, against a place it is at.
MEASURED_FROM = 0.3
# Words after a name that say it is a settlement ("Hub town", "Wah village"): enough to read a short name.
SETTLEMENT_WORDS = frozenset({"town", "city", "village"})
# rapidfuzz ratio a near-miss of a capitalised word needs with no admin word next to it ("Bermal" → Barmal
# at 83 passes; "Badan" → Badin at 80 does not); next to "district"/"agency" 80 suffices.
FUZZY_BARE = 83


@dataclass(slots=True)
class Candidate:
    kind: str  # "area" | "place"
    id: int
    level: str  # country / province / district / place
    method: str
    score: float
    district_id: int | None
    province_id: int | None
    country_code: str


@dataclass(slots=True)
class Span:
    field: str
    start: int
    end: int
    text: str
    order: int
    hint: str | None
    candidates: list[Candidate]
    partial: bool = False  # found inside a longer proper name ("Ziarat" in "Pash Ziarat")
    reference: bool = False  # a place the text measures from ("20 km east of Miranshah"), not the place itself


@dataclass(slots=True)
class Found:
    """One mention: the span of one text field and what it resolved to."""

    field: str
    start: int
    end: int
    text: str
    kind: str
    area_id: int | None
    place_id: int | None
    level: str
    method: str
    score: float


@dataclass(slots=True)
class Result:
    district_id: int | None = None
    province_id: int | None = None
    country_code: str = ""
    precision: str = "unknown"
    point: tuple[float, float] | None = None
    from_point: bool = False
    mentions: list[Found] = field(default_factory=list)
    # With a point: the district the text names when it lies over DISAGREE_KM (plus the point's uncertainty)
    # from the point. One of the two is wrong; a person decides which.
    text_district_id: int | None = None


class Geocoder:
    """Stateless over one gazetteer; build once per process (``get_geocoder()`` in geo.geocoding)."""

    def __init__(self, gazetteer: Gazetteer):
        self.gaz = gazetteer
        # rapidfuzz choices for the admin-word-anchored pass: district and province keys, per level.
        self._level_keys: dict[str, list[str]] = {"district": [], "province": []}
        for key, entries in gazetteer.index.items():
            if not key.isascii():
                continue
            for entry in entries:
                if entry.kind == "area":
                    level = gazetteer.areas[entry.id].level
                    if level in self._level_keys:
                        self._level_keys[level].append(key)
        for level in self._level_keys:
            self._level_keys[level] = sorted(set(self._level_keys[level]))

    # ---- Spans ----

    def _candidates(self, key: str, method: str | None, score: float | None, day, exclude) -> list[Candidate]:
        out = []
        gaz = self.gaz
        for entry in gaz.lookup(key):
            if entry.kind == "area":
                area_id = gaz.on_date(entry.id, day)
                if ("area", area_id) in exclude or ("area", entry.id) in exclude:
                    continue
                area = gaz.areas[area_id]
                district = area_id if area.level == "district" else None
                province = gaz.province_of(area_id)
                out.append(Candidate("area", area_id, area.level, method or entry.method,
                                     score or SCORE[entry.method], district, province, area.country_code))  # fmt: skip
            else:
                if ("place", entry.id) in exclude:
                    continue
                place = gaz.places[entry.id]
                district = gaz.place_district(entry.id, day)
                if district is not None and ("area", district) in exclude:
                    continue
                base = (score or SCORE[entry.method]) * 0.97  # a place name is less certain than an area's
                out.append(Candidate("place", entry.id, "place", method or entry.method, base, district,
                                     gaz.province_of(district), place.country_code))  # fmt: skip
        # One candidate per target (a name and its alias can both hit).
        seen, unique = set(), []
        for cand in sorted(out, key=lambda c: -c.score):
            if (cand.kind, cand.id) not in seen:
                seen.add((cand.kind, cand.id))
                unique.append(cand)
        return unique

    @staticmethod
    def _hint(toks, i: int, j: int, text: str = "") -> str | None:
        """The level an adjacent admin word gives the span toks[i:j] ("X district", "province of X", "ولسوالی X").

        A word before the span counts only when nothing but spaces separates them ("Ziarat area, Mohmand
        Agency": "area" belongs to Ziarat), and the span's own admin word wins ("Kurram Agency").
        """
        if j - i > 1 and toks[j - 1][2] in ADMIN_WORDS:
            return ADMIN_WORDS[toks[j - 1][2]]
        if j < len(toks) and toks[j][2] in ADMIN_WORDS:
            return ADMIN_WORDS[toks[j][2]]

        def joined(a: int, b: int) -> bool:
            return not text or not text[toks[a][1] : toks[b][0]].strip()

        if i >= 1 and toks[i - 1][2] in ADMIN_WORDS and joined(i - 1, i):
            return ADMIN_WORDS[toks[i - 1][2]]
        if (
            i >= 2
            and toks[i - 1][2] == "of"
            and toks[i - 2][2] in ADMIN_WORDS
            and joined(i - 2, i - 1)
            and joined(i - 1, i)
        ):  # "district of Bagh", "province of Paktika"
            return ADMIN_WORDS[toks[i - 2][2]]
        return None

    def spans(self, text: str, field_name: str = "text", day: dt.date | None = None, exclude=frozenset(),
              order_start: int = 0) -> list[Span]:  # fmt: skip
        toks = tokens(text)
        n = len(toks)
        lower_text = text.islower()
        found: list[tuple[int, int, Span]] = []
        i = 0
        while i < n:
            for length in range(min(self.gaz.max_tokens, n - i), 0, -1):
                words = toks[i : i + length]
                key = " ".join(t[2] for t in words)
                if length > 1 and not self.gaz.lookup(key) and key.isascii():
                    key = key.replace(" ", "")  # "Aka Khel" written split, "Akakhel" in the gazetteer
                if key in ADMIN_WORDS or not self.gaz.lookup(key):
                    continue
                original = text[words[0][0] : words[-1][1]]
                latin = original.isascii()
                hint = self._hint(toks, i, i + length, text)
                if length == 1 and key in STOPWORDS and not self._named_area(key, hint, original):
                    continue
                # "Reg district", "Hub town": a short word is a name only when an admin word right after it
                # (or a district/province word beside it) says so.
                short = length == 1 and latin and len(key) < 4 and not original.isupper()
                settlement = i + 1 < n and toks[i + 1][2] in SETTLEMENT_WORDS
                if short and not ((hint in ("district", "province") or settlement) and original[:1].isupper()):
                    continue
                cands = self._candidates(key, None, None, day, exclude)
                if latin and original[:1].islower() and not lower_text:
                    # Lower-case words in a capitalised text are names only when they are area names.
                    cands = [c for c in cands if c.kind == "area" and len(key) >= 5]
                if not cands:
                    continue
                if latin and len(key) >= 5:
                    cands += self._alternatives(key, cands, day, exclude)
                span = self._span(field_name, words, text, hint, cands)
                span.reference = self._measured_from(toks, i)
                if not lower_text and self._inside_longer_name(toks, i, i + length, text):
                    span.partial = True
                    for cand in cands:
                        cand.score *= INSIDE_LONGER_NAME
                found.append((i, i + length, span))
                i += length
                break
            else:
                i += 1
        self._fuzzy_admin(text, toks, found, field_name, day, exclude)
        self._fuzzy_skeleton(text, toks, found, field_name, day, exclude, lower_text)
        found.sort(key=lambda item: item[0])
        spans = []
        for order, (_, _, span) in enumerate(found, start=order_start):
            span.order = order
            spans.append(span)
        return spans

    @staticmethod
    def _measured_from(toks, i: int) -> bool:
        """True when the name at toks[i] follows "<distance> … of/from" ("40 km southeast of Miranshah",
        "some 300 miles from Quetta"): the text places the incident away from it."""
        k = i - 1
        if k >= 0 and toks[k][2] == "the":
            k -= 1
        if k < 0 or toks[k][2] not in ("of", "from"):
            return False
        return any(t[2] in DISTANCE_UNITS for t in toks[max(0, k - 6) : k])

    def _inside_longer_name(self, toks, i: int, j: int, text: str) -> bool:
        """True when toks[i:j] is joined to a neighbouring word that continues the name: by a hyphen
        ("Dasht-i-Goran"), or by a space to a capitalised word that is no admin word, no ordinary word
        and no area name of its own ("Pash Ziarat", "Bosti Khel"; not "Swat Valley", "Matta Swat")."""
        if text.isupper():
            return False
        for k, gap in ((i - 1, (i - 1, i)), (j, (j - 1, j))):
            if k < 0 or k >= len(toks):
                continue
            between = text[toks[gap[0]][1] : toks[gap[1]][0]]
            word = toks[k][2]
            if word in ADMIN_WORDS:
                continue
            if between == "-":
                return True
            if between != " ":
                continue
            original = text[toks[k][0] : toks[k][1]]
            if not original[:1].isupper() or (word in STOPWORDS and word not in NAME_PARTS):
                continue
            if any(e.kind == "area" for e in self.gaz.lookup(word)):
                continue
            return True
        return False

    def _named_area(self, key: str, hint: str | None, original: str) -> bool:
        """A common word that an adjacent admin word makes a name: "Bagh district", "Dara district"."""
        if hint not in ("district", "province") or not original[:1].isupper():
            return False
        return any(e.kind == "area" and self.gaz.areas[e.id].level == hint for e in self.gaz.lookup(key))

    def _alternatives(self, key, cands, day, exclude) -> list[Candidate]:
        """Close spellings of an exact match, kept as weaker candidates so context can prefer them
        ("Charsada town. Charsadda": the Afghan district Charsada or Pakistan's Charsadda)."""
        extra = []
        have = {(c.kind, c.id) for c in cands}
        for other in self.gaz.skeletons.get(skeleton(key), ()):
            if other == key:
                continue
            ratio = fuzz.ratio(key, other)
            if ratio < 85:
                continue
            for cand in self._candidates(other, "fuzzy", ratio / 100 * 0.85, day, exclude):
                if (cand.kind, cand.id) not in have:
                    have.add((cand.kind, cand.id))
                    extra.append(cand)
        return extra

    @staticmethod
    def _span(field_name, words, text, hint, cands) -> Span:
        start, end = words[0][0], words[-1][1]
        if hint in ("district", "province"):
            at_level = [c for c in cands if c.level == hint]
            if at_level:
                cands = at_level
        # "Karachi town", "Tirah valley": a place is preferred (below) but an area of that name, or a
        # sub-division alias ("Kabal town" = Kabal tehsil of Swat), stays in the running for context.
        for cand in cands:
            if hint and cand.level == hint:
                cand.score = min(1.0, cand.score + 0.05)
        return Span(field_name, start, end, text[start:end], 0, hint, cands)

    def _fuzzy_admin(self, text, toks, found, field_name, day, exclude) -> None:
        """Near-misses right before "district"/"agency"/"province".

        "Khyber Pakhtunkwa province", "Jafarabad Distrcit".
        """
        covered = {k for a, b, _ in found for k in range(a, b)}
        for k, (_, _, word) in enumerate(toks):
            level = ADMIN_WORDS.get(word)
            if level not in ("district", "province") or k == 0 or k in covered:
                continue
            if (k - 1) in covered and self._ends_at(found, k):
                continue
            for length in (3, 2, 1):
                i = k - length
                if i < 0:
                    continue
                words = toks[i:k]
                key = " ".join(t[2] for t in words)
                if len(key) < 5 or not key.isascii() or key in STOPWORDS:
                    continue
                best = process.extractOne(key, self._level_keys[level], scorer=fuzz.ratio, score_cutoff=85)
                if best is None:
                    continue
                cands = [c for c in self._candidates(best[0], "fuzzy", best[1] / 100 * 0.9, day, exclude)
                         if c.level == level]  # fmt: skip
                if not cands:
                    continue
                # Replace the shorter exact spans this one swallows ("Khyber" inside "Khyber Pakhtunkwa").
                found[:] = [item for item in found if item[1] <= i or item[0] >= k]
                found.append((i, k, self._span(field_name, words, text, level, cands)))
                covered = {x for a, b, _ in found for x in range(a, b)}
                break

    @staticmethod
    def _ends_at(found, k) -> bool:
        return any(b == k for _, b, _ in found)

    def _fuzzy_skeleton(self, text, toks, found, field_name, day, exclude, lower_text) -> None:
        """Transliteration near-misses of capitalised words: "Bermal", "Orgun", "Acheen" (rapidfuzz ≥ 80)."""
        covered = {k for a, b, _ in found for k in range(a, b)}
        for length in (2, 1):
            for i in range(len(toks) - length + 1):
                if any(k in covered for k in range(i, i + length)):
                    continue
                words = toks[i : i + length]
                original = text[words[0][0] : words[-1][1]]
                key = " ".join(t[2] for t in words)
                if not original.isascii() or len(key) < 5 or key in STOPWORDS or words[0][2] in ADMIN_WORDS:
                    continue
                if not lower_text and not original[:1].isupper():
                    continue
                options = self.gaz.skeletons.get(skeleton(key))
                if not options:
                    continue
                best = max(((fuzz.ratio(key, o), o) for o in options), default=(0, None))
                # A bare word needs to be nearer an area's name than one an admin word vouches for.
                vouched = self._hint(toks, i, i + length, text) in ("district", "province")
                if best[0] < 80 or (best[0] < FUZZY_BARE and not vouched):
                    continue
                cands = self._candidates(best[1], "fuzzy", best[0] / 100 * 0.9, day, exclude)
                if best[0] < 88:
                    cands = [c for c in cands if c.kind == "area"]  # near-misses to villages need to be nearer
                if not cands:
                    continue
                span = self._span(field_name, words, text, self._hint(toks, i, i + length, text), cands)
                if self._inside_longer_name(toks, i, i + length, text):
                    span.partial = True
                    for cand in cands:
                        cand.score *= INSIDE_LONGER_NAME
                found.append((i, i + length, span))
                covered.update(range(i, i + length))

    # ---- Resolution ----

    def geocode(self, texts: dict[str, str], *, day: dt.date | None = None, point: tuple[float, float] | None = None,
                exclude=frozenset(), country: str | None = None, point_km: float = 0.0) -> Result:  # fmt: skip
        """Place one incident from its texts (field → text) and/or its point. Pure; no database access
        (except loading boundaries on the first reverse geocoding of the process).

        ``country`` is the ISO code of the country the incident happened in, when the record states it
        (an import's country column, the analyst's form): namesakes inside it are preferred, and the
        district and province are taken inside it whenever the text names anything there. Without it the
        text's own dominant country is decided first and namesakes are preferred inside that, more weakly.

        ``point_km`` is how far the point may be from where the incident happened (``POINT_KM`` by its geo
        precision): among the districts that close to it, the one the text names wins over the one drawn
        around the point. A district farther away never overrides the point.
        """
        spans: list[Span] = []
        for field_name, text in texts.items():
            if text:
                spans.extend(self.spans(text, field_name, day, exclude, order_start=len(spans)))
        point_district = point_province = None
        inside = False
        if point is not None:
            point_district, point_province, inside = self.gaz.reverse(point[0], point[1], day)
        prior, weight = (country, COUNTRY_STATED) if country else (None, 0.0)
        if point_district is not None and point_km:
            point_district = self._within_uncertainty(point, point_km, point_district, spans, day, country)
            point_province = self.gaz.province_of(point_district)
        if prior is None and point_district is None and len(spans) > 1:
            # Two passes over the same spans: the country the text as a whole points to, then each name
            # read inside it ("Kabal, Swat": Swat's Kabal, not a namesake of Kabul).
            first = Result()
            self._place_from_text(first, self._choose(spans, None, None))
            prior, weight = first.country_code or None, COUNTRY_INFERRED
        chosen = self._choose(spans, point_district, point_province, prior, weight)
        result = Result(mentions=[self._found(span, cand) for span, cand in chosen])

        if point_district is not None or point_province is not None:
            result.district_id, result.province_id = point_district, point_province
            result.from_point = True
            result.precision = "exact"
            result.country_code = self.gaz.areas[point_district or point_province].country_code
            result.text_district_id = self._disagreeing_district(point, point_km, point_district, spans, day, country)
            return result
        self._place_from_text(result, chosen, country)
        return result

    def _text_district(self, spans: list[Span], country) -> int | None:
        """The district the spans name where the incident is (not a place it is measured from)."""
        at = [span for span in spans if not span.reference]  # "40 km from Miranshah" says where it is not
        if not at:
            return None
        by_text = Result()
        prior = (country, COUNTRY_STATED) if country else (None, 0.0)
        self._place_from_text(by_text, self._choose(at, None, None, *prior), country)
        return by_text.district_id

    def _disagreeing_district(self, point, km: float, district, spans: list[Span], day, country) -> int | None:
        """The district the text names, when it lies farther from the point than the point's uncertainty allows
        (``km``) plus ``DISAGREE_KM``; None when they agree or the text names no district."""
        named = self._text_district(spans, country)
        if named is None or named == district:
            return None
        if named in self.gaz.districts_near(point[0], point[1], km + DISAGREE_KM, day):
            return None
        return named

    def _within_uncertainty(self, point, km: float, district: int, spans: list[Span], day, country) -> int:
        """The district for a point that may lie up to ``km`` from where the incident happened.

        The districts that close cannot be told apart by the point (its own uncertainty, or borders drawn
        simpler than they run): the one the text names decides among them, and only among them. When the
        record states the country and the point falls just across its border, the nearest district inside
        the country stands (a strike "in North Waziristan" plotted a kilometre into Khost).
        """
        near = self.gaz.districts_near(point[0], point[1], km, day)
        if country is not None:
            near = {d: dist for d, dist in near.items() if self.gaz.areas[d].country_code == country} or near
        if len(near) < 2 and district in near:
            return district
        named = self._text_district(spans, country)
        if named is not None and named in near:
            return named
        if district in near or not near:
            return district
        return min(near, key=near.get)

    def _choose(self, spans: list[Span], point_district, point_province, country: str | None = None,
                country_weight: float = 0.0) -> list[tuple[Span, Candidate]]:  # fmt: skip
        chosen = []
        for span in spans:
            if not span.candidates:
                continue
            best, best_value = None, -math.inf
            for cand in span.candidates:
                value = cand.score
                for other in spans:
                    if other is span:
                        continue
                    support = 0.0
                    for oc in other.candidates:
                        if cand.district_id is not None and oc.district_id == cand.district_id:
                            support = max(support, 0.5)
                        elif cand.province_id is not None and oc.province_id == cand.province_id:
                            support = max(support, 0.3)
                        elif oc.country_code == cand.country_code:
                            support = max(support, 0.05)
                    value += support
                if point_district is not None:
                    if cand.district_id == point_district:
                        value += 1.0
                    elif cand.province_id == point_province:
                        value += 0.5
                    elif cand.province_id is not None:
                        value -= 0.5
                if country is not None and cand.country_code == country:
                    value += country_weight
                value += 0.02 * LEVEL_RANK.get(cand.level, 0)
                if cand.kind == "place":
                    value += math.log10(self.gaz.places[cand.id].population + 1) / 50
                    if self._namesake(cand):
                        value += 0.1  # the town a district is named after (Sahiwal in Sahiwal district)
                if value > best_value:
                    best, best_value = cand, value
            chosen.append((span, best))
        return chosen

    def _namesake(self, cand: Candidate) -> bool:
        if cand.kind != "place" or cand.district_id is None:
            return False
        district = self.gaz.areas[cand.district_id]
        return name_key(self.gaz.places[cand.id].name).split()[:1] == name_key(district.name).split()[:1]

    def _found(self, span: Span, cand: Candidate) -> Found:
        return Found(
            field=span.field, start=span.start, end=span.end, text=span.text[:300], kind=cand.kind,
            area_id=cand.id if cand.kind == "area" else cand.district_id,
            place_id=cand.id if cand.kind == "place" else None,
            level=cand.level, method=cand.method, score=round(min(1.0, max(0.0, cand.score)), 4),
        )  # fmt: skip

    def _place_from_text(
        self, result: Result, chosen: list[tuple[Span, Candidate]], country: str | None = None
    ) -> None:
        if country is not None:
            # The record says where it happened: names elsewhere stay mentions ("opposite Barmal district,
            # Paktika" in a Pakistani report; a Pakistani village that shares an Afghan district's name)
            # but cannot place the incident. Unresolved is more honest than a district across the border.
            chosen = [(span, c) for span, c in chosen if c.country_code == country]
        districts: dict[int, float] = {}
        provinces: dict[int, float] = {}
        countries: dict[str, float] = {}
        best_place: dict[int, tuple[float, Candidate]] = {}
        # Each name counts once for a target (its best span), so a name repeated in two fields does not
        # outvote a district named once; two different names of one district ("Kabal ... Swat") both count.
        # A district named outright outweighs a village that may be a namesake.
        best_weight: dict[tuple[str, str, int], tuple[float, Candidate]] = {}
        for span, cand in chosen:
            if span.partial and (cand.kind == "place" or cand.method == "fuzzy"):
                continue  # "Qambar" of "Qambar Khel", "Tatta" of "Tatta Pani": a mention to check, not a placement
            weight = cand.score * FIELD_WEIGHT.get(span.field, 1.0) / (1 + 0.15 * span.order)
            if span.reference:
                weight *= MEASURED_FROM  # the incident is some way off: often in the next district
            if cand.level == "district" and span.hint == "district":
                weight *= 1.5  # "X area, Mohmand Agency": the district a report names outright, admin word and all
            key = (name_key(span.text), cand.kind, cand.id)
            if weight > best_weight.get(key, (0.0, None))[0]:
                best_weight[key] = (weight, cand)
        named_provinces: dict[int, float] = {}
        for weight, cand in best_weight.values():
            countries[cand.country_code] = countries.get(cand.country_code, 0) + weight
            if cand.province_id is not None:
                provinces[cand.province_id] = provinces.get(cand.province_id, 0) + weight
            if cand.level == "province":
                named_provinces[cand.id] = named_provinces.get(cand.id, 0) + weight
            if cand.district_id is not None:
                share = weight * (1.0 if cand.level == "district" or self._namesake(cand) else 0.6)
                districts[cand.district_id] = districts.get(cand.district_id, 0) + share
                if cand.kind == "place" and share > best_place.get(cand.district_id, (0, None))[0]:
                    best_place[cand.district_id] = (share, cand)
        if districts:
            # A province the text names backs the districts inside it ("Arghandab, Kandahar").
            district = max(districts, key=lambda d: districts[d] + 0.5 * provinces.get(self.gaz.province_of(d), 0))
            named = max(named_provinces, key=named_provinces.get, default=None)
            if (
                named is not None
                and named != self.gaz.province_of(district)
                and (named_provinces[named] > districts[district])
            ):
                # "Jhelum Valley, Azad Jammu and Kashmir (AJK)": the province named outright outweighs a
                # namesake village elsewhere; say the province and leave the district open.
                districts = {}
        if districts:
            result.district_id = district
            result.province_id = self.gaz.province_of(district)
            place = best_place.get(district)
            explicit = any(c.level == "district" and c.district_id == district for _, c in chosen)
            if place is not None and not explicit:
                p = self.gaz.places[place[1].id]
                result.precision, result.point = "near", (p.x, p.y)
            else:
                area = self.gaz.areas[district]
                result.precision, result.point = "district", (area.x, area.y)
        elif provinces:
            province = max(named_provinces or provinces, key=(named_provinces or provinces).get)
            area = self.gaz.areas[province]
            result.province_id, result.precision, result.point = province, "province", (area.x, area.y)
        elif countries:
            code = max(countries, key=countries.get)
            country = next(
                (a for a in self.gaz.areas.values() if a.level == "country" and a.country_code == code), None
            )
            result.precision = "country"
            result.point = (country.x, country.y) if country else None
        if result.district_id or result.province_id:
            result.country_code = self.gaz.areas[result.district_id or result.province_id].country_code
        elif countries:
            result.country_code = max(countries, key=countries.get)

    # ---- Names to areas (the benchmark's truth and the command's lookups use the same path) ----

    def resolve_name(self, name: str, level: str, day: dt.date | None = None, *, country: str | None = None,
                     province: int | None = None) -> int | None:  # fmt: skip
        """The area a name stands for at ``level`` on ``day`` ("Kurram agency", "Khyber Pakhtunkwa province").

        ``country`` and ``province`` (an area id) are what the caller already knows of where the name lies:
        "Kohistan district" in Pakistan's Khyber Pakhtunkhwa is not Afghanistan's Kohistan.
        """
        spans = self.spans(name, "text", day)
        chosen = self._choose(spans, None, None, country, COUNTRY_STATED if country else 0.0)
        if province is not None:
            for span, _ in chosen:
                for cand in sorted(span.candidates, key=lambda c: -c.score):
                    if cand.level == level and (cand.id if level == "province" else cand.province_id) == province:
                        return cand.id
        for _, cand in chosen:
            if cand.level == level:
                return cand.id
        if level == "province":
            for _, cand in chosen:
                if cand.province_id is not None:
                    return cand.province_id
        return None


def name_is_known(gazetteer: Gazetteer, name: str) -> bool:
    return bool(gazetteer.lookup(name_key(name)))
