"""Hostile input, for good (issue #9, findings 5 and 6).

First the findings themselves, one test each. Then the walkers: every desk form field (discovered from the form
classes, posted to the real URLs as an editor) and every API write field (discovered from the OpenAPI schema) gets a
fixed corpus chosen by the field's kind — NaN, huge numbers, foreign SRIDs, NUL, control characters, 1 MB strings,
implausible dates, wrong types. A value that is invalid for the field must be refused with the field named (API: a
400; desk: the form again, never a redirect that means "saved"); any other value may be accepted but must never
give a 500. Every request must finish well under a second; 5 s is the hang guard, not a performance claim.
The list endpoints' query parameters get the same treatment as a partner: 200 or 400, never 500.
"""

import datetime as dt
import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.contrib.gis.forms import GeometryField
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from incidents.forms import (
    AssessmentForm,
    AttributionForm,
    ClaimForm,
    IncidentForm,
    MergeForm,
    NoteForm,
    PlaceForm,
    SourceForm,
    SupersedeForm,
)
from incidents.models import CasualtyClaim, Incident

HANG_GUARD = 5.0  # seconds

NUL = "a\x00b"
CONTROL = "\x01"
MEGA = "x" * 1_000_000
LINEBREAK = "a\nb"
INVISIBLE = "\u200b"
SPACES = "   "
HUGE = "9" * 30
FOREIGN_SRID = "SRID=3857;POINT(1e30 1e30)"


def timed(call: Callable):
    started = time.monotonic()
    response = call()
    elapsed = time.monotonic() - started
    assert elapsed < HANG_GUARD, f"took {elapsed:.1f} s"
    return response


def _desk_post(client, url, data):
    return timed(lambda: client.post(url, data))


def _api(client, method, url, body):
    return timed(lambda: getattr(client, method)(url, json.dumps(body), content_type="application/json"))


def _version(incident) -> int:
    return Incident.objects.values_list("version", flat=True).get(pk=incident.pk)


def _create_data(**overrides):
    data = {
        "title": "Drone strike near Miranshah", "kind": "drone_strike", "start_date": "2025-03-10",
        "date_precision": "day", "sensitivity": "public", "confirm_new": "1",
    }  # fmt: skip
    return {**data, **overrides}


# ---- The findings ----


@pytest.mark.django_db
def test_a_foreign_srid_point_is_refused_at_once_not_transformed(world, client_for):
    client = client_for("editor")
    response = _desk_post(client, reverse("incidents:incident_create"), _create_data(location=FOREIGN_SRID))
    assert response.status_code == 200
    assert "SRID 3857" in str(response.context["form"].errors["location"])
    assert not Incident.objects.filter(title="Drone strike near Miranshah").exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_foreign_srid_point_at_once(world, client_for):
    data = {"title": "Drone strike", "kind": "drone_strike", "start_date": "2025-03-10", "location": FOREIGN_SRID}
    response = timed(lambda: client_for("admin").post(reverse("admin:incidents_incident_add"), data))
    assert response.status_code == 200
    assert "SRID 3857" in str(response.context["adminform"].form.errors["location"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("POINT(NaN NaN)", "Send a point as GeoJSON or WKT"),
        ('{"type": "Point", "coordinates": ["a", 1]}', "coordinates must be numbers"),
        ('{"type": "Point", "coordinates": [70]}', "two coordinates"),
        ("POINT(70 33 5)", "Send a point as GeoJSON or WKT"),
        ("POINT(1e30 1e30)", "Longitude must be between -180 and 180."),
        ('{"type": "Point", "coordinates": [1e400, 33]}', "Longitude must be between -180 and 180."),
        ("LINESTRING(0 0, 1 1)", "Send a point as GeoJSON or WKT"),
    ],
)
def test_the_desk_refuses_a_bad_point_naming_the_field(world, client_for, location, message):
    response = _desk_post(client_for("editor"), reverse("incidents:incident_create"), _create_data(location=location))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["location"])


