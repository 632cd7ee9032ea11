import datetime as dt
import json
import shutil

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from geo.importers import AFG_ADM2, BoundaryFileError, import_all
from geo.models import Area, AreaName, Place


def _names(area: Area) -> set[str]:
    return set(area.names.values_list("name", flat=True))


def _area(name, level="province", **filters) -> Area:
    return Area.objects.get(name=name, level=level, **filters)


def test_import_loads_provinces_districts_fata_and_places(db):
    stats = import_all(settings.SHARED_DATA_DIR)
    assert Area.objects.filter(country_code="AF", level="province").count() == 34
    assert Area.objects.filter(country_code="AF", level="district").count() == 398
    # 8 provinces from the district file plus FATA, which existed until 2018.
    assert Area.objects.filter(country_code="PK", level="province").count() == 9
    # 146 districts as the file draws them, plus the 13 former FATA agencies and Frontier Regions before 2018,
    # plus the 17 districts as they were before a split (district_changes.csv).
    assert Area.objects.filter(country_code="PK", level="district").count() == 146 + 13 + 17
    assert Place.objects.filter(country_code__in=["AF", "PK"]).count() == 891
    assert not Place.objects.filter(district__isnull=True).exists()
    assert stats.created == Area.objects.count()
    assert stats.updated == 0
    assert str(stats).startswith(f"areas: {Area.objects.count()} created")


def test_afghan_districts_get_their_province_by_spatial_join(areas):
    assert _area("Barmal", "district").parent.name == "Paktika"
    assert _area("Gardiz", "district").parent.name == "Paktia"
    assert _area("Urgun", "district").parent.name == "Paktika"
    parents = {a.parent.name for a in Area.objects.filter(name="Arghandab", level="district")}
    assert parents == {"Kandahar", "Zabul"}


def test_province_codes_follow_iso_not_the_files_mistakes(areas):
    # Natural Earth swaps Paktia/Paktika's codes; geoBoundaries has AF-BDN for Badakhshan.
    assert _area("Paktika").code == "AF-PKA"
    assert _area("Paktia").code == "AF-PIA"
    assert _area("Badakhshan").code == "AF-BDS"
    assert _area("Ghazni").code == "AF-GHA"
    assert "Ghanzi" in _names(_area("Ghazni"))


def test_aliases_cover_transliterations_and_scripts_with_sources(areas):
    assert {"پکتیکا", "Paktīkā"} <= _names(_area("Paktika"))
    assert "Khowst" in _names(_area("Khost"))
    assert {"Konar", "کنړ"} <= _names(_area("Kunar"))
    assert {"Bermal", "برمل"} <= _names(_area("Barmal", "district"))
    assert "Orgun" in _names(_area("Urgun", "district"))
    assert AreaName.objects.get(name="Bolan").area.name == "Kachhi"
    curated = AreaName.objects.get(name="Bermal")
    assert curated.source.startswith("aliases.csv: ")
    assert len(curated.source) > len("aliases.csv: ")


def test_natural_earth_traps_are_avoided(areas):
    paktika = {n.lower() for n in _names(_area("Paktika"))}
    assert not paktika & {"paktiya", "paktya", "southern province"}
    assert {"Paktiya", "Paktya"} <= _names(_area("Paktia"))
    assert not AreaName.objects.filter(name__contains="?").exists()
    # Natural Earth's pre-2004 polygons: "Uruzgan" drawn over Daykundi, "Parwan" over Panjshir.
    assert not {"Uruzgan", "Urozgan"} & _names(_area("Daykundi"))
    assert "Parwan" not in _names(_area("Panjshir"))
    assert "Eastern Province" in _names(_area("Nangarhar"))
    # FR Bannu's D_NAME is " Bannu", which is another district.
    assert "Bannu" not in _names(Area.objects.get(code="PK408"))


def test_fata_agencies_belong_to_fata_before_the_merger_and_to_kp_after(areas):
    old, new = Area.objects.get(code="PK-TA403"), Area.objects.get(code="PK403")
    assert (old.name, old.parent.code, old.valid_to, old.successor) == (
        "Kurram Agency",
        "PK-TA",
        dt.date(2018, 5, 30),
        new,
    )
    assert (new.name, new.parent.code, new.valid_from) == ("Kurram", "PK-KP", dt.date(2018, 5, 31))
    assert {"Kurram Agency", "Kuram"} <= _names(new)
    in_2010 = set(Area.objects.valid_on(dt.date(2010, 1, 1)).values_list("code", flat=True))
    in_2020 = set(Area.objects.valid_on(dt.date(2020, 1, 1)).values_list("code", flat=True))
    assert {"PK-TA403", "PK-TA"} <= in_2010
    assert "PK403" not in in_2010
    assert "PK403" in in_2020
    assert not {"PK-TA403", "PK-TA"} & in_2020
    assert Area.objects.get(code="PK-TA").successor.code == "PK-KP"


def test_second_import_changes_nothing_and_logs_nothing(areas):
    events = apps.get_model("geo", "AreaEvent")
    before = (events.objects.count(), AreaName.objects.count(), Place.objects.count())
    stats = import_all(settings.SHARED_DATA_DIR)
    assert not stats.changed
    assert stats.unchanged == Area.objects.count()
    assert (events.objects.count(), AreaName.objects.count(), Place.objects.count()) == before


