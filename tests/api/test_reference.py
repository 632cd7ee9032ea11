"""Actors, areas and summary cells through the API."""

import pytest
from django.urls import reverse

from reports.models import SummaryCell


def _get(api_client_for, role, name, params=None, args=()):
    response = api_client_for(role).get(reverse(f"api:{name}", args=args), params or {})
    assert response.status_code == 200, response.content
    return response.json()


# ---- Actors ----


def test_actors_come_with_aliases_in_every_script(world, api_client_for):
    rows = _get(api_client_for, "partner", "actor-list", {"slug": "ttp"})["results"]
    assert len(rows) == 1
    aliases = {(a["name"], a["language"]) for a in rows[0]["aliases"]}
    assert ("تحریک طالبان پاکستان", "ur") in aliases
    assert ("TTP", "en") in aliases


@pytest.mark.parametrize(
    ("query", "slug"),
    [("تحریک طالبان", "ttp"), ("امارت اسلامی", "islamic-emirate-of-afghanistan"), ("unama", "unama"),
     ("Pakistani Taliban", "ttp")],
)  # fmt: skip
def test_actor_search_matches_names_and_aliases_without_duplicates(world, api_client_for, query, slug):
    rows = _get(api_client_for, "partner", "actor-list", {"q": query})["results"]
    slugs = [row["slug"] for row in rows]
    assert slug in slugs
    assert len(slugs) == len(set(slugs))


def test_actor_filters_by_kind_and_parent(world, api_client_for):
    rows = _get(api_client_for, "partner", "actor-list", {"parent": "islamic-emirate-of-afghanistan"})["results"]
    assert [row["slug"] for row in rows] == ["afghan-mofa"]
    assert rows[0]["parent"]["slug"] == "islamic-emirate-of-afghanistan"
    kinds = {row["kind"] for row in _get(api_client_for, "partner", "actor-list", {"kind": "international"})["results"]}
    assert kinds == {"international"}


# ---- Areas ----


def test_areas_are_brief_without_boundaries_unless_asked(world, api_client_for):
    body = _get(api_client_for, "partner", "area-list", {"code": "AF-PKA"})
    (paktika,) = body["results"]
    assert "boundary" not in paktika
    assert paktika["level"] == "province"
    assert {"name": "پکتیکا", "language": "ps"} in paktika["names"]
    assert 60 < paktika["longitude"] < 75
    with_geometry = _get(api_client_for, "partner", "area-list", {"code": "AF-PKA", "geometry": 1})["results"][0]
    assert with_geometry["boundary"]["type"] == "MultiPolygon"
    detail = _get(api_client_for, "partner", "area-detail", {"geometry": "1"}, args=[paktika["id"]])
    assert detail["boundary"]["type"] == "MultiPolygon"


def test_area_search_in_pashto_and_by_parent(world, api_client_for):
    rows = _get(api_client_for, "partner", "area-list", {"q": "پکتیکا"})["results"]
    assert "AF-PKA" in {row["code"] for row in rows}
    districts = _get(api_client_for, "partner", "area-list", {"parent": "AF-PKA", "page_size": 100})
    assert districts["count"] > 5
    assert {row["level"] for row in districts["results"]} == {"district"}
    assert "Barmal" in {row["name"] for row in districts["results"]}


# ---- Summaries ----


def _paktika_strikes(api_client_for, role, **params):
    params = {"area": "AF-PKA", "category": "strike", "month__gte": "2024-12-01", "month__lte": "2024-12-01",
              **params}  # fmt: skip
    return _get(api_client_for, role, "summarycell-list", params)["results"]


def test_partner_summaries_count_only_published_public_incidents(world, api_client_for):
    (cell,) = _paktika_strikes(api_client_for, "partner")
    assert cell["scope"] == "public"
    assert cell["incident_count"] == 2  # the demo strike and the drone strike; no draft, review, restricted
    assert cell["contested_count"] == 1
    assert cell["area"]["code"] == "AF-PKA"
    assert _paktika_strikes(api_client_for, "partner", scope="desk") == []
    everything = _get(api_client_for, "partner", "summarycell-list", {"page_size": 500})
    assert {row["scope"] for row in everything["results"]} == {"public"}


def test_partner_cannot_open_a_desk_cell_by_id(world, api_client_for):
    desk_cell = SummaryCell.objects.filter(scope="desk").first()
    response = api_client_for("partner").get(reverse("api:summarycell-detail", args=[desk_cell.pk]))
    assert response.status_code == 404
    assert api_client_for("analyst").get(reverse("api:summarycell-detail", args=[desk_cell.pk])).status_code == 200


def test_desk_users_choose_the_scope_and_default_to_desk(world, api_client_for):
    (desk,) = _paktika_strikes(api_client_for, "editor")
    assert (desk["scope"], desk["incident_count"]) == ("desk", 4)  # + draft, in review; not restricted, not retracted
    (public,) = _paktika_strikes(api_client_for, "editor", scope="public")
    assert public["incident_count"] == 2
    assert _paktika_strikes(api_client_for, "analyst")[0]["scope"] == "desk"


def test_summary_filters_refuse_bad_values(world, api_client_for):
    response = api_client_for("partner").get(reverse("api:summarycell-list"), {"scope": "everything"})
    assert response.status_code == 400
    assert "scope" in response.json()
