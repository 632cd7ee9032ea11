"""Geocoder accuracy and throughput on real data nobody here labelled (UCDP GED).

Input: an event's place text (``where_coordinates`` + ``where_description``) with its date and its
country (UCDP's ``iso3``: what an import or the analyst's form states), and, separately, its point;
truth: UCDP's own ``adm_1`` / ``adm_2``, mapped to our areas by the product's own name machinery
(``Geocoder.resolve_name`` — the same spans, aliases, fuzzy matching and validity dates, inside the
event's country and adm_2 inside adm_1; no table written for the benchmark). UCDP keeps FATA as a
province after the 2018 merger; the validity dates map it to Khyber Pakhtunkhwa then, as they do for
incidents. Events whose adm_1/adm_2 is blank (or names nothing we can map: reported) are not judged.

Besides the headline, one run reports: text without the country; text over a gazetteer without the
aliases.csv rows marked "NOT yet checked" (chosen while reading this benchmark's misses, so they
flatter it); point and text together with the point's own uncertainty (UCDP's where_prec); the point
restricted to where_prec 1; and how far the point misses lie from UCDP's own adm_2.

``run()`` returns the rows ``make bench`` prints; ``python -m bench.geocoder`` prints them with the
confusion samples.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import time
from collections import Counter
from pathlib import Path

__all__ = ["run"]

UCDP_PK = "ucdp-ged-pakistan-hdx/conflict_data_pak.csv"
UCDP_AF = "ucdp-ged-afghanistan-subset/clean_conflicts.geojson"
TARGETS = {"text_province": 97.0, "text_district": 85.0, "point_district": 97.0, "texts_per_s": 2000.0}


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


# UCDP's ISO 3166-1 alpha-3 country column, as the alpha-2 codes the gazetteer uses.
ISO3 = {"PAK": "PK", "AFG": "AF"}


def load_pakistan(data_dir: Path) -> list[dict]:
    """UCDP GED Pakistan: skip the HXL hashtag row; the csv module handles multi-line quoted fields."""
    with (data_dir / UCDP_PK).open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if not row["latitude"].startswith("#")]
    return [
        {"id": row["id"], "day": _day(row["date_start"]),
         "text": f"{row['where_coordinates']}. {row['where_description']}",
         "point": (float(row["longitude"]), float(row["latitude"])), "adm_1": row["adm_1"], "adm_2": row["adm_2"],
         "country": ISO3.get(row["iso3"]), "where_prec": int(row["where_prec"] or 0)}
        for row in rows
    ]  # fmt: skip


def load_afghanistan(data_dir: Path) -> list[dict]:
    """The third-party Afghan subset: no place text and no adm_1; ``adm_2`` like "Nad Ali district (Marja)".
    It has no country column either: every event of the subset is in Afghanistan, as its name says."""
    data = json.loads((data_dir / UCDP_AF).read_text(encoding="utf-8"))
    return [
        {"id": str(f["properties"]["id"]), "day": _day(f["properties"].get("date_start")),
         "text": f["properties"].get("adm_2") or "", "point": tuple(f["geometry"]["coordinates"][:2]),
         "adm_1": "", "adm_2": f["properties"].get("adm_2") or "", "country": "AF", "where_prec": 0}
        for f in data["features"]
    ]  # fmt: skip


def _truth(geocoder, events: list[dict]) -> None:
    """UCDP's adm_1/adm_2 as our areas, by the product's name machinery, read as UCDP means them: inside the
    event's country, the district inside the named province ("Kohistan district", KP), on the event's date."""
    for event in events:
        day, country = event["day"], event["country"]
        province = geocoder.resolve_name(event["adm_1"], "province", day, country=country) if event["adm_1"] else None
        district = (
            geocoder.resolve_name(event["adm_2"], "district", day, country=country, province=province)
            if event["adm_2"] else None
        )  # fmt: skip
        if province is None and district is not None:
            province = geocoder.gaz.province_of(district)  # the Afghan subset has no adm_1
        event["truth_district"], event["truth_province"] = district, province


def _geocode_texts(geocoder, events: list[dict], key: str, *, country: bool) -> float:
    """The worker's own call over every event; CPU seconds of this one single-threaded process."""
    started = time.process_time()
    for e in events:
        r = geocoder.geocode({"place_text": e["text"]}, day=e["day"], country=e["country"] if country else None)
        e[f"{key}_district"], e[f"{key}_province"] = r.district_id, r.province_id
        e[f"{key}_mentions"] = len(r.mentions)
    return time.process_time() - started


