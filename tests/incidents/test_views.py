"""The desk's pages: what each shows, what each action writes, and what bad input leaves behind (nothing)."""

import datetime as dt
import re

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actors.models import Actor
from incidents import services
from incidents.choices import Status
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident, Source
from tests.conftest import login_verified
from tests.factories import ActorFactory, IncidentFactory, SourceFactory

SCRIPT = "<script>alert('x')</script>"
DAY_AFTER = dt.date(2025, 1, 5)


def _incident(author, **data):
    base = {"title": "Shelling in Kurram", "kind": "shelling", "start_date": dt.date(2025, 1, 3)}
    return services.incident_create(author=author, data={**base, **data})


def _source(author, incident=None, **data):
    return services.source_add(
        author=author, data={"publisher": "Dawn", "content": "Officials said.", **data}, incident=incident
    )


def _claim(author, incident, claimant, source, **figures):
    return services.claim_add(
        author=author,
        incident=incident,
        data={"claimant": claimant, "source": source, "claimed_on": dt.date(2025, 1, 4), **figures},
    )


def _create_form(**overrides):
    data = {
        "title": "Drone strike near Miranshah",
        "kind": "drone_strike",
        "start_date": "2025-03-10",
        "date_precision": "day",
        "place_text": "Miranshah, North Waziristan",
        "latitude": "",
        "longitude": "",
        "location": "",
        "description": "",
        "sensitivity": "public",
    }
    data.update(overrides)
    return data


def _text(response) -> str:
    return response.content.decode()


# ---- List ----


@pytest.mark.django_db
def test_list_filters_by_kind_and_searches_in_pashto_script(client_for, analyst):
    _incident(analyst, title="د پکتیکا بمبارۍ", kind="airstrike")
    _incident(analyst, title="IED on the Bannu road", kind="ied")
    client = client_for("analyst")

    airstrikes = _text(client.get(reverse("incidents:incident_list"), {"kind": "airstrike"}))
    assert "د پکتیکا بمبارۍ" in airstrikes
    assert "IED on the Bannu road" not in airstrikes

    found = _text(client.get(reverse("incidents:incident_list"), {"q": "پکتیکا"}))
    assert "د پکتیکا بمبارۍ" in found
    assert "IED on the Bannu road" not in found
    assert re.search(r'id="result-count">\s*1 incident<', found)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("په برمل کې د پاکستان هوايي بریدونه", "هوايي"),  # Pashto
        ("حملات هوایی در ولسوالی برمل", "هوایی"),  # Dari
        ("تحریک طالبان پاکستان کا حملہ", "طالبان"),  # Urdu
    ],
)
def test_list_searches_in_pashto_dari_and_urdu_script(client_for, analyst, title, query):
    _incident(analyst, title=title)
    _incident(analyst, title="Shelling in Kurram")
    response = client_for("analyst").get(reverse("incidents:incident_list"), {"q": query})
    assert [incident.title for incident in response.context["incidents"]] == [title]
    assert title in _text(response)


@pytest.mark.django_db
def test_list_finds_paktika_by_its_dari_name_through_the_gazetteer(client_for, paktika):
    response = client_for("analyst").get(reverse("incidents:incident_list"), {"q": "پکتیکا"})
    assert paktika.title in _text(response)


@pytest.mark.django_db
def test_list_sorts_by_title_both_ways(client_for, analyst):
    for title in ("Bravo", "Alpha", "Charlie"):
        _incident(analyst, title=title)
    client = client_for("analyst")
    ascending = _text(client.get(reverse("incidents:incident_list"), {"ordering": "title"}))
    descending = _text(client.get(reverse("incidents:incident_list"), {"ordering": "-title"}))
    assert ascending.index("Alpha") < ascending.index("Bravo") < ascending.index("Charlie")
    assert descending.index("Charlie") < descending.index("Bravo") < descending.index("Alpha")


@pytest.mark.django_db
def test_list_paginates(client_for, analyst):
    IncidentFactory.create_batch(30, created_by=analyst)
    client = client_for("analyst")
    first = client.get(reverse("incidents:incident_list"), {"per_page": 25})
    second = client.get(reverse("incidents:incident_list"), {"per_page": 25, "page": 2})
    assert len(first.context["incidents"]) == 25
    assert len(second.context["incidents"]) == 5
    assert "Page 2 of 2" in _text(second)


@pytest.mark.django_db
def test_list_shows_filter_errors_naming_the_parameter(client_for):
    response = client_for("analyst").get(reverse("incidents:incident_list"), {"start_date__gte": "not-a-date"})
    assert response.status_code == 200
    assert "start_date__gte" in _text(response)
    assert response.context["page_obj"].paginator.count == 0