@pytest.mark.django_db
def test_the_desk_still_takes_a_point_from_the_map_and_typed_coordinates(world, client_for):
    client = client_for("editor")
    url = reverse("incidents:incident_create")
    _desk_post(client, url, _create_data(title="From the map", location='{"type":"Point","coordinates":[70.25,32.98]}'))
    _desk_post(
        client,
        url,
        _create_data(title="Typed", location="SRID=4326;POINT(1 1)", latitude="32.7015", longitude="69.1512"),
    )
    assert Incident.objects.get(title="From the map").location.coords == (70.25, 32.98)
    assert Incident.objects.get(title="Typed").location.coords == (69.1512, 32.7015)


@pytest.mark.django_db
@pytest.mark.parametrize("bbox", ["NaN,NaN,NaN,NaN", "inf,0,1,1", "0,0,1e400,1", "0,0,181,10", "10,10,0,0", "1,2,3"])
@pytest.mark.parametrize("name", ["api:incident-list", "api:incident-geojson-list"])
def test_a_partner_gets_a_400_naming_in_bbox_for_a_bad_box(world, api_client_for, name, bbox):
    response = timed(lambda: api_client_for("partner").get(reverse(name), {"in_bbox": bbox}))
    assert response.status_code == 400
    assert "in_bbox" in response.json()["detail"]