def _truth_rows(label: str, events: list[dict]) -> list[dict]:
    """How many events can be judged at all: UCDP names nothing (blank) or a name we cannot map. Both are
    left out of the denominators above, never counted right or wrong."""
    rows = []
    for column, level in (("adm_1", "province"), ("adm_2", "district")):
        blank = sum(1 for e in events if not e[column])
        unmapped = sorted({e[column] for e in events if e[column] and e[f"truth_{level}"] is None})
        count = sum(1 for e in events if e[column] and e[f"truth_{level}"] is None)
        rows.append({"figure": f"geocoder truth: {column} blank / named but not mapped, not judged ({label})",
                     "value": f"{blank} / {count}", "unit": "events", "target": "", "baseline": None, "ratio": None,
                     "unmapped_names": unmapped})  # fmt: skip
    return rows


def _score(gaz, events: list[dict], key: str) -> dict:
    """Right %, unresolved % and the most frequent confusions for one input (``text`` / ``point``)."""
    out = {}
    for level in ("province", "district"):
        judged = [e for e in events if e[f"truth_{level}"] is not None]
        right = sum(1 for e in judged if e[f"{key}_{level}"] == e[f"truth_{level}"])
        unresolved = sum(1 for e in judged if e[f"{key}_{level}"] is None)
        confusions = Counter(
            (gaz.areas[e[f"truth_{level}"]].name,
             gaz.areas[e[f"{key}_{level}"]].name if e[f"{key}_{level}"] else "(unresolved)")
            for e in judged if e[f"{key}_{level}"] != e[f"truth_{level}"]
        )  # fmt: skip
        out[level] = {
            "judged": len(judged), "right": 100.0 * right / max(1, len(judged)),
            "unresolved": 100.0 * unresolved / max(1, len(judged)), "confusions": confusions.most_common(8),
        }  # fmt: skip
    return out