def _list_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("incidents:incident_list"), params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_list_query_count_is_constant_in_rows_shown(client_for, analyst, editor):
    client = client_for("analyst")
    actor, source = ActorFactory(), SourceFactory()

    def grow(n):
        for _ in range(n):
            incident = IncidentFactory(created_by=analyst)
            incident.sources.add(source)
            _claim(analyst, incident, actor, source, killed_min=1)
            services.assessment_record(
                editor=editor, incident=incident, data={"grade": "weak", "rationale": "One source."}, claims=[]
            )

    filters = {"per_page": 100, "q": "Incident", "kind": "airstrike", "grade": "weak", "ordering": "-title"}
    grow(2)
    small, small_filtered = _list_queries(client, per_page=100), _list_queries(client, **filters)
    grow(40)
    large, large_filtered = _list_queries(client, per_page=100), _list_queries(client, **filters)
    assert small == large
    assert small_filtered == large_filtered
    # session, user, the user's two permission lookups, count, page, the page's claims (which are live as this
    # reader sees them); the province and actor pickers; whether the user has a two-factor device (TOTP, recovery
    # codes: an analyst without one is not asked for a code); the session's renewal (idle timeout), inside the
    # test's transaction a savepoint, the update and its release.
    assert large == 14


@pytest.mark.django_db
def test_list_escapes_user_text(client_for, analyst):
    _incident(analyst, title=SCRIPT, place_text=SCRIPT)
    body = _text(client_for("analyst").get(reverse("incidents:incident_list")))
    assert SCRIPT not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body


# ---- Review queue ----


@pytest.mark.django_db
def test_review_queue_lists_incidents_in_review_oldest_first(client_for, analyst):
    older = _incident(analyst, title="Older in review")
    newer = _incident(analyst, title="Newer in review")
    _incident(analyst, title="Still a draft")
    for incident in (older, newer):
        services.incident_submit(incident=incident, author=analyst)
    body = _text(client_for("editor").get(reverse("incidents:review_queue")))
    assert "Still a draft" not in body
    assert body.index("Older in review") < body.index("Newer in review")


def test_review_queue_orders_by_when_incidents_were_sent_not_when_they_were_logged(client_for, analyst):
    logged_first = _incident(analyst, title="Logged first, sent last")
    logged_last = _incident(analyst, title="Logged last, sent first")
    services.incident_submit(incident=logged_last, author=analyst)
    services.incident_submit(incident=logged_first, author=analyst)
    body = _text(client_for("editor").get(reverse("incidents:review_queue")))
    assert body.index("Logged last, sent first") < body.index("Logged first, sent last")


@pytest.mark.django_db
def test_review_queue_takes_the_list_filters(client_for, analyst):
    for title, kind in (("Raid in Kurram", "cross_border_raid"), ("IED in Bannu", "ied")):
        services.incident_submit(incident=_incident(analyst, title=title, kind=kind), author=analyst)
    body = _text(client_for("editor").get(reverse("incidents:review_queue"), {"kind": "ied"}))
    assert "IED in Bannu" in body
    assert "Raid in Kurram" not in body


# ---- Log an incident ----


@pytest.mark.django_db
def test_log_incident_keeps_typed_coordinates_exactly(client_for, analyst):
    response = client_for("analyst").post(
        reverse("incidents:incident_create"), _create_form(latitude="33.0012345678", longitude="70.1000001")
    )
    incident = Incident.objects.get(title="Drone strike near Miranshah")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("incidents:incident_detail", args=[incident.pk]))
    assert repr(incident.location.y) == "33.0012345678"
    assert repr(incident.location.x) == "70.1000001"
    assert incident.location_manual
    assert incident.created_by == analyst
    assert incident.status == Status.DRAFT
    edit = client_for("analyst").get(reverse("incidents:incident_edit", args=[incident.pk]))
    assert 'value="33.0012345678"' in _text(edit)


