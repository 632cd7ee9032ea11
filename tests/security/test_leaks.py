"""Nothing reaches a reader who may not see it: no text, no id, no count, no flag, no difference at all.

For each reader, the rows they may see are seeded first and the rows hidden from them second (tests/security/
seed.py, every text field marked); then every URL of the URL conf is walked (tests/security/walk.py): every page
and endpoint for every row, every list with each filter fed values from the hidden rows, every ordering, pages,
formats, and every write to a hidden row. Three checks:

1. no answer holds a marker, an id or a desk user's name the reader may not see (the rule: seed.Oracle);
2. every answer is the same with the hidden rows as without them (a savepoint rolls them back): counts, flags,
   summary cells, a hidden id answered exactly as a nonexistent one;
3. no answer is a server error.

The summary worker runs after each seeding, as it would within seconds; cells computed before the hidden rows
carry an old ``computed_at``, so a recompute the hidden rows caused shows.
"""

import datetime as dt
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from incidents import services
from incidents.models import CasualtyClaim, Incident, Source
from reports.models import SummaryCell
from reports.tasks import recompute_pending_cells
from tests.security.seed import DAY, ITEMS, Oracle, Reader, check_items, mark, reference_data
from tests.security.walk import Answer, Walker, bump_sequences, diff, normalised, scan

# Readers whose lists are walked with every filter, ordering and page. The others (who read no list, read it as
# the token partner does, or may read everything) walk every page and endpoint for every row, unfiltered.
EXPLORERS = ("partner", "analyst", "analyst_b")
READERS = {
    # name: (kind as far as the rule goes, how they call: "session" logs in, "token" sends the API token)
    "anonymous": (None, "session"),
    "outsider": (None, "session"),
    "partner": ("partner", "token"),
    "partner_session": ("partner", "session"),
    "analyst": ("analyst", "session"),
    "analyst_b": ("analyst", "session"),
    "editor": ("editor", "session"),
}
OLD = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def run_summary_worker():
    """What the worker does within seconds of a commit (the tests' transaction never commits)."""
    recompute_pending_cells()
    assert not SummaryCell.objects.filter(requested__isnull=False).exists()


@pytest.fixture
def readers(users, analyst_b, client_for, api_client_for):
    """``readers(name)`` → (Reader, its client). Clients are made before any hidden row exists."""

    def make(name):
        kind, how = READERS[name]
        user_key = {"outsider": None, "partner_session": "partner"}.get(name, name)
        user = None if name == "anonymous" else users[user_key]
        client = api_client_for(user_key) if how == "token" else client_for(user_key)
        return Reader(name, kind, user), client

    return make


def seed_world(reader: Reader, users, analyst_b):
    """Seed what ``reader`` may see, run the worker; return (world, phase two) for ``seed_hidden``."""
    check_items()
    w = SimpleNamespace(analyst=users["analyst"], analyst_b=analyst_b, editor=users["editor"], ref=reference_data())
    seen = [item for item in ITEMS if reader.audience in item.audience]
    for item in seen:
        item.seed(w)
    run_summary_worker()
    SummaryCell.objects.update(computed_at=OLD)
    return w, [item for item in ITEMS if item not in seen]


def seed_hidden(w, items) -> int:
    since = bump_sequences()
    for item in items:
        item.seed(w)
    run_summary_worker()
    return since


def pools(w, since: int) -> dict:
    """Filter values to try when a filter's own field cannot be read off the hidden rows."""
    hidden_only = w.ref.actors["hidden-only"]
    hidden = [pk for model in (Incident, CasualtyClaim, Source) for pk in model.objects.filter(pk__gte=since)
              .values_list("pk", flat=True)]  # fmt: skip
    return {
        "numbers": [hidden_only.pk, w.ref.hidden_district.pk, *hidden],
        "texts": ["LEAKMARK", hidden_only.slug, w.ref.hidden_district.code, "Hiddenvale", "Hiddenvale-alias"],
        "dates": [str(DAY - dt.timedelta(days=40)), str(DAY)],
    }