def _examples(gaz, events: list[dict], key: str, n: int = 6) -> list[str]:
    wrong = [e for e in events if e["truth_district"] is not None and e[f"{key}_district"] != e["truth_district"]]
    lines = []
    for e in wrong[:: max(1, len(wrong) // n)][:n]:
        got = gaz.areas[e[f"{key}_district"]].name if e[f"{key}_district"] else "(unresolved)"
        lines.append(f"{e['id']}: {e['text'][:70]!r} → {got}; UCDP {e['adm_2']!r}")
    return lines


def _reverse_postgis(points: list[tuple[float, float, dt.date | None]]) -> list[int | None]:
    """The same reverse geocoding by PostGIS, one query per point (as a worker without the cache would)."""
    from django.contrib.gis.geos import Point

    from geo.geocoding import reverse

    out = []
    for x, y, day in points:
        district, _ = reverse(Point(x, y, srid=4326), day)
        out.append(district.pk if district else None)
    return out


class _Distances:
    """How far a point lies from UCDP's own adm_2, as our file draws it (its current successor's ground)."""

    def __init__(self, gaz):
        self.gaz, self.boundaries = gaz, {}

    def km(self, truth: int, point: tuple[float, float]) -> float:
        from django.contrib.gis.geos import Point

        from geo.models import Area

        area = self.gaz.areas[truth]
        current = area.successor_id if area.valid_to is not None and area.successor_id else truth
        if current not in self.boundaries:
            self.boundaries[current] = Area.objects.get(pk=current).boundary
        return self.boundaries[current].distance(Point(*point, srid=4326)) * 111.32


def _point_misses(gaz, events: list[dict]) -> list[dict]:
    """Where the point misses lie: how far UCDP's point is from UCDP's own adm_2. Within ~2 km is the borders'
    drawing; beyond 25 km UCDP's point and its adm_2 disagree (e.g. "Sui" plotted at a namesake near Gwadar),
    which no reverse geocoder can mend. Then the points UCDP repeats most among the misses, each explained."""
    distances = _Distances(gaz)
    bands = [0, 0, 0]
    clusters: dict[tuple, list[dict]] = {}
    for e in events:
        truth = e["truth_district"]
        if truth is None or e["point_district"] == truth:
            continue
        e["miss_km"] = km = distances.km(truth, e["point"])
        bands[0 if km <= 2 else 1 if km <= 25 else 2] += 1
        clusters.setdefault((round(e["point"][0], 3), round(e["point"][1], 3), truth), []).append(e)
    judged = sum(1 for e in events if e["truth_district"] is not None)
    consistent = judged - bands[2]
    consistent_right = 100.0 * (consistent - bands[0] - bands[1]) / max(1, consistent)
    top = sorted(clusters.values(), key=len, reverse=True)[:6]
    notes = "; ".join(
        f"{c[0]['text'].split('.')[0]!r} ×{len(c)}: UCDP {c[0]['adm_2']!r}; the point lies "
        + (f"{c[0]['miss_km']:.1f} km outside it" if c[0]["miss_km"] >= 0.05 else "on its border line")
        + f", in {gaz.areas[c[0]['point_district']].name if c[0]['point_district'] else 'no district'}"
        for c in top
    )
    misses = sum(bands)
    return [
        {"figure": "geocoder point: misses by distance from UCDP's own adm_2, ≤ 2 km / 2–25 km / > 25 km (UCDP PK)",
         "value": " / ".join(str(b) for b in bands), "unit": "events", "target": "", "baseline": None, "ratio": None},
        {"figure": f"geocoder point: misses at the 6 points UCDP repeats most (UCDP PK, of {misses} misses)",
         "value": sum(len(c) for c in top), "unit": "events", "target": "", "baseline": None, "ratio": None,
         "notes": notes},
        # The misses UCDP's own point and its own adm_2 explain: more than 25 km apart (its where_prec 2 allows
        # 25 km), UCDP placed the point at a namesake; no reverse geocoder gets those right.
        {"figure": f"geocoder point: district right where UCDP's point lies within 25 km of its own adm_2 "
                   f"(UCDP PK, n={consistent})",
         "value": round(consistent_right, 1), "unit": "%", "target": "≥ 97%", "baseline": None, "ratio": None,
         "met": consistent_right >= 97},
    ]  # fmt: skip


def _text_misses(gaz, events: list[dict], key: str) -> dict:
    """The place texts that most often leave the text unresolved: villages and tehsils the gazetteer lacks."""
    unresolved = Counter(
        (e["text"].split(".")[0].strip(), e["adm_2"])
        for e in events if e["truth_district"] is not None and e[f"{key}_district"] is None
    )  # fmt: skip
    top = unresolved.most_common(8)
    return {"figure": "geocoder text: the place texts most often unresolved (UCDP PK)",
            "value": sum(n for _, n in top), "unit": "events", "target": "", "baseline": None, "ratio": None,
            "notes": "; ".join(f"{place!r} ×{n} (UCDP {adm_2!r})" for (place, adm_2), n in top)}  # fmt: skip


LEARN_CUTOFF = dt.date(2012, 1, 1)


def _learned_rows(pakistan: list[dict]) -> list[dict]:
    """The desk learns places from its located incidents (``geo.learning``). Measured as it would happen: learn
    from the events before 2012 whose point UCDP gives as the place itself or within ~25 km of it (where_prec
    1–2; points and place texts only, never UCDP's adm labels), then geocode the texts of the events from 2012
    on, against the same gazetteer without the learned places."""
    from geo.gazetteer import UNVERIFIED, Gazetteer
    from geo.geocoder import Geocoder
    from geo.learning import learn

    train = [e for e in pakistan if e["day"] and e["day"] < LEARN_CUTOFF and e["where_prec"] in (1, 2)]
    test = [e for e in pakistan if e["day"] and e["day"] >= LEARN_CUTOFF]
    period = f"UCDP PK {LEARN_CUTOFF.year}–{max(e['day'] for e in test).year}"
    rows = []
    for what, markers in (("held out", (UNVERIFIED,)), ("as shipped", ())):
        base = Gazetteer.from_db(without_name_sources=markers, with_learned=False)
        learned = learn(Geocoder(base), [(e["text"], *e["point"]) for e in train])
        for how, gaz in (("alone", base), ("with learned places", base.with_learned(learned))):
            geocoder = Geocoder(gaz)
            right = Counter()
            judged = Counter()
            for e in test:
                r = geocoder.geocode({"place_text": e["text"]}, day=e["day"], country=e["country"])
                for level, got in (("province", r.province_id), ("district", r.district_id)):
                    if e[f"truth_{level}"] is not None:
                        judged[level] += 1
                        right[level] += got == e[f"truth_{level}"]
            for level in ("province", "district"):
                value = 100.0 * right[level] / max(1, judged[level])
                target = TARGETS[f"text_{level}"]
                rows.append({
                    "figure": f"geocoder text ({what} gazetteer), {how}: {level} right ({period}, n={judged[level]})",
                    "value": round(value, 1), "unit": "%", "target": f"≥ {target:g}%", "baseline": None,
                    "ratio": None, "met": value >= target,
                    "notes": (f"{len(learned)} places learned from {len(train)} located events before "
                              f"{LEARN_CUTOFF.year}" if how != "alone" else "no learned places"),
                })  # fmt: skip
    return rows


def run(sizes=None) -> list[dict]:
    """Measure and return the benchmark rows (``sizes`` is ignored: the data sets are fixed)."""
    _setup()
    from django.conf import settings

    from geo.gazetteer import UNVERIFIED, Gazetteer, get_gazetteer
    from geo.geocoder import POINT_KM, Geocoder
    from geo.models import Area

    data_dir = Path(settings.SHARED_DATA_DIR)
    if not Area.objects.exists():
        from geo.importers import import_all

        import_all(data_dir)
    gaz = get_gazetteer()
    geocoder = Geocoder(gaz)
    pakistan, afghanistan = load_pakistan(data_dir), load_afghanistan(data_dir)
    _truth(geocoder, pakistan)
    _truth(geocoder, afghanistan)

    # Text: the same call the worker makes, with the country the record states (UCDP's country column, as
    # an import or the analyst's form gives it); then without it; then over a gazetteer without the
    # names aliases.csv marks as not yet checked (chosen while reading this benchmark's misses).
    text_seconds = _geocode_texts(geocoder, pakistan, "text", country=True)
    _geocode_texts(geocoder, afghanistan, "text", country=True)
    _geocode_texts(geocoder, pakistan, "nocountry", country=False)
    checked = Geocoder(Gazetteer.from_db(without_name_sources=(UNVERIFIED,)))
    _geocode_texts(checked, pakistan, "checked", country=True)

    # Point and text together, as the worker geocodes an import that has both: the point decides, except
    # among the districts its own uncertainty (UCDP's where_prec, as our geo precision) cannot tell apart.
    for e in pakistan:
        precision = {1: "exact", 2: "near", 3: "district", 4: "province"}.get(e["where_prec"], "country")
        r = geocoder.geocode({"place_text": e["text"]}, day=e["day"], point=e["point"], country=e["country"],
                             point_km=POINT_KM.get(precision, 0.0))  # fmt: skip
        e["both_district"], e["both_province"] = r.district_id, r.province_id
        e["disagrees"] = r.text_district_id

    gaz.reverse(70.0, 33.0)  # load the prepared boundaries before timing
    started = time.perf_counter()
    for e in pakistan + afghanistan:
        district, province, _ = gaz.reverse(*e["point"], e["day"])
        e["point_district"], e["point_province"] = district, province
    memory_seconds = time.perf_counter() - started

    sample = [(*e["point"], e["day"]) for e in pakistan[::6]]
    started = time.perf_counter()
    postgis = _reverse_postgis(sample)
    postgis_seconds = time.perf_counter() - started
    memory_sample = [gaz.reverse(x, y, day)[0] for x, y, day in sample]
    agree = 100.0 * sum(a == b for a, b in zip(postgis, memory_sample, strict=True)) / len(sample)

    texts_per_s = len(pakistan) / text_seconds
    rows = []
    for label, events in (("UCDP PK", pakistan), ("UCDP AF subset", afghanistan)):
        for key in ("text", "point"):
            # The Afghan subset has no place text: its adm_2 is the only text, so "text" there is a
            # self-check of the names and aliases (every district spelling UCDP uses is found), not accuracy.
            score = _score(gaz, events, key)
            for level in ("province", "district"):
                target = TARGETS.get(f"{key}_{level}") if label == "UCDP PK" else None
                s = score[level]
                what = f"{label}, adm_2 as text" if (label != "UCDP PK" and key == "text") else label
                rows.append({
                    "figure": f"geocoder {key}: {level} right ({what}, n={s['judged']})",
                    "value": round(s["right"], 1), "unit": "%", "target": f"≥ {target:g}%" if target else "",
                    "baseline": None, "ratio": None,
                    "unresolved": round(s["unresolved"], 1), "confusions": s["confusions"],
                    "met": None if target is None else s["right"] >= target,
                })  # fmt: skip
            rows.append({
                "figure": f"geocoder {key}: district unresolved ({label})",
                "value": round(score["district"]["unresolved"], 1),
                "unit": "%", "target": "", "baseline": None, "ratio": None,
            })  # fmt: skip
        rows += _truth_rows(label, events)
    score = _score(gaz, pakistan, "both")
    for level in ("province", "district"):
        s = score[level]
        rows.append({
            "figure": f"geocoder point + text (the worker's call for an import with both): {level} right "
                      f"(UCDP PK, n={s['judged']})",
            "value": round(s["right"], 1), "unit": "%", "target": "≥ 97%" if level == "district" else "",
            "baseline": None, "ratio": None, "confusions": s["confusions"],
            "met": s["right"] >= 97 if level == "district" else None,
        })  # fmt: skip
    # Point and text more than 25 km apart (beyond the point's precision): flagged for a person, not resolved.
    flagged = [e for e in pakistan if e["disagrees"] is not None and e["truth_district"] is not None]
    point_wrong = sum(1 for e in flagged if e["point_district"] != e["truth_district"])
    text_right = sum(1 for e in flagged if e["disagrees"] == e["truth_district"])
    rows.append({
        "figure": "geocoder point + text: flagged as disagreeing by over 25 km beyond the point's precision (UCDP PK)",
        "value": len(flagged), "unit": "events", "target": "", "baseline": None, "ratio": None,
        "notes": f"the point misses UCDP's adm_2 in {point_wrong} of them (the text's district is UCDP's in "
                 f"{text_right}); in the rest the text names a namesake far away",
    })  # fmt: skip
    for key, what in (
        ("checked", "held out: without the aliases.csv rows chosen from this benchmark's misses"),
        ("nocountry", "no country given"),
    ):
        score = _score(gaz, pakistan, key)
        for level in ("province", "district"):
            s = score[level]
            rows.append({
                "figure": f"geocoder text, {what}: {level} right (UCDP PK, n={s['judged']})",
                "value": round(s["right"], 1), "unit": "%", "target": f"≥ {TARGETS[f'text_{level}']:g}%",
                "baseline": None, "ratio": None, "unresolved": round(s["unresolved"], 1),
                "met": s["right"] >= TARGETS[f"text_{level}"],
            })  # fmt: skip
        rows.append({"figure": f"geocoder text, {what}: district unresolved (UCDP PK)",
                     "value": round(score["district"]["unresolved"], 1), "unit": "%", "target": "",
                     "baseline": None, "ratio": None})  # fmt: skip
    # How often a district the text does give is right: the geocoder's choice, apart from the gazetteer's reach.
    for key, what in (("text", ""), ("checked", ", without the unverified rows")):
        given = [e for e in pakistan if e["truth_district"] is not None and e[f"{key}_district"] is not None]
        right = sum(1 for e in given if e[f"{key}_district"] == e["truth_district"])
        figure = f"geocoder text{what}: district right where the text gives one (UCDP PK, n={len(given)})"
        rows.append({"figure": figure,
                     "value": round(100.0 * right / max(1, len(given)), 1), "unit": "%", "target": "",
                     "baseline": None, "ratio": None})  # fmt: skip
    # Where text fails: the place text names nothing the gazetteer knows (a village GeoNames' ≥500
    # extract lacks), or it names something and the geocoder chose wrong.
    missed = [e for e in pakistan if e["truth_district"] is not None and e["text_district"] != e["truth_district"]]
    nothing = sum(1 for e in missed if e["text_mentions"] == 0)
    rows.append({"figure": "geocoder text: wrong district because the text names no known place (UCDP PK)",
                 "value": round(100.0 * nothing / max(1, len(missed)), 1), "unit": "% of misses", "target": "",
                 "baseline": None, "ratio": None})  # fmt: skip
    rows += _learned_rows(pakistan)
    rows += _point_misses(gaz, pakistan)
    rows.append(_text_misses(gaz, pakistan, "checked"))
    # UCDP's where_prec: 1 the exact place, 2 within ~25 km of it, 3 a second-order unit (the district
    # itself, drawn at a representative point), 4 and up: province, region or country only.
    for top, what in ((1, "the exact place"), (3, "within a district")):
        located = [e for e in pakistan if e["where_prec"] and e["where_prec"] <= top]
        s = _score(gaz, located, "point")["district"]
        figure = f"geocoder point: district right where UCDP's point is {what} (where_prec ≤ {top}, n={s['judged']})"
        rows.append({"figure": figure,
                     "value": round(s["right"], 1), "unit": "%", "target": "≥ 97%", "baseline": None, "ratio": None,
                     "met": s["right"] >= 97})  # fmt: skip
    rows.append({
        "figure": "geocoder throughput: incident texts / s (one core)", "value": round(texts_per_s),
        "unit": "texts/s", "target": "≥ 2000", "baseline": None, "ratio": None, "met": texts_per_s >= 2000,
    })  # fmt: skip
    memory_rate = (len(pakistan) + len(afghanistan)) / memory_seconds
    postgis_rate = len(sample) / postgis_seconds
    rows.append({
        "figure": "reverse geocoding: points / s, in-memory prepared geometries vs PostGIS query",
        "value": round(memory_rate), "unit": "points/s", "target": "", "baseline": round(postgis_rate),
        "ratio": round(memory_rate / postgis_rate, 1),
    })  # fmt: skip
    rows.append({"figure": "reverse geocoding: in-memory and PostGIS agree", "value": round(agree, 1), "unit": "%",
                 "target": "100%", "baseline": None, "ratio": None})  # fmt: skip
    examples = {"text": _examples(gaz, pakistan, "text"), "point": _examples(gaz, pakistan, "point")}
    rows.append({"figure": "geocoder: wrong-district examples (UCDP PK)", "value": None, "unit": "", "target": "",
                 "baseline": None, "ratio": None, "examples": examples})  # fmt: skip
    return rows


def details(rows: list[dict]) -> list[str]:
    """What the table cannot hold: each figure's notes, the names not mapped, the confusions (truth → ours) and
    a sample of wrong districts with their place texts. ``make bench`` prints them under its table."""
    lines = []
    for row in rows:
        if row.get("notes"):
            lines.append(f"{row['figure']}: {row['notes']}")
        if row.get("unmapped_names"):
            lines.append(f"not mapped, {row['figure']}: {', '.join(row['unmapped_names'])}")
        if row.get("confusions"):
            pairs = "; ".join(f"{a} → {b} ×{n}" for (a, b), n in row["confusions"])
            lines.append(f"confusions, {row['figure']}: {pairs}")
        for key, examples in (row.get("examples") or {}).items():
            lines.append(f"wrong-district examples from {key}:")
            lines.extend(f"  {line}" for line in examples)
    return lines


def _print(rows: list[dict]) -> None:
    print(f"{'figure':<86} {'value':>9} {'unit':<9} {'target':<8} {'baseline':>9} {'ratio':>6}")
    for row in rows:
        if row.get("value") is None:
            continue
        baseline = "" if row["baseline"] is None else row["baseline"]
        ratio = "" if row["ratio"] is None else row["ratio"]
        print(f"{row['figure']:<86} {row['value']:>9} {row['unit']:<9} {row['target']:<8} {baseline:>9} {ratio:>6}")
    print()
    print("\n".join(details(rows)))


if __name__ == "__main__":
    _print(run())