@pytest.mark.django_db
def test_a_partner_still_filters_by_a_box(world, api_client_for):
    response = api_client_for("partner").get(reverse("api:incident-geojson-list"), {"in_bbox": "60, 23, 75, 38"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_nul_in_a_claim_label_is_a_400_in_the_api_and_an_error_on_the_desk(world, api_client_for, client_for):
    before = CasualtyClaim.objects.count()
    body = {"claimant": world.actor.pk, "source": world.source.pk, "claimed_on": "2025-01-04"}
    url = reverse("api:incident-claims", args=[world.incident.pk])
    response = _api(api_client_for("editor"), "post", url, {**body, "labels": [{"label": NUL}]})
    assert response.status_code == 400
    assert "Control characters are not allowed" in str(response.json()["labels"])
    desk = _desk_post(
        client_for("editor"),
        reverse("incidents:claim_add", args=[world.incident.pk]),
        {"claim-claimant": world.actor.pk, "claim-source": world.source.pk, "claim-claimed_on": "2025-01-04",
         "claim-labels_text": "refugees\x00: 5"},
    )  # fmt: skip
    assert desk.status_code == 400
    assert "labels_text" in desk.context["claim_form"].errors
    assert CasualtyClaim.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["6674-01-01", "0151-01-01", "1899-12-31"])
def test_an_implausible_start_date_is_refused_everywhere(world, api_client_for, client_for, day):
    desk = _desk_post(client_for("editor"), reverse("incidents:incident_create"), _create_data(start_date=day))
    assert "start_date" in desk.context["form"].errors
    api = _api(
        api_client_for("editor"), "post", reverse("api:incident-list"), {"title": "x", "kind": "ied", "start_date": day}
    )
    assert api.status_code == 400
    assert "check the year" in str(api.json()["start_date"])
    assert not Incident.objects.filter(start_date=dt.date.fromisoformat(day)).exists()


@pytest.mark.django_db
def test_a_date_in_the_future_is_refused_and_today_is_taken(world, api_client_for):
    url = reverse("api:incident-list")
    client = api_client_for("editor")
    today = timezone.localdate()
    later = today + dt.timedelta(days=30)
    for day, status in ((later, 400), (today, 201)):
        body = {"title": "x", "kind": "ied", "start_date": day.isoformat()}
        assert _api(client, "post", url, body).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("title", [CONTROL, INVISIBLE, "\x7f", "Strike\x00", "Strike\nnear Khost"])
def test_a_title_without_visible_text_or_with_control_characters_is_refused(world, api_client_for, client_for, title):
    desk = _desk_post(client_for("editor"), reverse("incidents:incident_create"), _create_data(title=title))
    assert "title" in desk.context["form"].errors
    api = _api(
        api_client_for("editor"),
        "post",
        reverse("api:incident-list"),
        {"title": title, "kind": "ied", "start_date": "2025-01-01"},
    )
    assert api.status_code == 400
    assert "title" in api.json()


@pytest.mark.django_db
def test_pashto_and_line_breaks_in_long_text_are_kept(world, api_client_for):
    body = {"title": "په خوست کې د توپونو ډزې", "kind": "shelling", "start_date": "2025-01-10",
            "description": "لومړی کرښه\r\nدوهم\tکرښه"}  # fmt: skip
    response = _api(api_client_for("editor"), "post", reverse("api:incident-list"), body)
    assert response.status_code == 201
    assert response.json()["description"] == body["description"]


@pytest.mark.django_db
def test_a_claim_in_the_shape_the_api_returns_is_refused_naming_the_unknown_field(world, api_client_for):
    body = {"claimant": world.actor.pk, "source": world.source.pk, "claimed_on": "2025-01-04",
            "ranges": {"killed": {"min": 20, "max": 20}}}  # fmt: skip
    response = _api(api_client_for("editor"), "post", reverse("api:incident-claims", args=[world.incident.pk]), body)
    assert response.status_code == 400
    assert list(response.json()) == ["ranges"]
    assert "Unknown field" in response.json()["ranges"][0]
    assert world.incident.claims.count() == 1


@pytest.mark.django_db
def test_a_mega_byte_of_text_is_refused_in_a_long_text_field(world, api_client_for):
    body = {"title": "x", "kind": "ied", "start_date": "2025-01-01", "description": MEGA}
    response = _api(api_client_for("editor"), "post", reverse("api:incident-list"), body)
    assert response.status_code == 400
    assert "at most 100000 characters" in str(response.json()["description"])


# ---- The walkers' method ----


# A round may carry several fields' 1 MB strings; Django's default limit (2.5 MB) would refuse the whole request
# before any field is read. A single field's 1 MB string stays under it (test_a_mega_byte_of_text_is_refused…).
ROUND_UPLOAD_LIMIT = 64 * 2**20


def _rounds(cases: dict[str, list]):
    """Round i gives every field one of its values, rotated per field so that no round carries many 1 MB strings."""
    count = max(map(len, cases.values()), default=0)
    for i in range(count):
        yield {field: values[(i + j) % len(values)] for j, (field, values) in enumerate(cases.items()) if values}


def refuse_each(send, cases: dict[str, list], named) -> None:
    """Every field's hostile values must be refused with the field named; nothing may give a 500.

    Sent in rounds to keep the suite fast: all fields at once, each with one of its values. The fields the answer
    names were refused; the others (refused only at a later stage, say by the service once the serializer passed,
    or not at all) are sent again together, and so on; when that names none of them, each is sent alone, with
    everything else valid, and must be refused and named then. ``send(values)`` posts them over a valid baseline;
    ``named(response)`` is the set of fields the response refuses, or None when the input was accepted.
    """
    for hostile in _rounds(cases):
        pending = hostile
        while pending:
            refused = named(send(pending)) or set()
            if not pending.keys() & refused:
                break
            pending = {field: value for field, value in pending.items() if field not in refused}
        for field, value in pending.items():
            alone = named(send({field: value}))
            assert field in (alone or ()), f"{field}={_short(value)} was not refused"


def survive_each(send, cases: dict[str, list], named) -> None:
    """Odd values that may well be valid for a field (a number in a text) must never give a 500: sent in rounds as
    above. A round that is accepted brought every value to the service; when one is refused, the fields it does
    not name are sent again alone, so that each value reaches the service."""
    for odd in _rounds(cases):
        refused = named(send(odd))
        if refused is None:
            continue
        for field in odd.keys() - refused:
            send({field: odd[field]})  # send() itself asserts the status is below 500


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 120 else f"{text[:100]}… ({len(text)} chars)"


# ---- Desk forms: every field of every form, posted to its page as an editor ----


@dataclass
class DeskForm:
    """A desk form: where it is posted, how the view builds it, a valid submission, where the page puts it."""

    url: Callable[[Any], str]
    form: Callable[[Any, Any], forms.BaseForm]  # (world, user) -> the unbound form, as the view builds it
    valid: Callable[[Any], dict]  # extra fields a valid submission needs, beyond the form's initial values
    context: str


DESK_FORMS = {
    "incident_create": DeskForm(
        url=lambda w: reverse("incidents:incident_create"),
        form=lambda w, user: IncidentForm(),
        valid=lambda w: _create_data(),
        context="form",
    ),
    "incident_edit": DeskForm(
        url=lambda w: reverse("incidents:incident_edit", args=[w.incident.pk]),
        form=lambda w, user: IncidentForm(instance=w.incident),
        valid=lambda w: {"date_precision": "day", "version": _version(w.incident)},
        context="form",
    ),
    "source_add": DeskForm(
        url=lambda w: reverse("incidents:source_add", args=[w.incident.pk]),
        form=lambda w, user: SourceForm(),
        valid=lambda w: {"source-publisher": "Dawn"},
        context="source_form",
    ),
    "claim_add": DeskForm(
        url=lambda w: reverse("incidents:claim_add", args=[w.incident.pk]),
        form=lambda w, user: ClaimForm(incident=w.incident, user=user),
        valid=lambda w: {"claim-claimant": w.actor.pk, "claim-source": w.source.pk, "claim-claimed_on": "2025-01-04"},
        context="claim_form",
    ),
    "claim_supersede": DeskForm(
        url=lambda w: reverse("incidents:claim_supersede", args=[w.incident.pk, w.claim.pk]),
        form=lambda w, user: SupersedeForm(incident=w.incident, user=user, claim=w.claim),
        valid=lambda w: {"supersede-source": w.source.pk, "supersede-claimed_on": "2025-01-05"},
        context="form",
    ),
    "attribution_add": DeskForm(
        url=lambda w: reverse("incidents:attribution_add", args=[w.incident.pk]),
        form=lambda w, user: AttributionForm(incident=w.incident, user=user),
        valid=lambda w: {
            "attribution-actor": w.actor.pk,
            "attribution-role": "perpetrator",
            "attribution-asserted_by": w.other_actor.pk,
        },  # fmt: skip
        context="attribution_form",
    ),
    "incident_place": DeskForm(
        url=lambda w: reverse("incidents:incident_place", args=[w.incident.pk]),
        form=lambda w, user: PlaceForm(),
        valid=lambda w: {
            "place-district": w.district.pk,
            "place-geo_precision": "district",
            "place-version": _version(w.incident),
        },  # fmt: skip
        context="place_form",
    ),
    "incident_merge": DeskForm(
        url=lambda w: reverse("incidents:incident_merge", args=[w.incident.pk]),
        form=lambda w, user: MergeForm(),
        valid=lambda w: {"into": w.other.pk},
        context="merge_form",
    ),
    "incident_send_back": DeskForm(
        url=lambda w: reverse("incidents:incident_send_back", args=[w.in_review.pk]),
        form=lambda w, user: NoteForm(field="note", label="Comment"),
        valid=lambda w: {"note": "Check the date."},
        context="send_back_form",
    ),
    "incident_retract": DeskForm(
        url=lambda w: reverse("incidents:incident_retract", args=[w.incident.pk]),
        form=lambda w, user: NoteForm(field="reason", label="Reason"),
        valid=lambda w: {"reason": "A duplicate of a report already logged."},
        context="retract_form",
    ),
    "incident_reconcile": DeskForm(
        url=lambda w: reverse("incidents:incident_reconcile", args=[w.incident.pk]),
        form=lambda w, user: AssessmentForm(incident=w.incident, user=user),
        valid=lambda w: {"grade": "fair", "claims": [w.claim.pk], "rationale": "The ministry's figure."},
        context="form",
    ),
}

# A signed token: anything unreadable counts as "no snapshot" (the edit is then checked against the version only).
TOLERANT_FIELDS = {"snapshot"}


def _desk_kind(name: str, field: forms.Field) -> str:
    if isinstance(field, GeometryField):  # ours (core.points) or, were it lost, GeoDjango's
        return "point"
    if name in ("latitude", "longitude"):
        return "coordinate"
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):  # also the multiple-choice fields
        return "choice"
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.IntegerField):
        return "integer"
    if isinstance(field, forms.CharField):
        return "text" if isinstance(field.widget, forms.Textarea) else "line"
    raise AssertionError(f"No corpus for {name} ({type(field).__name__}): add its kind to this test.")


