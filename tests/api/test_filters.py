"""IncidentFilterSet through the API (and directly, as the HTML list and tiles use it): narrows, never widens."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from incidents.filters import IncidentFilterSet
from incidents.models import Incident


@pytest.fixture
def listed(api_client_for, ids):
    """``listed(role, **params)``: the ids of the incidents the API lists for that role with those filters."""

    def _listed(role, **params):
        response = api_client_for(role).get(reverse("api:incident-list"), {"page_size": 100, **params})
        assert response.status_code == 200, response.content
        return ids(response)

    return _listed


def test_partner_asking_for_drafts_gets_nothing(world, listed):
    assert listed("partner", status="draft") == set()
    assert listed("partner", status=["draft", "in_review", "retracted"]) == set()
    assert listed("partner", sensitivity="restricted") == set()
    assert listed("analyst", status="draft") == {world.draft.pk}
    assert listed("analyst", sensitivity="restricted") == set()
    assert listed("editor", sensitivity="restricted") == {world.restricted.pk}


def test_partner_counts_and_geojson_agree_under_filters(world, api_client_for):
    for params in ({"status": "draft"}, {"kind": "airstrike"}, {"province": "AF-PKA"}):
        plain = api_client_for("partner").get(reverse("api:incident-list"), params).json()["count"]
        geo = api_client_for("partner").get(reverse("api:incident-geojson-list"), params).json()["count"]
        assert plain == geo
    assert api_client_for("partner").get(reverse("api:incident-list"), {"kind": "airstrike"}).json()["count"] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("barmal", {"paktika", "leaky", "xss"}),  # English, any case, via place_text
        ("HIDEOUTS", {"paktika"}),  # title
        ("refugees", {"paktika"}),  # description
        ("توپونو", {"pashto"}),  # Pashto, in the title
        ("گولہ باری", {"pashto"}),  # Urdu, in the description
        ("خوست", {"pashto"}),  # Pashto place text
        ("پکتیکا", {"paktika", "leaky", "xss"}),  # the province's Pashto name in the gazetteer
        ("Paktīkā", {"paktika", "leaky", "xss"}),  # its transliteration
        ("<script>", {"xss"}),
        ("no such words", set()),
    ],
)
def test_q_searches_text_in_english_and_in_pashto_dari_urdu_script(world, listed, query, expected):
    assert listed("partner", q=query) == {getattr(world, name).pk for name in expected}


def test_q_never_finds_what_the_user_may_not_see(world, listed):
    assert listed("partner", q="Draft strike") == set()
    assert listed("analyst", q="Draft strike") == {world.draft.pk}
    assert listed("analyst", q="Restricted strike") == set()


def test_multiple_choice_filters(world, listed):
    assert listed("partner", kind=["airstrike", "shelling"]) == {world.paktika.pk, world.pashto.pk}
    assert listed("partner", category="militant_attack") == {world.xss.pk}
    assert listed("partner", category=["strike"]) == {world.paktika.pk, world.leaky.pk, world.pashto.pk}
    assert listed("editor", status=["draft", "in_review"]) == {world.draft.pk, world.in_review.pk}


def test_grade_filters_on_the_current_assessment(world, listed, editor):
    assert listed("partner", grade="contested") == {world.paktika.pk}
    assert listed("partner", grade=["fair", "contested"]) == {world.paktika.pk, world.leaky.pk}
    # A newer assessment replaces the grade the filter sees; the older one stays in the history.
    from incidents.models import Assessment

    Assessment.objects.create(incident=world.paktika, grade="weak", rationale="Reviewed again.", decided_by=editor)
    assert listed("partner", grade="contested") == set()
    assert listed("partner", grade="weak") == {world.paktika.pk}


def test_contested_filter(world, listed):
    assert listed("partner", contested="true") == {world.leaky.pk}
    assert world.leaky.pk not in listed("partner", contested="false")


def test_province_and_district_by_code_or_id(world, listed):
    barmal = world.paktika.district
    assert listed("partner", province="AF-PKA") == {world.paktika.pk, world.leaky.pk, world.xss.pk}
    assert listed("partner", province="AF-PKA,AF-KHO") == world.partner_visible
    assert listed("partner", province=["AF-PKA", "AF-KHO"]) == world.partner_visible
    assert listed("partner", district=barmal.code) == {world.paktika.pk, world.leaky.pk, world.xss.pk}
    assert listed("partner", district_id=barmal.pk) == {world.paktika.pk, world.leaky.pk, world.xss.pk}
    assert listed("partner", province_id=world.pashto.province_id) == {world.pashto.pk}
    assert listed("partner", province="XX-NOPE") == set()


def test_actor_filters_by_slug_or_id_through_claims_and_attributions(world, listed):
    assert listed("partner", actor="ttp") == {world.paktika.pk}  # attributed a role
    assert listed("partner", actor="unama") == {world.paktika.pk}  # a claimant
    assert listed("partner", actor="ministry") == {world.leaky.pk}
    ttp_id = world.paktika.attributions.get(actor__slug="ttp").actor_id
    assert listed("partner", actor_id=ttp_id) == {world.paktika.pk}
    assert listed("partner", actor=["ttp", "ministry"]) == {world.paktika.pk, world.leaky.pk}


def test_actor_filter_does_not_reveal_a_hidden_attribution(world, listed):
    # The only link between this actor and the incident cites a restricted source.
    assert listed("partner", actor="hidden-militia") == set()
    assert listed("analyst", actor="hidden-militia") == set()
    assert listed("editor", actor="hidden-militia") == {world.leaky.pk}


def test_date_and_created_ranges(world, listed):
    assert listed("partner", start_date__gte="2024-12-01", start_date__lte="2024-12-31") == {
        world.paktika.pk, world.leaky.pk,
    }  # fmt: skip
    assert listed("partner", start_date__gte="2025-01-01") == {world.pashto.pk}
    Incident.objects.filter(pk=world.xss.pk).update(created=timezone.now() - dt.timedelta(days=30))
    week_ago = (timezone.now() - dt.timedelta(days=7)).isoformat()
    assert listed("partner", created__lte=week_ago) == {world.xss.pk}
    assert world.xss.pk not in listed("partner", created__gte=week_ago)


def test_ordering_is_stable_and_limited_to_known_columns(world, api_client_for):
    rows = api_client_for("partner").get(reverse("api:incident-list"), {"ordering": "title"}).json()["results"]
    assert [r["title"] for r in rows] == sorted(r["title"] for r in rows)
    refused = api_client_for("partner").get(reverse("api:incident-list"), {"ordering": "internal_notes"})
    assert refused.status_code == 400
    assert "ordering" in refused.json()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"kind": "nuclear"}, "kind"),
        ({"grade": "excellent"}, "grade"),
        ({"actor_id": "ttp"}, "actor_id"),
        ({"start_date__gte": "24/12/2024"}, "start_date__gte"),
        ({"created__lte": "yesterday"}, "created__lte"),
        ({"contested": "maybe"}, "contested"),
    ],
)
def test_bad_filter_values_are_refused_naming_the_parameter(world, api_client_for, params, field):
    response = api_client_for("partner").get(reverse("api:incident-list"), params)
    assert response.status_code == 400
    assert field in response.json()


def test_filterset_works_for_pages_and_tiles_given_a_request(world, partner, editor):
    request = RequestFactory().get("/", {"actor": "hidden-militia"})
    for user, expected in ((partner, set()), (editor, {world.leaky.pk})):
        request.user = user
        filterset = IncidentFilterSet(request.GET, queryset=Incident.objects.visible_to(user), request=request)
        assert filterset.is_valid()
        assert set(filterset.qs.values_list("pk", flat=True)) == expected
    # Without a request, related rows are filtered as for an anonymous user: strictest, never wider.
    filterset = IncidentFilterSet(QueryDict("actor=hidden-militia"), queryset=Incident.objects.all())
    assert not filterset.qs.exists()
    # A plain dict (as a page might build) works too, with lists or comma-separated text.
    for data in ({"province": ["AF-KHO"]}, {"province": "AF-KHO, XX"}):
        filterset = IncidentFilterSet(data, queryset=Incident.objects.visible_to(partner))
        assert set(filterset.qs.values_list("pk", flat=True)) == {world.pashto.pk}


def test_filters_without_to_many_joins_do_not_use_distinct(world, partner):
    params = QueryDict(
        "kind=airstrike&kind=drone_strike&status=published&grade=fair&actor=ministry&province=AF-PKA&q=strike"
    )
    request = RequestFactory().get("/")
    request.user = partner
    filterset = IncidentFilterSet(params, queryset=Incident.objects.visible_to(partner), request=request)
    sql = str(filterset.qs.query)
    assert "DISTINCT" not in sql
    assert set(filterset.qs.values_list("pk", flat=True)) == {world.leaky.pk}


def test_place_disagrees_filter_narrows_within_what_each_role_sees(world, listed):
    from tests.factories import AreaFactory

    elsewhere = AreaFactory(
        level="district", name="Dera Bugti", parent=AreaFactory(level="province", parent=AreaFactory())
    )
    flagged = [world.paktika.pk, world.restricted.pk, world.draft.pk]
    Incident.objects.filter(pk__in=flagged).update(text_district_elsewhere=elsewhere)
    assert listed("partner", place_disagrees="true") == {world.paktika.pk}
    assert world.paktika.pk not in listed("partner", place_disagrees="false")
    assert listed("analyst", place_disagrees="true") == {world.paktika.pk, world.draft.pk}
    assert listed("editor", place_disagrees="true") == set(flagged)
