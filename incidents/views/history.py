"""The incident's history: every change to it and to what hangs off it, as far as this reader may see."""

from django.db.models import Q
from django.shortcuts import render
from django.views import View

from actors.models import Actor
from core.audit import history_for
from geo.models import Area
from incidents.choices import CLAIM_CATEGORIES
from incidents.models import Attribution, CasualtyClaim, Incident, Source
from incidents.querysets import can_see_restricted
from incidents.views.base import DeskMixin, IncidentMixin


def _who(event) -> str:
    context = event.pgh_context or {}
    if event.user is not None:
        return event.user.get_username()
    for key in ("task", "command", "action", "reason"):
        if context.get(key):
            return f"{key}: {context[key]}"
    return "system (no user recorded)"


# Fields that record the machinery, not the record: hidden from the history.
_BOOKKEEPING = frozenset({"updated", "version", "pgh_obj", "id", "geocode_requested"})
_MODEL_ORDER = {"Incident": 0, "Source": 1, "CasualtyClaim": 2, "Attribution": 3, "Assessment": 4, "Mention": 5}


def _model_name(event) -> str:
    return event.pgh_obj_model.split(".")[-1]


class _Names:
    """Turns the ids in history rows (``district_id: 8348``) into names, with one query per kind of row.

    Sources and incidents go through ``visible_to(user)``: a hidden one is named without its number.
    """

    HIDDEN = {"incident": "another incident", "source": "another source"}

    FIELDS = {
        "district": "area", "province": "area", "area": "area", "place": "place",
        "claimant": "actor", "actor": "actor", "asserted_by": "actor",
        "source": "source", "merged_into": "incident", "created_by": "user", "decided_by": "user",
        "incident": "incident",
    }  # fmt: skip

    def __init__(self, user, events):
        from django.contrib.auth import get_user_model

        from geo.models import Place

        wanted: dict[str, set[int]] = {}
        for event in events:
            for key, value in self._pairs(event):
                base = key.removesuffix("_id")
                if base in self.FIELDS and isinstance(value, int):
                    wanted.setdefault(self.FIELDS[base], set()).add(value)
        querysets = {
            "area": Area.objects.all(),
            "place": Place.objects.all(),
            "actor": Actor.objects.all(),
            "source": Source.objects.visible_to(user),
            "incident": Incident.objects.visible_to(user),
            "user": get_user_model().objects.all(),
        }
        self.names = {}
        for kind, ids in wanted.items():
            for obj in querysets[kind].filter(pk__in=ids):
                self.names[(kind, obj.pk)] = str(obj)

    @staticmethod
    def _pairs(event):
        yield from (event.pgh_data or {}).items()
        for key, (before, after) in (event.pgh_diff or {}).items():
            yield key, before
            yield key, after

    def field(self, key: str) -> str:
        return key.removesuffix("_id").replace("_", " ")

    def value(self, key: str, value):
        base = key.removesuffix("_id")
        if base in self.FIELDS and isinstance(value, int):
            kind = self.FIELDS[base]
            name = self.names.get((kind, value))
            return f"{name} (#{value})" if name else self.HIDDEN.get(kind, f"#{value}")
        return value

    def get(self, data: dict, name: str):
        return self.value(f"{name}_id", data.get(f"{name}_id", data.get(name)))


def _summary(model: str, data: dict, names: _Names) -> str:
    """One line saying what a created row held (claims and assessments are append-only: this is their record)."""
    if model == "CasualtyClaim":
        figures = [
            f"{category.replace('_', ' ')} {data.get(f'{category}_min')}–{data.get(f'{category}_max')}"
            for category in (*CLAIM_CATEGORIES, "injured")
            if data.get(f"{category}_min") is not None or data.get(f"{category}_max") is not None
        ]
        return f"{names.get(data, 'claimant')}: " + ("; ".join(figures) or "no figures")
    if model == "Assessment":
        killed = "/".join(str(data.get(f"killed_{s}")) for s in ("low", "best", "high"))
        return f"grade {data.get('grade')}: killed {killed}"
    if model == "Attribution":
        return f"{names.get(data, 'asserted_by')} says {names.get(data, 'actor')}: {data.get('role')}"
    return data.get("title") or data.get("publisher") or data.get("text") or ""


# Derived from claims citing restricted sources: only those who may see such claims see it move.
_RESTRICTED_FIELDS = frozenset({"contested_all"})


def _event_rows(events, user) -> list[dict]:
    names = _Names(user, events)
    hidden = _BOOKKEEPING if can_see_restricted(user) else _BOOKKEEPING | _RESTRICTED_FIELDS
    rows = []
    for event in events:
        model = _model_name(event)
        diff = event.pgh_diff or {}
        changes = [
            {"field": names.field(field), "before": names.value(field, before), "after": names.value(field, after)}
            for field, (before, after) in sorted(diff.items())
            if field not in hidden
        ]
        if event.pgh_label == "update" and diff and not changes:
            continue  # only bookkeeping moved (e.g. the geocoding queue flag)
        data = event.pgh_data or {}
        rows.append(
            {
                "when": event.pgh_created_at,
                "who": _who(event),
                "what": f"{model} {event.pgh_obj_id}",
                "model": model,
                "label": event.pgh_label,
                "changes": changes,
                "summary": _summary(model, data, names),
                "url": (event.pgh_context or {}).get("url", ""),
            }
        )
    return rows


class IncidentHistoryView(DeskMixin, IncidentMixin, View):
    """Every change to the incident and to its claims, attributions, sources, assessments and mentions."""

    def get(self, request, pk):
        incident = self.get_incident()
        from pghistory.models import MiddlewareEvents

        # Everything that references the incident (its own events, claims, attributions, assessments,
        # mentions, incidents merged into it) in one aggregate query, plus its sources (linked many-to-many).
        events = list(
            MiddlewareEvents.objects.references(incident).select_related("user").order_by("pgh_created_at", "pgh_id")
        )
        sources = list(Source.objects.visible_to(request.user).filter(incidents=incident))
        if sources:
            events += list(history_for(*sources))
        visible = _visible_objects(request.user, incident)
        events = [
            event
            for event in events
            if _model_name(event) not in visible or event.pgh_obj_id in visible[_model_name(event)]
        ]
        # Rows written in one transaction share a timestamp: show the incident first, then what hangs off it.
        events.sort(key=lambda e: (e.pgh_created_at, _MODEL_ORDER.get(_model_name(e), 9), e.pgh_id))
        context = {"incident": incident, "events": _event_rows(events, request.user)}
        return render(request, "incidents/incident_history.html", context)


def _visible_objects(user, incident) -> dict[str, set[str]]:
    """Per model, the ids of the incident's related rows this user may see: the history must not reveal the rest."""

    def ids(queryset):
        return {str(pk) for pk in queryset.values_list("pk", flat=True)}

    return {
        "Incident": ids(Incident.objects.visible_to(user).filter(Q(pk=incident.pk) | Q(merged_into=incident))),
        "CasualtyClaim": ids(CasualtyClaim.objects.visible_to(user).filter(incident=incident)),
        "Attribution": ids(Attribution.objects.visible_to(user).filter(incident=incident)),
    }