def _desk_invalid(name: str, field: forms.Field) -> list[str]:
    """What the field must refuse."""
    if name in TOLERANT_FIELDS:
        return []
    kind = _desk_kind(name, field)
    values = [NUL, CONTROL, MEGA]
    if kind == "line":
        values.append(LINEBREAK)
    if kind in ("line", "text") and field.required:
        values += [SPACES, INVISIBLE]
    if kind == "integer":
        values += ["NaN", "inf", "1e400", "1.5", "abc"]
        if field.min_value is not None:  # a count or an id: never negative, never past the column's range
            values += ["-1", HUGE, str(2**31)]
    if kind == "date":
        values += ["NaN", "99999-01-01", "6674-01-01", "0151-01-01", "1899-12-31", "2024-02-30", "-1", HUGE]
    if kind == "choice":
        values += ["NaN", "-1", HUGE, "picnic"]
    if kind == "coordinate":
        values += ["NaN", "inf", "1e400", "181", "abc", HUGE]
    if kind == "point":
        values += [
            FOREIGN_SRID, "SRID=32642;POINT(500000 3600000)", "POINT(NaN NaN)", "POINT(inf 1)", "POINT(1e30 1e30)",
            '{"type":"Point","coordinates":["a",1]}', '{"type":"Point","coordinates":[70,33,5]}', "POINT(70 33 5)",
            '{"type":"Point","coordinates":[70,33],"crs":{"type":"name","properties":{"name":"EPSG:3857"}}}', "abc",
        ]  # fmt: skip
    return values


