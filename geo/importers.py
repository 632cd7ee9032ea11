"""Loading boundary files into the gazetteer. Each loader validates the whole file before writing anything."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.db import transaction

from geo.choices import AreaLevel
from geo.models import Area, AreaName

__all__ = ["BoundaryFileError", "ImportStats", "import_all"]

AFG_ADM1 = "boundaries-afg-geoboundaries/geoBoundaries-AFG-ADM1.geojson"
AFG_ADM2 = "boundaries-afg-geoboundaries/geoBoundaries-AFG-ADM2_simplified.geojson"
PAK_DISTRICTS = "boundaries-pak-districts/PakistanDistrict.geojson"

COUNTRIES = {"AF": ("Afghanistan", (66.0, 33.9)), "PK": ("Pakistan", (69.3, 30.4))}

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

# Known errors in the source files, corrected here; the file's own spelling is kept as an alias.
NAME_FIXES = {"Ghanzi": "Ghazni"}


class BoundaryFileError(ValueError):
    """A boundary file that cannot be loaded; says which file and which feature."""


@dataclass
class ImportStats:
    created: int = 0
    updated: int = 0
    files: list[str] = field(default_factory=list)

    def __str__(self):
        return f"areas: {self.created} created, {self.updated} updated from {len(self.files)} files"


def _read_features(path: Path, required: tuple[str, ...]) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryFileError(f"{path}: cannot read GeoJSON ({exc})") from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise BoundaryFileError(f"{path}: no 'features' list")
    for index, feature in enumerate(features):
        props = feature.get("properties") or {}
        missing = [key for key in required if props.get(key) is None or not str(props[key]).strip()]
        if missing:
            raise BoundaryFileError(f"{path}: feature {index} lacks {', '.join(missing)}")
        geometry = feature.get("geometry")
        if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise BoundaryFileError(f"{path}: feature {index} has no polygon geometry")
    return features


def _multipolygon(geometry: dict) -> MultiPolygon:
    geom = GEOSGeometry(json.dumps(geometry), srid=4326)
    if not geom.valid:
        geom = geom.buffer(0)
    if geom.geom_type == "Polygon":
        geom = MultiPolygon(geom, srid=4326)
    return geom


def _upsert(stats: ImportStats, *, code: str, **values) -> Area:
    area, created = Area.objects.update_or_create(code=code, defaults=values)
    stats.created += created
    stats.updated += not created
    return area


def _alias(area: Area, name: str, source: str) -> None:
    name = " ".join(name.split())
    if name and name.lower() != area.name.lower():
        AreaName.objects.get_or_create(area=area, name=name, defaults={"source": source})


def _countries(stats: ImportStats) -> dict[str, Area]:
    return {
        iso: _upsert(stats, code=iso, level=AreaLevel.COUNTRY, name=name, country_code=iso, parent=None,
                     centroid=Point(*xy, srid=4326), source="built-in")
        for iso, (name, xy) in COUNTRIES.items()
    }  # fmt: skip


def _afghanistan(data_dir: Path, stats: ImportStats, country: Area) -> None:
    provinces = []
    for feature in _read_features(data_dir / AFG_ADM1, ("shapeName", "shapeISO")):
        props = feature["properties"]
        raw = props["shapeName"].strip()
        boundary = _multipolygon(feature["geometry"])
        province = _upsert(
            stats, code=props["shapeISO"].replace("_", "-"), level=AreaLevel.PROVINCE, name=NAME_FIXES.get(raw, raw),
            country_code="AF", parent=country, boundary=boundary, centroid=boundary.point_on_surface,
            source="geoBoundaries AFG ADM1",
        )  # fmt: skip
        _alias(province, raw, "geoBoundaries AFG ADM1")
        provinces.append(province)
    for feature in _read_features(data_dir / AFG_ADM2, ("shapeName", "shapeID")):
        props = feature["properties"]
        boundary = _multipolygon(feature["geometry"])
        inside = boundary.point_on_surface
        # ADM2 features carry no parent: the province is the one containing the district's interior point.
        parent = next((p for p in provinces if p.boundary.covers(inside)), None) or min(
            provinces, key=lambda p: p.boundary.distance(inside)
        )
        _upsert(
            stats, code=f"AF-{props['shapeID']}", level=AreaLevel.DISTRICT, name=props["shapeName"].strip(),
            country_code="AF", parent=parent, boundary=boundary, centroid=inside, source="geoBoundaries AFG ADM2",
        )  # fmt: skip


def _pakistan(data_dir: Path, stats: ImportStats, country: Area) -> None:
    features = _read_features(data_dir / PAK_DISTRICTS, ("PROVINCE", "DISTRICT", "DISTRICT_C"))
    unknown = sorted({f["properties"]["PROVINCE"] for f in features} - set(PAK_PROVINCES))
    if unknown:
        raise BoundaryFileError(f"{data_dir / PAK_DISTRICTS}: unknown provinces {unknown}")
    by_province: dict[str, list[dict]] = {}
    for feature in features:
        by_province.setdefault(feature["properties"]["PROVINCE"], []).append(feature)
    for raw_province, members in by_province.items():
        code, name = PAK_PROVINCES[raw_province]
        shapes = [_multipolygon(f["geometry"]) for f in members]
        union = shapes[0]
        for shape in shapes[1:]:
            union = union.union(shape)
        if union.geom_type == "Polygon":
            union = MultiPolygon(union, srid=4326)
        province = _upsert(
            stats, code=code, level=AreaLevel.PROVINCE, name=name, country_code="PK", parent=country,
            boundary=union, centroid=union.point_on_surface, source="Pakistan districts (dissolved)",
        )  # fmt: skip
        _alias(province, raw_province, "Pakistan districts")
        for feature, shape in zip(members, shapes, strict=True):
            props = feature["properties"]
            district = _upsert(
                stats, code=f"PK{props['DISTRICT_C']}", pcode=f"PK{props['DISTRICT_C']}", level=AreaLevel.DISTRICT,
                name=props["DISTRICT"].strip(), country_code="PK", parent=province, boundary=shape,
                centroid=shape.point_on_surface, source="Pakistan districts",
            )  # fmt: skip
            _alias(district, str(props.get("D_NAME") or ""), "Pakistan districts D_NAME")


@transaction.atomic
def import_all(data_dir: Path) -> ImportStats:
    """Load every boundary file under ``data_dir``; all or nothing."""
    stats = ImportStats()
    countries = _countries(stats)
    _afghanistan(data_dir, stats, countries["AF"])
    stats.files += [AFG_ADM1, AFG_ADM2]
    _pakistan(data_dir, stats, countries["PK"])
    stats.files.append(PAK_DISTRICTS)
    return stats