def desk_user_names(users) -> set[str]:
    return {user.get_username() for key, user in users.items() if key in ("analyst", "analyst_b", "editor")}


def report(title: str, problems: dict, limit: int = 8) -> str:
    """Problems grouped by route: how many answers, a few of their URLs, and the distinct lines found."""
    by_route: dict[str, list] = {}
    for request, found in problems.items():
        by_route.setdefault(request.route, []).append((request, found))
    lines = [f"{title}: {len(problems)} answers"]
    for route, items in sorted(by_route.items()):
        urls = ", ".join(str(request) for request, _ in items[:3])
        lines.append(f"  [{route}] {len(items)} answers, e.g. {urls}")
        distinct = dict.fromkeys(line.strip() for _, found in items for line in found.splitlines())
        lines.extend(f"      {line}" for line in list(distinct)[:limit])
        if len(distinct) > limit:
            lines.append(f"      … {len(distinct) - limit} more distinct lines")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(READERS))
def test_nothing_hidden_reaches_the_reader(name, readers, users, analyst_b):
    started = time.monotonic()
    reader, client = readers(name)
    # drf-spectacular's first schema build changes django-filter labels process-wide ("Area level" → "Level"
    # in the browsable API's filter forms): build it before either walk, so both see the same labels.
    Client().get(reverse("schema"))
    w, hidden_items = seed_world(reader, users, analyst_b)
    savepoint = transaction.savepoint()
    since = seed_hidden(w, hidden_items)

    oracle = Oracle(reader)
    allowed, forbidden = oracle.markers()
    hidden_ids = oracle.hidden_ids(since)
    words = set() if reader.desk else desk_user_names(users)
    walker = Walker(client, since, pools(w, since), explore=name in EXPLORERS)
    walker.plan()
    with_hidden = walker.walk()

    problems = {}
    for request, answer in with_hidden.items():
        found = scan(request, answer, forbidden, hidden_ids, words)
        if answer.status >= 500:
            found.append(f"server error {answer.status}")
        if found:
            problems[request] = "\n".join(found)

    differences = {}
    if hidden_items:
        transaction.savepoint_rollback(savepoint)
        without_hidden = walker.walk(list(with_hidden), discover=False)
        for request, answer in with_hidden.items():
            before, after = normalised(without_hidden[request]), normalised(answer)
            if before != after:
                differences[request] = diff(before, after, limit=40)

    # The walk reached what this reader may see: every incident title they may read is in some answer.
    titles = {marker for marker in allowed if marker.split("-", 2)[2] == "title"}
    shown = {marker for answer in with_hidden.values() for marker in titles if marker in answer.body}
    worlds = 2 if hidden_items else 1
    print(f"{name}: {len(with_hidden)} requests × {worlds} worlds, {time.monotonic() - started:.1f} s")
    summary = "\n\n".join(
        [
            report(f"{name} found what they may not see", problems),
            report(f"{name}'s answers change when rows hidden from them exist", differences),
            f"titles {name} may read but no answer showed: {sorted(titles - shown)}",
        ]
    )
    # In full (every answer, every line), for whoever fixes what this finds.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    full = [
        f"{r}  [{r.route}]\n" + "\n".join(filter(None, [problems.get(r), differences.get(r)]))
        for r in dict.fromkeys([*problems, *differences])
    ]
    (ARTIFACTS / f"leaks-{name}.txt").write_text(summary + "\n\n---- every answer ----\n\n" + "\n\n".join(full))
    assert not problems, summary
    assert not differences, summary
    assert shown == titles, summary


# ---- Partners sort and filter only by what they can read ----