DESK_PROBES = [HUGE, "-1", LINEBREAK]  # fine for some fields (a text), refused by others; never a 500


def _valid_data(spec: DeskForm, form: forms.BaseForm, world) -> dict:
    """The form's initial values (model defaults, the claim being revised…), plus what the spec adds."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value in (None, "", []):
            continue
        data[form.add_prefix(name)] = value if not isinstance(value, dt.date) else value.isoformat()
    data.pop(form.add_prefix("location"), None)  # the edit form's point, as GeoJSON, is sent by the map
    return {**data, **spec.valid(world)}


def _desk_sender(client, spec: DeskForm, form: forms.BaseForm, world):
    def send(values: dict):
        valid = _valid_data(spec, form, world)  # afresh: an accepted edit moved the incident's version on
        response = _desk_post(client, spec.url(world), {**valid, **{form.add_prefix(f): v for f, v in values.items()}})
        assert response.status_code < 500, f"{_short(values)}: {response.status_code}"
        return response

    return send


def _desk_named(spec: DeskForm):
    def named(response) -> set[str] | None:
        if response.status_code == 302:  # saved
            return None
        assert response.status_code in (200, 400, 409), response.status_code
        return set(response.context[spec.context].errors)

    return named


@pytest.mark.django_db
@pytest.mark.parametrize("spec_name", list(DESK_FORMS))
def test_each_desk_form_accepts_its_valid_submission(world, client_for, users, spec_name):
    """The walkers' baseline: the hostile value is the only thing wrong in what they post."""
    spec = DESK_FORMS[spec_name]
    form = spec.form(world, users["editor"])
    response = _desk_sender(client_for("editor"), spec, form, world)({})
    assert response.status_code == 302, response.context[spec.context].errors if response.context else None


@pytest.mark.django_db
@pytest.mark.parametrize("spec_name", list(DESK_FORMS))
def test_every_desk_field_refuses_hostile_input_naming_it(world, client_for, users, settings, spec_name):
    # The fields come from the form as its view builds it: a field added to a form is walked without a change here.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = ROUND_UPLOAD_LIMIT
    spec = DESK_FORMS[spec_name]
    form = spec.form(world, users["editor"])
    send = _desk_sender(client_for("editor"), spec, form, world)
    invalid = {name: _desk_invalid(name, field) for name, field in form.fields.items()}
    refuse_each(send, {name: values for name, values in invalid.items() if values}, _desk_named(spec))
    probes = {name: [v for v in (NUL, CONTROL, MEGA, *DESK_PROBES) if v not in invalid[name]] for name in invalid}
    survive_each(send, probes, _desk_named(spec))


# ---- API: every field of every write endpoint in the schema, as an editor ----

_SCHEMA = None


def _schema() -> dict:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
    return _SCHEMA