@pytest.mark.django_db
def test_log_incident_takes_the_point_from_the_map_widget(client_for):
    client_for("analyst").post(
        reverse("incidents:incident_create"),
        _create_form(location='{"type": "Point", "coordinates": [70.25, 32.98]}'),
    )
    incident = Incident.objects.get(title="Drone strike near Miranshah")
    assert (incident.location.x, incident.location.y) == (70.25, 32.98)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Title: This field is required."),
        ({"start_date": "2025-03-10", "end_date": "2025-03-01"}, "end_date", "The end date is before the start date."),
        ({"latitude": "95", "longitude": "70"}, "latitude", "Latitude must be between -90 and 90."),
        ({"latitude": "north", "longitude": "70"}, "latitude", "Latitude must be a decimal number"),
        ({"latitude": "33.1"}, "longitude", "Type both latitude and longitude, or neither."),
        ({"kind": "picnic"}, "kind", "Select a valid choice."),
    ],
)
def test_log_incident_refuses_bad_input_naming_the_field(client_for, overrides, field, message):
    response = client_for("analyst").post(reverse("incidents:incident_create"), _create_form(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in _text(response)
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_possible_duplicates_are_shown_before_saving(client_for, analyst):
    existing = _incident(
        analyst,
        title="Drone strike on a compound near Miranshah",
        kind="drone_strike",
        start_date=dt.date(2025, 3, 9),
        location=Point(70.07, 33.0, srid=4326),
    )
    far_away = _incident(  # same day, 300 km away, different words: not a duplicate
        analyst, title="Clash in Kunar", kind="ground_clash", start_date=dt.date(2025, 3, 10),
        location=Point(71.1, 35.0, srid=4326),
    )  # fmt: skip
    client = client_for("analyst")
    response = client.post(
        reverse("incidents:incident_create"), _create_form(latitude="33.01", longitude="70.1", title="Strike")
    )
    assert response.status_code == 200
    assert Incident.objects.count() == 2  # nothing saved yet
    duplicates = [d.incident for d in response.context["duplicates"]]
    assert duplicates == [existing]
    assert far_away not in duplicates
    body = _text(response)
    assert f'name="merge_into" value="{existing.pk}"' in body
    assert "Save as a new incident" in body
    assert 'value="Strike"' in body  # the typed values are kept

    saved = client.post(
        reverse("incidents:incident_create"),
        _create_form(latitude="33.01", longitude="70.1", title="Strike", confirm_new="1"),
    )
    assert saved.status_code == 302
    assert Incident.objects.filter(title="Strike").exists()


@pytest.mark.django_db
def test_check_for_duplicates_by_similar_text_without_a_point(client_for, analyst):
    existing = _incident(
        analyst, title="Airstrikes in Barmal district, Paktika", kind="airstrike", start_date=dt.date(2025, 3, 11)
    )
    response = client_for("analyst").post(
        reverse("incidents:incident_create"),
        _create_form(title="Pakistani airstrike hits Barmal", place_text="Barmal, Paktika", check="1"),
    )
    assert [d.incident for d in response.context["duplicates"]] == [existing]
    assert "similar text" in response.context["duplicates"][0].reasons
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_merge_from_the_log_page_keeps_both_records(client_for, analyst):
    existing = _incident(analyst, title="Strike near Miranshah", start_date=dt.date(2025, 3, 10),
                         location=Point(70.07, 33.0, srid=4326))  # fmt: skip
    response = client_for("analyst").post(
        reverse("incidents:incident_create"),
        _create_form(latitude="33.0", longitude="70.08", merge_into=str(existing.pk)),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:incident_detail", args=[existing.pk])
    logged = Incident.objects.get(title="Drone strike near Miranshah")
    assert logged.merged_into == existing
    assert not Incident.objects.live().filter(pk=logged.pk).exists()


@pytest.mark.django_db
def test_the_detail_page_merges_a_duplicate_keeping_claims_and_sources(client_for, analyst):
    target = _incident(analyst, title="Strike in Barmal", start_date=dt.date(2025, 3, 10))
    duplicate = _incident(analyst, title="Airstrike Barmal", start_date=dt.date(2025, 3, 10))
    source = _source(analyst, duplicate, publisher="Tolo")
    actor = ActorFactory()
    _claim(analyst, duplicate, actor, source, civilians_min=5)
    response = client_for("analyst").post(reverse("incidents:incident_merge", args=[duplicate.pk]), {"into": target.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:incident_detail", args=[target.pk])
    assert target.sources.filter(pk=source.pk).exists()
    assert target.claims.filter(claimant=actor, civilians_min=5).exists()
    assert duplicate.claims.filter(civilians_min=5).exists()  # the duplicate's own record stays
    duplicate.refresh_from_db()
    assert duplicate.merged_into == target
    page = _text(client_for("analyst").get(reverse("incidents:incident_detail", args=[duplicate.pk])))
    assert "was merged into" in page


@pytest.mark.django_db
def test_merge_into_an_unknown_incident_names_the_field(client_for, analyst):
    incident = _incident(analyst)
    response = client_for("analyst").post(reverse("incidents:incident_merge", args=[incident.pk]), {"into": 99999})
    assert response.status_code == 400
    assert "There is no incident 99999 you can see." in _text(response)
    incident.refresh_from_db()
    assert incident.merged_into is None


# ---- Detail and its inline forms ----


@pytest.mark.django_db
def test_detail_escapes_user_text_everywhere(client_for, analyst):
    incident = _incident(analyst, title=SCRIPT, description=SCRIPT, place_text=SCRIPT,
                         location=Point(69.2, 32.7, srid=4326))  # fmt: skip
    source = _source(analyst, incident, publisher=SCRIPT, quote=SCRIPT, content=SCRIPT)
    actor = Actor.objects.create(name=SCRIPT, slug="evil", kind="other")
    _claim(analyst, incident, actor, source, killed_min=1, quote=SCRIPT, labels=[{"label": SCRIPT}])
    services.attribution_add(
        author=analyst,
        incident=incident,
        data={"actor": actor, "role": "target", "asserted_by": actor, "quote": SCRIPT},
    )
    for name in ("incident_detail", "incident_history", "incident_edit"):
        body = _text(client_for("analyst").get(reverse(f"incidents:{name}", args=[incident.pk])))
        assert SCRIPT not in body, name
        assert "&lt;script&gt;" in body, name
    reconcile = _text(client_for("editor").get(reverse("incidents:incident_reconcile", args=[incident.pk])))
    assert SCRIPT not in reconcile
    # The map's data goes through json_script, which escapes < and >; the popup uses textContent.
    assert "\\u003Cscript\\u003E" in _text(
        client_for("analyst").get(reverse("incidents:incident_detail", args=[incident.pk]))
    )


@pytest.mark.django_db
def test_every_form_carries_a_csrf_token(client_for, paktika):
    client = client_for("editor")
    pages = [
        reverse("incidents:incident_create"),
        reverse("incidents:incident_detail", args=[paktika.pk]),
        reverse("incidents:incident_edit", args=[paktika.pk]),
        reverse("incidents:incident_reconcile", args=[paktika.pk]),
    ]
    for url in pages:
        body = _text(client.get(url))
        post_forms = re.findall(r'<form method="post".*?</form>', body, flags=re.S)
        assert post_forms, url
        for form in post_forms:
            assert 'name="csrfmiddlewaretoken"' in form, (url, form[:200])


@pytest.mark.django_db
def test_posts_without_csrf_are_refused(users, analyst):
    from django.test import Client

    incident = _incident(analyst)
    client = login_verified(Client(enforce_csrf_checks=True), users["editor"])
    response = client.post(reverse("incidents:incident_publish", args=[incident.pk]))
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == Status.DRAFT


@pytest.mark.django_db
def test_detail_shows_the_paktika_claims_attributions_and_assessment(client_for, paktika):
    response = client_for("analyst").get(reverse("incidents:incident_detail", args=[paktika.pk]))
    body = _text(response)
    for text in ("Pakistani security forces", "Afghan Ministry of Foreign Affairs", "refugees", "Contested"):
        assert text in body
    source = paktika.sources.get()
    assert source.content_sha256 in body
    groups = dict(
        (actor.slug, [a.actor.slug for a in items]) for actor, items in response.context["attribution_groups"]
    )
    assert set(groups["afghan-mofa"]) == {"pakistani-security-forces", "barmal-civilians"}
    assert set(groups["pakistani-security-forces"]) == {"pakistani-security-forces", "ttp"}


@pytest.mark.django_db
def test_add_source_stores_the_pasted_text_and_shows_its_hash(client_for, analyst):
    incident = _incident(analyst)
    text = "د پکتیکا په برمل ولسوالۍ کې هوايي بریدونه"
    response = client_for("analyst").post(
        reverse("incidents:source_add", args=[incident.pk]),
        {"source-publisher": "BBC Pashto", "source-kind": "news", "source-language": "ps", "source-reliability": "B",
         "source-credibility": "2", "source-sensitivity": "public", "source-content": text,
         "source-url": "https://www.bbc.com/pashto/1"},
    )  # fmt: skip
    assert response.status_code == 302
    source = incident.sources.get()
    assert source.content == text
    import hashlib

    assert source.content_sha256 == hashlib.sha256(text.encode()).hexdigest()
    page = _text(client_for("analyst").get(reverse("incidents:incident_detail", args=[incident.pk])))
    assert source.content_sha256 in page


@pytest.mark.django_db
def test_add_source_with_a_bad_url_names_the_field_and_saves_nothing(client_for, analyst):
    incident = _incident(analyst)
    response = client_for("analyst").post(
        reverse("incidents:source_add", args=[incident.pk]),
        {"source-publisher": "X", "source-kind": "news", "source-language": "en", "source-reliability": "B",
         "source-credibility": "2", "source-sensitivity": "public", "source-url": "not a url"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "URL: Enter a valid URL." in _text(response)
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_add_claim_with_ranges_labels_and_a_denial(client_for, analyst):
    incident = _incident(analyst)
    source = _source(analyst, incident)
    actor = ActorFactory()
    response = client_for("analyst").post(
        reverse("incidents:claim_add", args=[incident.pk]),
        {"claim-claimant": actor.pk, "claim-source": source.pk, "claim-claimed_on": "2025-01-04",
         "claim-killed_min": "20", "claim-killed_max": "25", "claim-militants_min": "20",
         "claim-civilians_min": "0", "claim-civilians_max": "0", "claim-denied": ["civilians"],
         "claim-labels_text": "refugees\nforeign fighters: 3-5", "claim-quote": "No civilians were harmed."},
    )  # fmt: skip
    assert response.status_code == 302
    claim = incident.claims.get()
    assert (claim.killed_min, claim.killed_max, claim.militants_min) == (20, 25, 20)
    assert claim.denied == ["civilians"]
    assert claim.labels == [
        {"label": "refugees", "min": None, "max": None},
        {"label": "foreign fighters", "min": 3, "max": 5},
    ]
    page = _text(client_for("analyst").get(reverse("incidents:incident_detail", args=[incident.pk])))
    assert "denied (0)" in page
    assert "foreign fighters" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"claim-killed_min": "30", "claim-killed_max": "20"}, "killed_min", "greater than the maximum"),
        ({"claim-denied": ["civilians"], "claim-civilians_min": "3"}, "civilians_max", "A denial means a figure of 0"),
        ({"claim-labels_text": "refugees: many"}, "labels_text", "Line 1: write the figures as a number"),
        ({"claim-source": ""}, "source", "This field is required."),
    ],
)
def test_bad_claim_names_the_field_and_saves_nothing(client_for, analyst, data, field, message):
    incident = _incident(analyst)
    source = _source(analyst, incident)
    actor = ActorFactory()
    post = {"claim-claimant": actor.pk, "claim-source": source.pk, "claim-claimed_on": "2025-01-04", **data}
    response = client_for("analyst").post(reverse("incidents:claim_add", args=[incident.pk]), post)
    assert response.status_code == 400
    assert field in response.context["claim_form"].errors
    assert message in _text(response)
    assert not CasualtyClaim.objects.exists()


@pytest.mark.django_db
def test_claims_may_only_cite_the_incidents_own_sources(client_for, analyst):
    incident = _incident(analyst)
    elsewhere = _source(analyst)  # not linked to this incident
    response = client_for("analyst").post(
        reverse("incidents:claim_add", args=[incident.pk]),
        {"claim-claimant": ActorFactory().pk, "claim-source": elsewhere.pk, "claim-claimed_on": "2025-01-04"},
    )
    assert response.status_code == 400
    assert "source" in response.context["claim_form"].errors
    assert not CasualtyClaim.objects.exists()


@pytest.mark.django_db
def test_add_attribution_and_duplicate_attribution_is_refused(client_for, analyst):
    incident = _incident(analyst)
    actor, asserter = ActorFactory(), ActorFactory()
    data = {"attribution-actor": actor.pk, "attribution-role": "perpetrator",
            "attribution-asserted_by": asserter.pk, "attribution-confidence": "high"}  # fmt: skip
    client = client_for("analyst")
    assert client.post(reverse("incidents:attribution_add", args=[incident.pk]), data).status_code == 302
    again = client.post(reverse("incidents:attribution_add", args=[incident.pk]), data)
    assert again.status_code == 400
    assert "already exists" in _text(again)
    assert Attribution.objects.filter(incident=incident).count() == 1


@pytest.mark.django_db
def test_supersede_keeps_the_old_claim_struck_through(client_for, analyst):
    incident = _incident(analyst)
    source = _source(analyst, incident)
    actor = ActorFactory(name="ISPR")
    old = _claim(analyst, incident, actor, source, killed_min=20)
    client = client_for("analyst")
    form = client.get(reverse("incidents:claim_supersede", args=[incident.pk, old.pk]))
    assert 'value="20"' in _text(form)  # starts from the old figures
    response = client.post(
        reverse("incidents:claim_supersede", args=[incident.pk, old.pk]),
        {"supersede-source": source.pk, "supersede-claimed_on": "2025-01-06", "supersede-killed_min": "25",
         "supersede-killed_max": "30"},
    )  # fmt: skip
    assert response.status_code == 302
    new = CasualtyClaim.objects.get(supersedes=old)
    assert (new.claimant, new.killed_min, new.killed_max) == (actor, 25, 30)
    old.refresh_from_db()
    assert old.killed_min == 20  # the old claim is never edited
    page = _text(client.get(reverse("incidents:incident_detail", args=[incident.pk])))
    struck = re.search(rf'id="claim-{old.pk}".*?<del class="claim-body">(.*?)</del>', page, flags=re.S)
    assert struck
    assert "20" in struck.group(1)
    assert f"Superseded by claim {new.pk}" in page
    # Superseding the same claim twice is refused: revise the latest one.
    again = client.post(
        reverse("incidents:claim_supersede", args=[incident.pk, old.pk]),
        {"supersede-source": source.pk, "supersede-claimed_on": "2025-01-07", "supersede-killed_min": "1"},
    )
    assert again.status_code == 400
    assert CasualtyClaim.objects.count() == 2


@pytest.mark.django_db
def test_submit_for_review(client_for, analyst):
    incident = _incident(analyst)
    response = client_for("analyst").post(reverse("incidents:incident_submit", args=[incident.pk]))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.IN_REVIEW


@pytest.mark.django_db
def test_place_correction_is_kept_as_set_by_a_person(client_for, analyst, areas):
    from geo.models import Area

    incident = _incident(analyst)
    district = Area.objects.filter(level="district", name="Barmal").select_related("parent").get()
    response = client_for("analyst").post(
        reverse("incidents:incident_place", args=[incident.pk]),
        {"place-district": district.pk, "place-province": "", "place-geo_precision": "district",
         "place-version": incident.version},
    )  # fmt: skip
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.district, incident.province, incident.geo_precision) == (district, district.parent, "district")
    assert incident.location_manual


# ---- Edit with optimistic locking ----


@pytest.mark.django_db
def test_edit_saves_and_bumps_the_version(client_for, analyst):
    incident = _incident(analyst)
    client = client_for("analyst")
    form = client.get(reverse("incidents:incident_edit", args=[incident.pk])).context["form"]
    data = {**_bound(form), "title": "Shelling in Kurram, two villages"}
    response = client.post(reverse("incidents:incident_edit", args=[incident.pk]), data)
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.title == "Shelling in Kurram, two villages"
    assert incident.version == 2


def _bound(form) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return data


@pytest.mark.django_db
def test_second_save_is_refused_with_what_changed_and_keeps_what_was_typed(client, users, analyst):
    from django.test import Client

    incident = _incident(analyst, description="First account.")
    first, second = Client(), Client()
    first.force_login(users["analyst"])
    login_verified(second, users["editor"])
    url = reverse("incidents:incident_edit", args=[incident.pk])
    first_data = _bound(first.get(url).context["form"])
    second_data = _bound(second.get(url).context["form"])

    assert first.post(url, {**first_data, "title": "Shelling in Lower Kurram"}).status_code == 302
    typed = {**second_data, "description": "The editor's careful rewrite.", "place_text": "Parachinar"}
    response = second.post(url, typed)

    assert response.status_code == 409
    body = _text(response)
    assert "Someone else saved this incident" in body
    changes = {change["field"]: change for change in response.context["changes"]}
    assert changes["title"]["before"] == "Shelling in Kurram"
    assert changes["title"]["after"] == "Shelling in Lower Kurram"
    assert "The editor&#x27;s careful rewrite." in body  # typed values intact
    assert 'value="Parachinar"' in body
    incident.refresh_from_db()
    assert incident.description == "First account."  # nothing from the refused save was written
    assert incident.title == "Shelling in Lower Kurram"

    # Having seen the change, saving the same form again applies it over the new version.
    again = _bound(response.context["form"])
    assert second.post(url, again).status_code == 302
    incident.refresh_from_db()
    assert incident.description == "The editor's careful rewrite."
    assert incident.version == 3


@pytest.mark.django_db
def test_analysts_cannot_edit_a_published_incident(client_for, analyst, editor):
    incident = _incident(analyst)
    services.incident_publish(incident=incident, editor=editor)
    assert client_for("analyst").get(reverse("incidents:incident_edit", args=[incident.pk])).status_code == 403
    assert client_for("editor").get(reverse("incidents:incident_edit", args=[incident.pk])).status_code == 200


# ---- Reconcile ----


def _rival_claims(analyst):
    incident = _incident(analyst, title="Strikes in Barmal")
    source = _source(analyst, incident)
    pakistan, kabul = ActorFactory(name="ISPR"), ActorFactory(name="Afghan MoFA")
    a = _claim(analyst, incident, pakistan, source, killed_min=20, killed_max=25, civilians_min=0, civilians_max=0,
               denied=["civilians"])  # fmt: skip
    b = _claim(analyst, incident, kabul, source, killed_min=40, civilians_min=30, women_min=5, children_min=10)
    return incident, a, b


@pytest.mark.django_db
def test_reconcile_shows_contested_categories_and_why(client_for, analyst):
    incident, a, b = _rival_claims(analyst)
    response = client_for("editor").get(reverse("incidents:incident_reconcile", args=[incident.pk]))
    assert response.context["contested_categories"] == ["killed", "civilians"]
    body = _text(response)
    assert "Afghan MoFA says at least 40, ISPR says at most 25" in body
    assert "Afghan MoFA says at least 30, ISPR says at most 0" in body
    killed = next(axis for axis in response.context["axes"] if axis["category"] == "killed")
    bars = {row["claim"].pk: row for row in killed["rows"]}
    assert bars[a.pk]["left"] + bars[a.pk]["width"] < bars[b.pk]["left"]  # visibly disjoint on one axis
    assert bars[b.pk]["open_high"]


@pytest.mark.django_db
def test_record_assessment_from_the_reconcile_page(client_for, analyst, editor):
    incident, a, b = _rival_claims(analyst)
    url = reverse("incidents:incident_reconcile", args=[incident.pk])
    response = client_for("editor").post(
        url,
        {"killed_low": "20", "killed_best": "30", "killed_high": "45", "civilians_low": "0", "grade": "contested",
         "claims": [a.pk, b.pk], "rationale": "Two sides, no overlap."},
    )  # fmt: skip
    assert response.status_code == 302
    assessment = Assessment.objects.get(incident=incident)
    assert (assessment.killed_low, assessment.killed_best, assessment.killed_high) == (20, 30, 45)
    assert set(assessment.claims.all()) == {a, b}
    assert assessment.decided_by == editor
    page = _text(client_for("editor").get(url))
    assert "Two sides, no overlap." in page
    assert "by editor-user" in page


@pytest.mark.django_db
def test_bad_assessment_names_the_field_and_saves_nothing(client_for, analyst):
    incident, a, _ = _rival_claims(analyst)
    response = client_for("editor").post(
        reverse("incidents:incident_reconcile", args=[incident.pk]),
        {"killed_low": "50", "killed_best": "30", "grade": "fair", "claims": [a.pk], "rationale": "x"},
    )
    assert response.status_code == 400
    assert "killed_low" in response.context["form"].errors
    assert "killed low:" in _text(response)
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_analyst_cannot_record_an_assessment(client_for, analyst):
    incident, a, _ = _rival_claims(analyst)
    response = client_for("analyst").post(
        reverse("incidents:incident_reconcile", args=[incident.pk]),
        {"killed_low": "1", "grade": "fair", "claims": [a.pk], "rationale": "x"},
    )
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def _reconcile_queries(client, incident) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("incidents:incident_reconcile", args=[incident.pk]))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_reconcile_query_count_is_constant_in_claims_and_assessments(client_for, analyst, editor):
    incident, a, b = _rival_claims(analyst)
    client = client_for("editor")
    services.assessment_record(
        editor=editor, incident=incident, data={"grade": "contested", "rationale": "First view."}, claims=[a, b]
    )
    small = _reconcile_queries(client, incident)
    source = incident.sources.get()
    claims = []
    for n in range(12):
        claim = _claim(analyst, incident, ActorFactory(), source, killed_min=n)
        claims.append(claim)
        services.attribution_add(
            author=analyst, incident=incident,
            data={"actor": ActorFactory(), "role": "target", "asserted_by": claim.claimant, "source": source},
        )  # fmt: skip
    services.claim_supersede(
        author=analyst, claim=claims[0], data={"source": source, "claimed_on": dt.date(2025, 1, 9)}
    )
    for _ in range(5):
        services.assessment_record(
            editor=editor, incident=incident, data={"grade": "weak", "rationale": "More claims."}, claims=claims
        )
    large = _reconcile_queries(client, incident)
    assert small == large
    # session, user, the user's two permission lookups, incident, claims, attributions, assessments, their claims,
    # the claims' revision links (to link visible claims across a hidden revision); the two-factor device this session
    # was verified with; the session's renewal (savepoint, update, release).
    assert large == 14


# ---- Publish, send back, retract ----


@pytest.mark.django_db
def test_publish_send_back_and_retract(users, analyst):
    from django.test import Client

    incident = _incident(analyst)
    client, analyst_client = Client(), Client()
    login_verified(client, users["editor"])
    analyst_client.force_login(analyst)
    services.incident_submit(incident=incident, author=analyst)

    refused = client.post(reverse("incidents:incident_send_back", args=[incident.pk]), {"note": "  "})
    assert refused.status_code == 400
    assert "Comment for the analyst: This field is required." in _text(refused)
    incident.refresh_from_db()
    assert incident.status == Status.IN_REVIEW

    client.post(reverse("incidents:incident_send_back", args=[incident.pk]), {"note": "Add the UN statement."})
    incident.refresh_from_db()
    assert (incident.status, incident.status_note) == (Status.DRAFT, "Add the UN statement.")
    page = analyst_client.get(reverse("incidents:incident_detail", args=[incident.pk]))
    assert "Add the UN statement." in _text(page)

    client.post(reverse("incidents:incident_publish", args=[incident.pk]))
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED
    assert incident.published_at is not None

    no_reason = client.post(reverse("incidents:incident_retract", args=[incident.pk]), {"reason": ""})
    assert no_reason.status_code == 400
    incident.refresh_from_db()
    assert incident.status == Status.PUBLISHED
    client.post(reverse("incidents:incident_retract", args=[incident.pk]), {"reason": "Date was wrong."})
    incident.refresh_from_db()
    assert (incident.status, incident.status_note) == (Status.RETRACTED, "Date was wrong.")


@pytest.mark.django_db
def test_analyst_sees_no_publish_button_and_cannot_publish(client_for, analyst):
    incident = _incident(analyst)
    page = _text(client_for("analyst").get(reverse("incidents:incident_detail", args=[incident.pk])))
    assert "Submit for review" in page
    assert 'id="publish-button"' not in page
    assert client_for("analyst").post(reverse("incidents:incident_publish", args=[incident.pk])).status_code == 403
    editor_page = _text(client_for("editor").get(reverse("incidents:incident_detail", args=[incident.pk])))
    assert 'id="publish-button"' in editor_page


# ---- History ----


@pytest.mark.django_db
def test_history_shows_who_changed_what_before_and_after(client_for, analyst):
    client = client_for("analyst")
    client.post(reverse("incidents:incident_create"), _create_form(confirm_new="1"))
    incident = Incident.objects.get()
    form = _bound(client.get(reverse("incidents:incident_edit", args=[incident.pk])).context["form"])
    client.post(reverse("incidents:incident_edit", args=[incident.pk]), {**form, "title": "Drone strike in Mir Ali"})
    source = _source(analyst, incident)
    _claim(analyst, incident, ActorFactory(), source, killed_min=2)

    response = client.get(reverse("incidents:incident_history", args=[incident.pk]))
    events = response.context["events"]
    title_change = next(e for e in events if any(c["field"] == "title" for c in e["changes"]))
    assert title_change["who"] == "analyst-user"
    change = next(c for c in title_change["changes"] if c["field"] == "title")
    assert (change["before"], change["after"]) == ("Drone strike near Miranshah", "Drone strike in Mir Ali")
    models = {e["model"] for e in events}
    assert {"Incident", "CasualtyClaim", "Source"} <= models
    body = _text(response)
    assert "Drone strike near Miranshah" in body
    assert "Drone strike in Mir Ali" in body


# ---- The geocoder's suggestions ----


@pytest.fixture
def suggested(analyst):
    from incidents.models import Mention
    from tests.factories import AreaFactory

    province = AreaFactory(level="province", name="Kurram Province", parent=AreaFactory())
    district = AreaFactory(level="district", name="Parachinar", parent=province)
    incident = _incident(analyst, place_text="Parachinar, Kurram")
    mention = Mention.objects.create(
        incident=incident, field="place_text", start=0, end=10, text="Parachinar", area=district, method="exact",
        score=0.95,
    )  # fmt: skip
    return incident, mention, district


@pytest.mark.django_db
def test_detail_lists_the_geocoders_mentions_to_accept_or_reject(client_for, suggested):
    incident, mention, _ = suggested
    page = _text(client_for("analyst").get(reverse("incidents:incident_detail", args=[incident.pk])))
    row = re.search(rf'id="mention-{mention.pk}".*?</tr>', page, flags=re.S).group(0)
    assert "Parachinar" in row
    assert reverse("incidents:mention_confirm", args=[incident.pk, mention.pk]) in row
    assert reverse("incidents:mention_reject", args=[incident.pk, mention.pk]) in row


@pytest.mark.django_db
def test_accepting_a_mention_places_the_incident_there(client_for, suggested):
    incident, mention, district = suggested
    response = client_for("analyst").post(reverse("incidents:mention_confirm", args=[incident.pk, mention.pk]))
    assert response.status_code == 302
    mention.refresh_from_db()
    incident.refresh_from_db()
    assert mention.status == "confirmed"
    assert (incident.district, incident.province) == (district, district.parent)
    assert incident.location_manual


@pytest.mark.django_db
def test_rejecting_a_mention_keeps_it_marked_rejected(client_for, suggested):
    incident, mention, _ = suggested
    client_for("analyst").post(reverse("incidents:mention_reject", args=[incident.pk, mention.pk]))
    mention.refresh_from_db()
    assert mention.status == "rejected"
    page = _text(client_for("analyst").get(reverse("incidents:incident_detail", args=[incident.pk])))
    assert reverse("incidents:mention_reject", args=[incident.pk, mention.pk]) not in page


@pytest.mark.django_db
def test_a_mention_of_another_incident_is_not_found(client_for, suggested, analyst):
    _, mention, _ = suggested
    other = _incident(analyst, title="Other")
    response = client_for("analyst").post(reverse("incidents:mention_confirm", args=[other.pk, mention.pk]))
    assert response.status_code == 404
    mention.refresh_from_db()
    assert mention.status == "suggested"


@pytest.mark.django_db
def test_history_names_the_geocoder_task_for_its_changes(client_for, analyst, areas):
    from incidents.tasks import geocode_incident

    incident = _incident(analyst, place_text="Barmal district, Paktika", location=Point(69.25, 32.7, srid=4326))
    geocode_incident(incident.pk)  # in this process, as a worker would run it
    incident.refresh_from_db()
    assert incident.district is not None
    events = client_for("analyst").get(reverse("incidents:incident_history", args=[incident.pk])).context["events"]
    placed = next(e for e in events if any(c["field"] == "district" for c in e["changes"]))
    assert placed["who"] == "task: geo.geocode_incident"
    district = next(c for c in placed["changes"] if c["field"] == "district")
    # Ids are shown with their names.
    assert (district["before"], district["after"]) == (None, f"Barmal (#{incident.district_id})")


def _detail_queries(client, incident) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("incidents:incident_detail", args=[incident.pk]))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_detail_query_count_does_not_grow_with_claims(client_for, analyst, editor):
    incident, a, b = _rival_claims(analyst)
    services.assessment_record(
        editor=editor, incident=incident, data={"grade": "contested", "rationale": "First view."}, claims=[a, b]
    )
    client = client_for("editor")
    small = _detail_queries(client, incident)
    source = incident.sources.get()
    for n in range(10):
        claim = _claim(analyst, incident, ActorFactory(), source, killed_min=n)
        services.claim_supersede(author=analyst, claim=claim, data={"source": source, "claimed_on": DAY_AFTER})
        services.attribution_add(
            author=analyst,
            incident=incident,
            data={"actor": ActorFactory(), "role": "target", "asserted_by": claim.claimant},
        )
    assert _detail_queries(client, incident) == small


@pytest.mark.django_db
def test_detail_warns_when_the_point_and_the_text_disagree_and_escapes_the_names(client_for, analyst):
    from tests.factories import AreaFactory

    incident = _incident(analyst, place_text="Sui town")
    url = reverse("incidents:incident_detail", args=[incident.pk])
    assert 'id="place-disagrees"' not in _text(client_for("analyst").get(url))

    elsewhere = AreaFactory(
        level="district", name=f"Dera Bugti {SCRIPT}", parent=AreaFactory(level="province", parent=AreaFactory())
    )
    Incident.objects.filter(pk=incident.pk).update(text_district_elsewhere=elsewhere)
    page = _text(client_for("analyst").get(url))
    notice = re.search(r'<p class="notice" id="place-disagrees">.*?</p>', page, flags=re.S).group(0)
    assert "the text names Dera Bugti &lt;script&gt;" in notice
    assert SCRIPT not in page
    flagged = _text(client_for("analyst").get(reverse("incidents:incident_list"), {"place_disagrees": "true"}))
    assert f'href="{url}"' in flagged