def test_partners_cannot_sort_by_what_they_cannot_read(readers, users, analyst_b):
    """Sorting by a field a partner cannot read (``submitted_at``) would reveal its order: asc and desc must give
    the same answer (the ordering ignored or refused; a refusal may echo the value it refused) for every such field
    of every list."""
    reader, client = readers("partner")
    seed_world(reader, users, analyst_b)  # pub1, pub2, pub3: submitted first, later, never
    from tests.security.urls import routes

    readable, lists = set(), []
    for route in routes():
        if route.is_drf_list and "format" not in route.params and route.view_class.queryset.model is Incident:
            body = client.get(reverse(route.name)).json()
            rows = body.get("results", body.get("features", []))
            for row in rows:
                readable |= set(row) | set(row.get("properties", {}))
            lists.append(route)
    assert len(lists) >= 2
    assert "title" in readable
    leaks = []
    for route in lists:
        ordering = route.view_class.filterset_class.base_filters["ordering"]
        for param, field in ordering.param_map.items():
            if field in readable:
                continue
            url = reverse(route.name)
            if _sorted(client, url, param) != _sorted(client, url, f"-{param}"):
                leaks.append(f"{url}?ordering={param}: sorted by {field}, which partners cannot read")
    assert not leaks, leaks


def _sorted(client, url: str, ordering: str) -> tuple[int, str]:
    response = client.get(f"{url}?ordering={ordering}")
    return response.status_code, response.content.decode().replace(ordering, "<ordering>")


# ---- Writes: a hidden row named in a body is answered as a nonexistent one ----


def _draft(analyst):
    return services.incident_create(
        author=analyst, data={"title": "A's draft", "kind": "shelling", "start_date": DAY, "country_code": "AF"}
    )


def _same(first, second, hidden_pk, nonexistent_pk):
    """Two answers, equal once normalised and the id each named is blanked."""
    texts = [
        normalised(Answer(r.status_code, dict(r.items()), r.content.decode())).replace(str(pk), "<id>")
        for r, pk in ((first, hidden_pk), (second, nonexistent_pk))
    ]
    return texts[0] == texts[1], diff(texts[1], texts[0])


@pytest.fixture
def hidden_sources(users, analyst_b):
    """Two sources analyst A may not see: B's restricted one, and a public one only B's restricted incident cites."""
    w = SimpleNamespace(analyst=users["analyst"], analyst_b=analyst_b, editor=users["editor"], ref=reference_data())
    by_name = {item.name: item for item in ITEMS}
    for name in ("pub1", "pub2", "secret evidence of analyst B", "restricted of analyst B"):
        by_name[name].seed(w)
    restricted = Source.objects.get(title__startswith=mark("secretB", "source_title"))
    return {
        "restricted source of B": restricted,
        "public source cited only by B's restricted incident": w.only_b_source,
    }


@pytest.mark.parametrize("which", ["restricted source of B", "public source cited only by B's restricted incident"])
@pytest.mark.parametrize("how", ["claim", "attach", "attach with a stale version"])
def test_a_hidden_source_named_in_a_write_is_answered_as_a_nonexistent_one(
    which, how, hidden_sources, users, api_client_for
):
    analyst = users["analyst"]
    draft = _draft(analyst)
    source = hidden_sources[which]
    nonexistent = Source.objects.order_by("-pk").first().pk + 1000
    client = api_client_for("analyst")
    claimant = reference_data_actor()

    def send(source_pk):
        if how == "claim":
            body = {"claimant": claimant.pk, "source": source_pk, "claimed_on": "2024-12-25", "killed_min": 1}
            return client.post(reverse("api:incident-claims", args=[draft.pk]), body, format="json")
        version = draft.version - (1 if how.endswith("stale version") else 0)
        body = {"sources": [source_pk], "version": version, "title": "Renamed"}
        return client.patch(reverse("api:incident-detail", args=[draft.pk]), body, format="json")

    hidden_answer, nonexistent_answer = send(source.pk), send(nonexistent)
    same, difference = _same(hidden_answer, nonexistent_answer, source.pk, nonexistent)
    assert same, f"{which} ({how}), compared with a nonexistent source:\n{difference}"
    assert not draft.sources.filter(pk=source.pk).exists()
    assert not CasualtyClaim.objects.filter(incident=draft).exists()