def _write_operations() -> list[tuple[str, str, str]]:
    """(method, path, request component) of every operation in the schema that takes a body."""
    found = []
    for path, operations in _schema()["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                found.append((method, path, body["$ref"].rsplit("/", 1)[1]))
    return sorted(found)


def _properties(component: str) -> dict:
    return _schema()["components"]["schemas"][component]["properties"]


# A valid body per request component: a new write endpoint fails test_every_write_endpoint_has_a_baseline until it
# gets one here, and is then walked like the others.
API_BASELINES = {
    "IncidentWrite": lambda w: {"title": "Shelling near Khost", "kind": "shelling", "start_date": "2025-01-03"},
    "PatchedIncidentWrite": lambda w: {"version": _version(w.incident)},
    "SourceWrite": lambda w: {"publisher": "Dawn"},
    "ClaimWrite": lambda w: {"claimant": w.actor.pk, "source": w.source.pk, "claimed_on": "2025-01-04"},
    "ClaimSupersede": lambda w: {"source": w.source.pk, "claimed_on": "2025-01-05"},
    "AttributionWrite": lambda w: {"actor": w.actor.pk, "asserted_by": w.other_actor.pk, "role": "perpetrator"},
    "AssessmentWrite": lambda w: {"grade": "fair", "rationale": "The ministry's figure.", "claims": [w.claim.pk]},
    "Note": lambda w: {"note": "Check the date."},
}


def _api_url(world, path: str) -> str:
    incident = world.in_review if path.endswith("/send-back/") else world.incident
    return path.replace("{id}", str(incident.pk)).replace("{claim_id}", str(world.claim.pk))


def _api_kind(prop: dict) -> str:
    if "$ref" in prop:
        return "choice"
    kind = prop.get("type")
    if kind == "array":
        return "choices" if "$ref" in prop["items"] else "ids"
    if kind == "string":
        if prop.get("format") == "date":
            return "date"
        return "line" if prop.get("maxLength", 10**9) <= 1000 else "text"
    if kind in ("integer", "number"):
        return kind
    if kind is None:
        return "json"
    raise AssertionError(f"No corpus for {prop}: add its kind to this test.")


def _api_invalid(prop: dict) -> list:
    kind = _api_kind(prop)
    values = [NUL, CONTROL, MEGA, {"a": 1}, True]
    if kind == "line":
        values.append(LINEBREAK)
    if kind == "integer":
        values += ["NaN", "abc", 1.5, "1e400", [1]]
        if "minimum" in prop:
            values += [-1, 10**30, 2**31]
    if kind == "number":
        values += ["NaN", "Infinity", "-inf", 1e30, 1000, "abc", [1]]
    if kind == "date":
        values += ["NaN", "99999-01-01", "6674-01-01", "0151-01-01", "1899-12-31", "2024-02-30", 20240101]
    if kind == "choice":
        values += ["NaN", -1, "picnic", ["fair"]]
    if kind == "ids":
        values += ["abc", ["NaN"], [-1], [10**30], [[1]], [{"id": 1}], [None]]
    if kind == "choices":
        values += ["civilians", ["picnic"], [1], [None]]
    if kind == "json":
        values += [
            "refugees", [{"label": NUL}], [{"label": CONTROL}], [{"label": ""}], [{"label": INVISIBLE}],
            [{"label": "a", "min": "x"}], [{"label": "a", "min": -1}], [{"label": "a", "min": 5, "max": 1}],
            [{"label": "a", "min": 10**30}], [{"label": "a", "min": True}], ["refugees"], [{"label": MEGA}],
        ]  # fmt: skip
    return values


API_PROBES = [None, -1, 10**30, INVISIBLE, LINEBREAK]  # fine for some fields; never a 500


def _api_sender(client, method: str, url: str, baseline: Callable[[], dict]):
    def send(values: dict):
        response = _api(client, method, url, {**baseline(), **values})
        assert response.status_code < 500, f"{_short(values)}: {response.status_code}"
        return response

    return send


def _api_named(response) -> set[str] | None:
    if response.status_code in (200, 201):
        return None
    assert response.status_code == 400, response.status_code
    return set(response.json())


def test_every_write_endpoint_has_a_baseline():
    missing = {component for _, _, component in _write_operations()} - set(API_BASELINES)
    assert not missing, f"Add a valid body for {sorted(missing)} to API_BASELINES"
    assert len(_write_operations()) >= 9  # the walker sees the endpoints (none lost from the schema)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "component"), _write_operations())
def test_each_write_endpoint_accepts_its_baseline_and_refuses_what_is_not_an_object(
    world, api_client_for, method, path, component
):
    client = api_client_for("editor")
    url = _api_url(world, path)
    for body in ([], "text", 5, None):
        response = _api(client, method, url, body)
        assert response.status_code == 400, body
    raw = timed(lambda: getattr(client, method)(url, '{"a": NaN}', content_type="application/json"))
    assert raw.status_code == 400
    unknown = _api(client, method, url, {**API_BASELINES[component](world), "ranges": {}, "id": 1})
    assert unknown.status_code == 400
    assert set(unknown.json()) == {"ranges", "id"}
    response = _api(client, method, url, API_BASELINES[component](world))
    assert response.status_code in (200, 201), response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "component"), _write_operations())
