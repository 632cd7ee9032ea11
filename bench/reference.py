"""The empirical distributions the generator draws from, read from the real data at run time.

Nothing here is copied into the repository: every figure comes from the files under
``settings.SHARED_DATA_DIR`` each time the generator runs (see ``shared/data/README.md``).

- UCDP GED Pakistan (6,416 events): the joint distribution of an event's deaths (low/best/high,
  by side, civilians), its location and date precision, its duration, its dyad (who fought whom)
  and, from its headline, its kind; the spread of events over the years; where events happen
  (district weights, by point-in-polygon against the loaded gazetteer).
- UCDP GED Afghanistan subset (310 events with more than 10 deaths): where events happen in
  Afghanistan, scaled up to all events by Pakistan's share of events with more than 10 deaths.
- Pakistan Body Count suicide attacks (492): killed and injured min/max, blanks kept as unknown.
"""

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from incidents.choices import IncidentKind

__all__ = ["ACTOR_COUNTRY", "PUBLISHERS", "Reference", "classify_kind", "load_reference"]

UCDP_PK = "ucdp-ged-pakistan-hdx/conflict_data_pak.csv"
UCDP_AF = "ucdp-ged-afghanistan-subset/clean_conflicts.geojson"
PBC = "pakistan-suicide-attacks-pbc/PakistanSuicideAttacks.csv"

FIRST_YEAR, LAST_YEAR = 2001, 2025

# Headline/article words → kind, first match wins. UCDP has no kind column; its texts say it.
_KIND_WORDS = [
    (IncidentKind.SUICIDE_ATTACK, r"suicide|self-immolat"),
    (IncidentKind.DRONE_STRIKE, r"drone|missile strike|unmanned|predator"),
    (IncidentKind.AIRSTRIKE, r"air ?strike|air raid|jets?\b|gunship|aerial|bombard|warplane|air force"),
    (IncidentKind.SHELLING, r"shelling|artillery|mortar|rocket|cross-border fire|indian fire|ceasefire violation"),
    (IncidentKind.CROSS_BORDER_RAID, r"cross-border|from afghanistan|across the border|border post"),
    (IncidentKind.IED, r"\bied\b|roadside|landmine|blast|bomb|explosi|improvised"),
    (IncidentKind.ABDUCTION, r"abduct|kidnap|hostage"),
    (IncidentKind.TARGETED_KILLING, r"shot dead|gunmen|target(ed)? killing|assassinat|gunned down|beheaded"),
    (IncidentKind.GROUND_CLASH, r"clash|gunfight|exchange of fire|operation|offensive|attack|fighting|raid"),
]
_KIND_RES = [(kind, re.compile(words, re.IGNORECASE)) for kind, words in _KIND_WORDS]

# ISO 3166-1 alpha-2 of the governments UCDP names as a side.
ACTOR_COUNTRY = {
    "Government of Pakistan": "PK",
    "Government of Afghanistan": "AF",
    "Government of India": "IN",
    "Government of United States of America": "US",
    "Taleban": "AF",
}

# News outlets cited in UCDP's source texts (weights counted there), with their web domains.
PUBLISHERS = {
    "Dawn": "dawn.com",
    "The News": "thenews.com.pk",
    "Express Tribune": "tribune.com.pk",
    "Geo TV": "geo.tv",
    "Associated Press of Pakistan": "app.com.pk",
    "Reuters": "reuters.com",
    "Associated Press": "apnews.com",
    "AFP": "afp.com",
    "BBC Monitoring": "monitoring.bbc.co.uk",
    "Press Trust of India": "ptinews.com",
    "SATP": "satp.org",
    "Xinhua": "xinhuanet.com",
    "Pajhwok": "pajhwok.com",
    "TOLOnews": "tolonews.com",
}


def classify_kind(headline: str, article: str, side_a: str, violence_type: str) -> str:
    """A UCDP event's kind from its texts, else from its dyad (who fought whom)."""
    text = f"{headline} {article}"
    for kind, pattern in _KIND_RES:
        if pattern.search(text):
            return kind.value
    if side_a == "Government of United States of America":
        return IncidentKind.DRONE_STRIKE.value
    if side_a == "Government of India":
        return IncidentKind.SHELLING.value
    if violence_type == "3":  # one-sided violence against civilians
        return IncidentKind.TARGETED_KILLING.value
    if violence_type in ("1", "2"):
        return IncidentKind.GROUND_CLASH.value
    return IncidentKind.OTHER.value


def _int(value) -> int | None:
    try:
        return int(float(str(value).strip()))
    except (TypeError, ValueError):
        return None


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