def reference_data_actor():
    from tests.factories import ActorFactory

    return ActorFactory()


@pytest.mark.parametrize("how", ["merge form", "log and merge"])
def test_merging_into_a_hidden_incident_is_answered_as_into_a_nonexistent_one(how, users, analyst_b, client_for):
    hidden = services.incident_create(
        author=analyst_b, data={"title": "B's secret", "kind": "ied", "start_date": DAY, "sensitivity": "restricted"}
    )
    draft = _draft(users["analyst"])
    nonexistent = Incident.objects.order_by("-pk").first().pk + 1000
    client = client_for("analyst")

    def send(into):
        if how == "merge form":
            return client.post(reverse("incidents:incident_merge", args=[draft.pk]), {"into": into})
        data = {"title": "Strike", "kind": "airstrike", "start_date": "2024-12-24", "date_precision": "day",
                "sensitivity": "public", "merge_into": into}  # fmt: skip
        return client.post(reverse("incidents:incident_create"), data)

    hidden_answer, nonexistent_answer = send(hidden.pk), send(nonexistent)
    same, difference = _same(hidden_answer, nonexistent_answer, hidden.pk, nonexistent)
    assert same, f"into a hidden incident, compared with into a nonexistent one:\n{difference}"
    assert not Incident.objects.filter(merged_into=hidden).exists()


def test_an_incident_merged_into_a_hidden_one_does_not_name_it(users, analyst_b, readers):
    """Analyst B merges A's public draft into B's restricted incident: A still reads the draft, but nothing
    A reads may name the incident it went into (its id, its text)."""
    reader, client = readers("analyst")
    w = SimpleNamespace(analyst=users["analyst"], analyst_b=analyst_b, editor=users["editor"], ref=reference_data())
    draft = services.incident_create(
        author=w.analyst, data={"title": mark("mergedaway", "title"), "kind": "airstrike", "start_date": DAY}
    )
    since = bump_sequences()
    {item.name: item for item in ITEMS}["restricted of analyst B"].seed(w)
    services.incident_merge(incident=draft, into=w.restricted_b, author=analyst_b)

    oracle = Oracle(reader)
    _, forbidden = oracle.markers()
    hidden_ids = oracle.hidden_ids(since)
    assert w.restricted_b.pk in hidden_ids
    walker = Walker(client, since, pools(w, since))
    walker.plan()
    answers = walker.walk()
    problems = {r: "\n".join(found) for r, a in answers.items() if (found := scan(r, a, forbidden, hidden_ids, set()))}
    assert any(mark("mergedaway", "title") in a.body for a in answers.values())
    assert not problems, report("analyst A reads what the draft was merged into", problems)


# ---- Writes analysts may not make (the desk refuses them; so must the API) ----


@pytest.fixture
def states(users, analyst_b):
    """Published, retracted and merged incidents (pub1, the retracted one, the merged one) with their evidence."""
    w = SimpleNamespace(analyst=users["analyst"], analyst_b=analyst_b, editor=users["editor"], ref=reference_data())
    by_name = {item.name: item for item in ITEMS}
    for name in ("pub1", "pub3", "retracted", "merged"):
        by_name[name].seed(w)
    claims = {state: _claimed_then(w, state) for state in ("retracted", "merged")}
    return {"published": w.pub1, "retracted": w.retracted, "merged": w.merged, "claims": claims}