def test_every_api_field_refuses_hostile_input_naming_it(world, api_client_for, settings, method, path, component):
    # The fields come from the schema: a field or endpoint added to the API is walked without a change here.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = ROUND_UPLOAD_LIMIT
    properties = _properties(component)
    baseline = functools.partial(API_BASELINES[component], world)  # afresh: an accepted edit moves the version on
    send = _api_sender(api_client_for("editor"), method, _api_url(world, path), baseline)
    invalid = {name: _api_invalid(prop) for name, prop in properties.items()}
    refuse_each(send, invalid, _api_named)
    survive_each(send, {name: [v for v in API_PROBES if v not in invalid[name]] for name in invalid}, _api_named)


# ---- Query parameters on list endpoints, as a partner and on the desk's list ----

# (The box's own variants are in test_a_partner_gets_a_400_naming_in_bbox_for_a_bad_box.)
QUERY_CORPUS = ["NaN", "-1", "1e400", HUGE, "99999-01-01", NUL, CONTROL, "x" * 10_000, ",,,", "NaN,NaN,NaN,NaN"]


def _list_operations() -> list[tuple[str, list[str]]]:
    """(path, query parameters) of every list endpoint in the schema (GET without a path parameter)."""
    found = []
    for path, operations in _schema()["paths"].items():
        get = operations.get("get")
        if get and "{" not in path and path.startswith("/api/") and "/schema" not in path:
            params = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
            found.append((path, params))
    return sorted(found)


def _query_walk(get, params, refused) -> None:
    """Each value in every parameter at once. ``refused(response)``: the parameters the answer refuses, or None when
    it applied them all. When it refused some, the others never reached the query: they are sent again one by one."""
    for value in QUERY_CORPUS:
        named = refused(get(dict.fromkeys(params, value)))
        for param in set(params) - (named if named is not None else set(params)):
            get({param: value})


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "params"), _list_operations(), ids=[p for p, _ in _list_operations()])
def test_list_endpoints_answer_hostile_query_parameters_with_200_or_400(world, api_client_for, path, params):
    assert {"page", "page_size"} <= set(params)
    client = api_client_for("partner")

    def get(query):
        response = timed(lambda: client.get(path, query))
        assert response.status_code in (200, 400), f"{_short(query)}: {response.status_code}"
        return response

    def refused(response) -> set[str] | None:
        if response.status_code == 200:
            return None
        body = response.json()  # {"param": [...]}, or {"detail": "in_bbox: ..."} from the box filter
        return {name for name in params if name in body or body.get("detail", "").startswith(f"{name}:")}

    _query_walk(get, params, refused)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["-1", "0", "1e9", "NaN", HUGE])
def test_a_page_number_that_is_not_one_is_a_400_naming_page(world, api_client_for, value):
    response = api_client_for("partner").get(reverse("api:incident-list"), {"page": value})
    assert response.status_code == 400
    assert "page" in response.json()


@pytest.mark.django_db
def test_the_desk_list_answers_hostile_query_parameters_with_a_page(world, client_for):
    from incidents.filters import IncidentFilterSet

    client = client_for("editor")

    def get(query):
        response = timed(lambda: client.get(reverse("incidents:incident_list"), query))
        assert response.status_code == 200, f"{_short(query)}: {response.status_code}"
        return response

    def refused(response) -> set[str] | None:
        return set(response.context["filterset"].errors) or None

    _query_walk(get, [*IncidentFilterSet.base_filters, "page", "per_page"], refused)