def test_import_areas_command_prints_one_summary_line(db):
    from io import StringIO

    out = StringIO()
    call_command("import_areas", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("areas: ")
    assert "places: 891 created" in lines[0]


@pytest.fixture
def broken_data_dir(tmp_path):
    """A copy of the data folder whose ADM2 file has a feature without geometry."""
    for sub in ("boundaries-afg-geoboundaries", "boundaries-afg-naturalearth", "boundaries-pak-districts"):
        shutil.copytree(settings.SHARED_DATA_DIR / sub, tmp_path / sub)
    path = tmp_path / AFG_ADM2
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][5]["geometry"] = None
    path.write_text(json.dumps(data), encoding="utf-8")
    return tmp_path


def test_malformed_file_is_refused_naming_file_and_feature_and_nothing_is_saved(db, broken_data_dir):
    with pytest.raises(BoundaryFileError, match=r"geoBoundaries-AFG-ADM2_simplified\.geojson: feature 5 "):
        import_all(broken_data_dir)
    assert Area.objects.count() == 0
    assert Place.objects.count() == 0
    with pytest.raises(CommandError, match="Nothing imported: .*feature 5"):
        call_command("import_areas", data_dir=broken_data_dir)
    assert Area.objects.count() == 0


def test_malformed_file_leaves_a_loaded_gazetteer_untouched(areas, broken_data_dir):
    before = (Area.objects.count(), AreaName.objects.count(), apps.get_model("geo", "AreaEvent").objects.count())
    with pytest.raises(BoundaryFileError):
        import_all(broken_data_dir)
    assert (
        Area.objects.count(),
        AreaName.objects.count(),
        apps.get_model("geo", "AreaEvent").objects.count(),
    ) == before


def test_aliases_row_with_an_unquoted_comma_is_refused_naming_the_row(tmp_path):
    from geo.importers import _read_aliases

    path = tmp_path / "aliases.csv"
    path.write_text(
        "country,level,area,province,alias,language,source\n"
        "AF,province,Khost,,Khowst,en,AIMS spelling\n"
        "PK,district,Swat,,Mingora,en,desk knowledge, NOT yet checked\n",
        encoding="utf-8",
    )
    with pytest.raises(BoundaryFileError, match=r"aliases\.csv: row 3 has more fields than the header"):
        _read_aliases(path)


def test_curated_sources_are_kept_whole_and_follow_the_file_on_reimport(areas):
    # Sources with commas are quoted in the file, so the "NOT yet checked" mark survives the import.
    assert AreaName.objects.filter(name="Sararogha", source__contains="NOT yet checked").exists()
    row = AreaName.objects.filter(name="Bermal").first()
    original = row.source
    AreaName.objects.filter(pk=row.pk).update(source="aliases.csv: a stale note")
    hand_added = AreaName.objects.create(area=row.area, name="Bermal Kalay", source="desk, by hand")
    stats = import_all(settings.SHARED_DATA_DIR)
    assert stats.names_updated == 1
    assert AreaName.objects.get(pk=row.pk).source == original
    assert AreaName.objects.get(pk=hand_added.pk).source == "desk, by hand"  # not the importer's to change
    assert not import_all(settings.SHARED_DATA_DIR).changed


def test_frontier_regions_are_also_named_with_fr_spelled_out(areas):
    fr_tank = Area.objects.get(code="PK413")
    assert fr_tank.name == "FR Tank"
    assert {"Frontier Region Tank", "Tank Frontier Region"} <= _names(fr_tank)


def test_a_split_district_stands_as_it_was_before_the_split(areas):
    """Hattian was carved out of Muzaffarabad in 2009: before that, its ground was Muzaffarabad's."""
    hattian = _area("Hattian", "district")
    current = _area("Muzaffarabad", "district", valid_to__isnull=True)
    old = _area("Muzaffarabad", "district", valid_to__isnull=False)
    assert (old.valid_to, old.successor, old.parent) == (dt.date(2008, 12, 31), current, current.parent)
    assert (current.valid_from, hattian.valid_from, hattian.carved_from) == (dt.date(2009, 1, 1),) * 2 + (old,)
    union = current.boundary.union(hattian.boundary)
    assert old.boundary.sym_difference(union).area < 1e-9
    assert _names(current) <= _names(old) | {old.name}
    # Dir was divided in 1996 and its name went with it: no successor, both halves carved from it.
    dir_ = _area("Dir", "district")
    assert dir_.successor is None
    assert set(dir_.carved_out.values_list("name", flat=True)) == {"Upper Dir", "Lower Dir"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("PK,Azad Jammu and Kashmir,Muzaffarabad,Muzaffarabad;Hatian,2009,x", r"row 2: no district named 'Hatian'"),
        ("PK,Azad Jammu and Kashmir,Muzaffarabad,Muzaffarabad;Hattian,twenty,x", r"row 2 has first_year 'twenty'"),
        ("PK,Azad Jammu and Kashmir,Muzaffarabad,Muzaffarabad,2009,x", r"row 2: a split needs two or more"),
        ("PK,Kashmir,Muzaffarabad,Muzaffarabad;Hattian,2009,x", r"row 2: no province named 'Kashmir'"),
    ],
)
def test_a_bad_district_change_is_refused_naming_the_row_and_nothing_is_saved(db, tmp_path, monkeypatch, row, message):
    path = tmp_path / "district_changes.csv"
    path.write_text(f"country,province,district,became,first_year,source\n{row}\n", encoding="utf-8")
    monkeypatch.setattr("geo.importers.DISTRICT_CHANGES", path)
    with pytest.raises(BoundaryFileError, match=rf"district_changes\.csv: {message}"):
        import_all(settings.SHARED_DATA_DIR)
    assert Area.objects.count() == 0
