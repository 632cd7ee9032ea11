"""Walking every URL as one reader, and what a reader may or may not find in the answers.

``Walker.plan`` turns the URL conf into requests: every page and endpoint for every seeded row (visible,
hidden, and one that does not exist), every list with each of its filters fed values taken from the hidden
rows, every ordering both ways, a few pages and formats; and, for rows the reader may not see, every write
with an empty body (each rolled back). Filters are read from each list's own FilterSet (a DRF view's
``filterset_class``, or the FilterSet a desk page puts in its context), so a new filter is walked as well.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import json
import re
from urllib.parse import unquote_plus, urlencode

import django_filters
from django.apps import apps
from django.core.exceptions import FieldError
from django.db import connection, transaction

from tests.security.seed import MARKER
from tests.security.urls import WRITE_METHODS, Route, routes, urls_for

__all__ = ["Answer", "Request", "Walker", "bump_sequences", "normalised"]

# Rows a reader may be hidden from; their ids are bumped into a range of their own (see bump_sequences).
SEEDED = ("incidents.Incident", "incidents.Source", "incidents.CasualtyClaim", "incidents.Attribution",
          "incidents.Assessment", "incidents.Mention")  # fmt: skip
# Rows every reader of the API reads (reference data) and rows built by workers: visited, never hidden.
LISTED = ("actors.Actor", "geo.Area", "reports.SummaryCell")
NONEXISTENT_OFFSET = 90_000
# Per list and filter, at most this many separate values are tried (multi-value filters get them all at once).
MAX_VALUES = 6
# The bounding box around the seeded points (lon/lat min, lon/lat max).
BBOX = "68.5,32.0,70.0,33.5"
# A number that could be an id: not part of a word, a decimal or a longer number.
_NUMBER = re.compile(r"(?<![\w.])\d{4,}(?!\w)")


def bump_sequences() -> int:
    """Move the id sequences of the seeded models past everything so far; return the first new id.

    Rows created from here on (the hidden ones) have ids no earlier row has, in any of these tables: an id of
    theirs found in an answer is a reference to a hidden row, whatever the context.
    """
    with connection.cursor() as cursor:
        sequences = []
        for label in SEEDED:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [apps.get_model(label)._meta.db_table])
            sequences.append(cursor.fetchone()[0])
        cursor.execute(" UNION ALL ".join(f"SELECT last_value FROM {name}" for name in sequences))
        # Eight digits at least: an id like 2024 would be "found" in every date.
        base = max(10_000_000, max(row[0] for row in cursor.fetchall()) + 1_000)
        # Each table its own stretch, so that an id found says which row it is.
        for offset, name in enumerate(sequences):
            cursor.execute("SELECT setval(%s, %s, false)", [name, base + offset * 10_000])
    return base


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    url: str
    route: str
    explore: bool = dataclasses.field(default=False, compare=False)  # a list's filters are planned when it answers

    def __str__(self):
        return f"{self.method.upper()} {self.url}"

    @property
    def named_ids(self) -> set[int]:
        """The ids the caller put in the request (path or query): an answer may echo them (``?next=…``, a
        search box) without revealing anything."""
        return {int(n) for n in _NUMBER.findall(unquote_plus(self.url))}


@dataclasses.dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    def text(self) -> str:
        return "\n".join([*(f"{k}: {v}" for k, v in sorted(self.headers.items())), self.body])


_CSRF = re.compile(
    r"(csrfmiddlewaretoken\" value=\"|csrfToken\": \"|X-CSRF[Tt][Oo][Kk][Ee][Nn]\"\]? ?[:=] \"|data-csrf-token=\")"
    r"[A-Za-z0-9]+"
)


# The edit form's signed snapshot carries the time it was signed (payload:timestamp:signature).
_SIGNED_AT = re.compile(r"(name=\"snapshot\" value=\"[^\":]+):[^\"]+")
# Each response's Content-Security-Policy nonce, in the header and on the inline scripts and styles it allows.
_NONCE = re.compile(r"(nonce-|nonce=\")[A-Za-z0-9+/=]+")
# The two-factor set-up page shows the secret of an authenticator being set up, made for the session on its first
# visit: each world makes its own.
_TOTP_SECRET = re.compile(r"(id=\"two-factor-secret\">)[^<]*|(id=\"two-factor-qr\"[^>]*>).*?(</div>)", re.DOTALL)


def _blank_secret(match: re.Match) -> str:
    return f"{match[1]}<secret>" if match[1] else f"{match[2]}<qr>{match[3]}"


def normalised(answer: Answer) -> str:
    """The answer with what differs on every render (CSRF tokens, CSP nonces, signing times, a new authenticator's
    secret) blanked, JSON pretty-printed."""
    body = _SIGNED_AT.sub(r"\1:<signed>", _CSRF.sub(r"\1<csrf>", answer.body))
    body = _TOTP_SECRET.sub(_blank_secret, _NONCE.sub(r"\1<nonce>", body))
    if answer.headers.get("Content-Type", "").startswith(("application/json", "application/geo+json")):
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), indent=1, sort_keys=True, ensure_ascii=False)
    headers = {
        k: _NONCE.sub(r"\1<nonce>", v) for k, v in answer.headers.items() if k not in ("Content-Length", "Expires")
    }
    return "\n".join([str(answer.status), *(f"{k}: {v}" for k, v in sorted(headers.items())), body])


def diff(before: str, after: str, limit: int = 12) -> str:
    lines = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), "without", "with", n=0, lineterm="")
        if not line.startswith(("---", "+++", "@@"))
    ]
    return "\n".join(line[:200] for line in lines[:limit]) + ("\n…" if len(lines) > limit else "")


class Walker:
    """Plans and makes the requests for one reader (``client``), given the first id of the hidden rows."""

    def __init__(self, client, hidden_since: int, pools: dict, explore: bool = True):
        self.client = client
        self.explore = explore
        self.since = hidden_since
        self.pools = pools
        self.requests: list[Request] = []
        self._planned: set[tuple[str, str]] = set()

    # ---- Which rows, which values ----

    def objects(self, model) -> list:
        """Primary keys to visit for a model: a visible one, a hidden one, one that does not exist, then the rest."""
        label = model._meta.label
        nonexistent = self.since + NONEXISTENT_OFFSET
        if label not in SEEDED and label not in LISTED:
            return [nonexistent]
        pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
        visible = [pk for pk in pks if pk < self.since]
        hidden = [pk for pk in pks if pk >= self.since]
        head = visible[:1] + hidden[:1] + [nonexistent]
        return head + visible[1:] + hidden[1:]

    def hidden_rows(self, model):
        return model.objects.filter(pk__gte=self.since)

    def filter_values(self, name: str, spec, model) -> list[list[tuple[str, str]]]:
        """Query strings (as lists of pairs) that exercise one filter, with values taken from the hidden rows."""
        if isinstance(spec, django_filters.OrderingFilter):
            return [[(name, p)] for field in spec.param_map for p in (field, f"-{field}")]
        choices = spec.extra.get("choices")
        if choices:
            # The values hidden rows have (a value none has cannot tell them apart), or every value if unreadable.
            choices = choices() if callable(choices) else choices
            values = [str(v) for v in self._path_values(spec, model)] or [str(v) for v, _ in choices if v != ""]
            return [[(name, value)] for value in values]
        if isinstance(spec, django_filters.BooleanFilter):
            return [[(name, "true")], [(name, "false")]]
        values = self._path_values(spec, model)
        if isinstance(spec, django_filters.NumberFilter | django_filters.ModelChoiceFilter):
            values = values or self.pools["numbers"]
        elif isinstance(spec, django_filters.DateFilter | django_filters.IsoDateTimeFilter):
            # The earliest and the latest hidden value: each end of a range filter meets a hidden row exactly.
            values = [v.isoformat() for v in sorted(values)] or self.pools["dates"]
            values = list(dict.fromkeys([values[0], values[-1]]))
        else:
            values = values or self.pools["texts"]
        values = [str(v) for v in dict.fromkeys(values)]
        if isinstance(spec, django_filters.BaseInFilter):
            return [[(name, ",".join(values))]]
        return [[(name, value)] for value in values[:MAX_VALUES]]

    def _path_values(self, spec, model) -> list:
        if spec.method is not None:
            return []
        try:
            rows = self.hidden_rows(model).order_by().values_list(spec.field_name, flat=True).distinct()
            return sorted(v for v in rows if v is not None)
        except FieldError:
            return []

    # ---- Planning ----

    def plan(self) -> list[Request]:
        """Every route, every row; the lists' filters are added while walking (``discover``).

        Format-suffixed routes (``/api/incidents.json``) answer as their plain twins: they get a visible row, a
        hidden one and a nonexistent one, no filters and no writes.
        """
        for route in routes():
            suffixed = "format" in route.params
            # The admin answers a non-staff reader before reading any row: a visible and a hidden id are enough.
            sample = 2 if route.namespace == "admin" else 3 if suffixed else None
            for index, url in enumerate(urls_for(route, self.objects, sample=sample)):
                if "get" in route.methods:
                    self.add("get", url.path, route, explore=not suffixed)
                    # The browsable API renders forms and filters too: each list, and each endpoint's first row.
                    if route.drf_actions and not suffixed and index == 0:
                        self.add("get", url.path + "?format=api", route)
                if self._names_hidden(url) and not suffixed:
                    for method in route.methods:
                        if method in WRITE_METHODS:
                            self.add(method, url.path, route)
                    if route.drf_actions and "get" in route.methods:
                        self.add("options", url.path, route)
        return self.requests

    def _names_hidden(self, url) -> bool:
        return any(isinstance(v, int) and v >= self.since for k, v in url.kwargs if k != "format")

    def add(self, method: str, url: str, route: Route | str, explore: bool = False):
        name = route.name if isinstance(route, Route) else route
        if (method, url) not in self._planned:
            self._planned.add((method, url))
            self.requests.append(Request(method, url, name, explore))

    def discover(self, request: Request, response):
        """After a plain GET of a list that answered: plan its filters, orderings, pages and formats."""
        if not (self.explore and request.explore) or response.status_code != 200:
            return
        base = request.url
        view = getattr(response, "renderer_context", {}).get("view") if hasattr(response, "renderer_context") else None
        if view is not None:
            if getattr(view, "action", None) != "list":
                return
            filterset = getattr(view, "filterset_class", None)
            extra = [[("page_size", "1")], [("page", "2"), ("page_size", "1")], [("page", "3"), ("page_size", "1")],
                     [("page", "999")]]  # fmt: skip
            if getattr(view, "brief_query_param", None):
                extra.append([(view.brief_query_param, "1")])
            if getattr(view, "bbox_filter_field", None):
                extra.append([("in_bbox", BBOX)])
        else:
            filterset = next(
                (type(v) for v in _context_values(response) if isinstance(v, django_filters.FilterSet)), None
            )
            if filterset is None:
                return
            extra = [[("page", "2")], [("page", "999")]]
        queries = list(extra)
        if filterset is not None:
            model = filterset._meta.model
            for name, spec in filterset.base_filters.items():
                queries += self.filter_values(name, spec, model)
        for pairs in queries:
            self.add("get", f"{base}?{urlencode(pairs)}", request.route)

    # ---- Walking ----

    def walk(self, requests: list[Request] | None = None, discover: bool = True) -> dict[Request, Answer]:
        """Make every request in order (writes inside a rolled-back savepoint). Lists discovered on the way are
        appended to ``self.requests`` and walked too."""
        answers = {}
        queue = self.requests if requests is None else requests
        index = 0
        while index < len(queue):
            request = queue[index]
            index += 1
            response = self.send(request)
            answers[request] = Answer(
                response.status_code,
                {k: v for k, v in response.items() if k.lower() not in ("set-cookie",)},
                response.content.decode("utf-8", errors="replace") if not getattr(response, "streaming", False) else "",
            )
            if discover:
                self.discover(request, response)
        return answers

    def send(self, request: Request):
        call = getattr(self.client, request.method)
        if request.method == "get":
            return call(request.url)
        savepoint = transaction.savepoint()
        try:
            return call(request.url, data="{}", content_type="application/json")
        finally:
            transaction.savepoint_rollback(savepoint)


def _context_values(response):
    context = getattr(response, "context", None)
    if context is None:
        return
    for each in context if isinstance(context, list) else [context]:
        yield from each.flatten().values()


def scan(request: Request, answer: Answer, forbidden_markers: set[str], hidden_ids: dict[int, str],
         forbidden_words: set[str]) -> list[str]:  # fmt: skip
    """What a reader found in one answer that they may not see (ids the request itself named excepted)."""
    text = _CSRF.sub(r"\1<csrf>", answer.text())
    problems = []
    markers = sorted(set(MARKER.findall(text)) & forbidden_markers)
    if markers:
        problems.append(f"hidden text {', '.join(markers)}")
    named = request.named_ids
    for match in _NUMBER.finditer(text):
        what = hidden_ids.get(int(match.group()))
        if what and int(match.group()) not in named:
            around = text[max(0, match.start() - 60) : match.end() + 20].replace("\n", " ")
            problems.append(f"id of hidden {what}: …{around}…")
    words = sorted(w for w in forbidden_words if w in text)
    if words:
        problems.append(f"desk user names {', '.join(words)}")
    return problems