@dataclass
class UcdpEvent:
    kind: str
    side_a: str
    side_b: str
    low: int
    best: int
    high: int
    deaths_a: int
    deaths_b: int
    civilians: int
    where_prec: int
    date_prec: int
    duration_days: int
    year: int
    lon: float | None
    lat: float | None


@dataclass
class Reference:
    events: list[UcdpEvent]
    suicide: list[tuple[int | None, int | None, int | None, int | None]]  # killed min/max, injured min/max
    afghan_points: list[tuple[float, float]]
    afghan_scale: float
    year_weights: dict[int, float]
    publisher_weights: dict[str, int]
    side_counts: Counter = field(default_factory=Counter)

    @property
    def kind_shares(self) -> dict[str, float]:
        counts = Counter(e.kind for e in self.events)
        return {kind: n / len(self.events) for kind, n in counts.items()}


def _read_ucdp(path: Path) -> tuple[list[UcdpEvent], Counter, list[str]]:
    events, sides, articles = [], Counter(), []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["id"].startswith("#"):  # the HXL hashtag row under the header is not data
                continue
            start, end = _date(row["date_start"]), _date(row["date_end"])
            # UCDP's own ordering is broken in ~200 events (best > high, low > best): sort the three.
            low, best, high = sorted(_int(row[k]) or 0 for k in ("low", "best", "high"))
            events.append(
                UcdpEvent(
                    kind=classify_kind(row["source_headline"], row["source_article"], row["side_a"],
                                       row["type_of_violence"]),
                    side_a=row["side_a"].strip(), side_b=row["side_b"].strip(), low=low, best=best, high=high,
                    deaths_a=_int(row["deaths_a"]) or 0, deaths_b=_int(row["deaths_b"]) or 0,
                    civilians=_int(row["deaths_civilians"]) or 0, where_prec=_int(row["where_prec"]) or 6,
                    date_prec=_int(row["date_prec"]) or 1,
                    duration_days=max(0, (end - start).days) if start and end else 0,
                    year=_int(row["year"]) or (start.year if start else 0),
                    lon=_float(row["longitude"]), lat=_float(row["latitude"]),
                )
            )  # fmt: skip
            sides[row["side_a"].strip()] += 1
            sides[row["side_b"].strip()] += 1
            articles.append(row["source_article"].lower())
    return events, sides, articles


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _read_pbc(path: Path) -> list[tuple[int | None, int | None, int | None, int | None]]:
    # Not valid UTF-8 (legacy 8-bit quotes): latin-1 reads every byte; we use only the numeric columns.
    rows = []
    with path.open(encoding="latin-1", newline="") as handle:
        for row in csv.DictReader(handle):
            kmin, kmax = _int(row.get("Killed Min")), _int(row.get("Killed Max"))
            imin, imax = _int(row.get("Injured Min")), _int(row.get("Injured Max"))
            # Two rows have min > max; a claim's range must be ordered, so read them the other way round.
            if kmin is not None and kmax is not None and kmin > kmax:
                kmin, kmax = kmax, kmin
            if imin is not None and imax is not None and imin > imax:
                imin, imax = imax, imin
            rows.append((kmin, kmax, imin, imax))
    return rows


def _read_afghan(path: Path) -> tuple[list[tuple[float, float]], list[int]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    points, years = [], []
    for feature in data["features"]:
        coords = (feature.get("geometry") or {}).get("coordinates")
        if coords:
            points.append((float(coords[0]), float(coords[1])))
            years.append(_int(feature["properties"].get("year")) or 0)
    return points, years


def load_reference(data_dir: Path) -> Reference:
    """Read the three real data sets and derive the distributions the generator samples."""
    events, sides, articles = _read_ucdp(data_dir / UCDP_PK)
    suicide = _read_pbc(data_dir / PBC)
    afghan_points, _ = _read_afghan(data_dir / UCDP_AF)
    # The Afghan subset keeps only events with more than 10 deaths: scale its counts up by the
    # inverse of Pakistan's share of such events, to stand for all Afghan events.
    share_over_10 = sum(e.best > 10 for e in events) / len(events)
    years = Counter(e.year for e in events if e.year >= FIRST_YEAR)
    year_weights = {y: float(years.get(y, 0)) for y in range(FIRST_YEAR, LAST_YEAR + 1)}
    recent = [years[y] for y in sorted(years)[-3:]]
    # The files end in 2021; later years get the mean of the last three years with data.
    for y in range(max(years) + 1, LAST_YEAR + 1):
        year_weights[y] = sum(recent) / len(recent)
    publishers = {name: 1 + sum(name.lower() in a for a in articles) for name in PUBLISHERS}
    return Reference(
        events=events, suicide=suicide, afghan_points=afghan_points, afghan_scale=1 / max(share_over_10, 0.01),
        year_weights=year_weights, publisher_weights=publishers, side_counts=sides,
    )  # fmt: skip