def _claimed_then(w, state: str) -> list[CasualtyClaim]:
    """A published, public incident, then retracted or merged into pub1, with a claim every desk role sees (citing a
    public source) and its revision: both recorded while evidence could still be added. Returns [claim, revision]."""
    incident = services.incident_create(
        author=w.editor, data={"title": f"Claimed, then {state}", "kind": "airstrike", "start_date": DAY}
    )
    source = services.source_add(
        author=w.editor, data={"publisher": "Dawn", "content": "Text.", "sensitivity": "public"}, incident=incident
    )
    first = services.claim_add(
        author=w.editor, incident=incident,
        data={"claimant": reference_data_actor(), "source": source, "claimed_on": DAY, "killed_min": 1},
    )  # fmt: skip
    revision = services.claim_supersede(
        author=w.editor, claim=first, data={"source": source, "claimed_on": DAY, "killed_min": 2}
    )
    services.incident_publish(incident=incident, editor=w.editor)
    if state == "retracted":
        services.incident_retract(incident=incident, editor=w.editor, reason="Wrong place.")
    else:
        services.incident_merge(incident=incident, into=w.pub1, author=w.editor)
    return [first, revision]


@pytest.mark.parametrize("state", ["published", "retracted", "merged"])
def test_analysts_cannot_edit_published_retracted_or_merged_incidents_through_the_api(state, states, api_client_for):
    incident = states[state]
    before = Incident.objects.get(pk=incident.pk)
    response = api_client_for("analyst").patch(
        reverse("api:incident-detail", args=[incident.pk]),
        {"title": "Changed by an analyst", "version": before.version},
        format="json",
    )
    after = Incident.objects.get(pk=incident.pk)
    assert response.status_code == 403, response.content
    assert (after.title, after.version) == (before.title, before.version)


EVIDENCE = {
    "source": ("api:incident-sources", lambda w: {"publisher": "Dawn", "content": "Text."}),
    "revised claim": ("api:incident-claim-supersede",
                      lambda w: {"source": w["source"], "claimed_on": "2024-12-26", "killed_min": 1}),
    "claim": ("api:incident-claims",
              lambda w: {"claimant": w["actor"], "source": w["source"], "claimed_on": "2024-12-25"}),
    "attribution": ("api:incident-attributions",
                    lambda w: {"actor": w["actor"], "role": "target", "asserted_by": w["actor"], "source": None}),
}  # fmt: skip


@pytest.mark.parametrize("state", ["retracted", "merged"])
@pytest.mark.parametrize("what", list(EVIDENCE))
@pytest.mark.parametrize("role", ["analyst", "editor"])
def test_nothing_is_added_to_a_retracted_or_merged_incident_through_the_api(
    state, what, role, states, users, api_client_for
):
    """The desk refuses it to everyone (``can_add_evidence``); the API must too."""
    incident = states[state]
    args = [incident.pk]
    if what == "revised claim":  # a live claim this role can see, citing a public source, recorded before
        claim = states["claims"][state][-1]
        incident, args = claim.incident, [claim.incident_id, claim.pk]
    public_source = (
        incident.sources.filter(sensitivity="public").first() or Source.objects.filter(sensitivity="public").first()
    )
    incident.sources.add(public_source)
    name, body = EVIDENCE[what]
    data = body({"actor": reference_data_actor().pk, "source": public_source.pk})
    counts = (incident.sources.count(), incident.claims.count(), incident.attributions.count())
    response = api_client_for(role).post(reverse(name, args=args), data, format="json")
    assert response.status_code in (400, 403), response.content
    assert (incident.sources.count(), incident.claims.count(), incident.attributions.count()) == counts


@pytest.mark.parametrize("state", ["retracted", "merged"])
@pytest.mark.parametrize("role", ["analyst", "editor"])
def test_revising_a_claim_of_a_retracted_or_merged_incident_is_refused_first(state, role, states, api_client_for):
    """Refused before anything about the claim is checked: revising the live claim and revising the one it already
    revised get the same 403 (not "already superseded" for one of them), as every other evidence post does."""
    answers = []
    for claim in states["claims"][state]:
        source = claim.source_id
        url = reverse("api:incident-claim-supersede", args=[claim.incident_id, claim.pk])
        response = api_client_for(role).post(url, {"source": source, "claimed_on": "2024-12-26"}, format="json")
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1], answers
    assert answers[0][0] == 403, answers
    assert CasualtyClaim.objects.filter(incident_id=states["claims"][state][0].incident_id).count() == 2
