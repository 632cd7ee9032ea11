"""Every URL the project serves, read from the URL conf: what the leak and XSS suites walk.

A new page, endpoint or action is picked up here without editing a test. Its path parameters are filled from
the table in ``path_values``; a parameter name nobody taught it fails loudly instead of being skipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

__all__ = ["Route", "Url", "routes", "urls_for"]

READ_METHODS = ("get",)
WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclasses.dataclass(frozen=True)
class Route:
    """One named URL pattern: its reversible name, its path parameters, and the view behind it."""

    name: str
    params: tuple[str, ...]
    callback: Callable = dataclasses.field(compare=False, repr=False)

    @property
    def namespace(self) -> str:
        return self.name.rpartition(":")[0]

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def drf_actions(self) -> dict[str, str]:
        """For a DRF viewset route: HTTP method → action (``{"get": "list"}``); empty for anything else."""
        return dict(getattr(self.callback, "actions", None) or {})

    @property
    def is_drf_list(self) -> bool:
        return self.drf_actions.get("get") == "list"

    @property
    def methods(self) -> tuple[str, ...]:
        """The HTTP methods the view answers (besides HEAD/OPTIONS)."""
        if self.drf_actions:
            return tuple(self.drf_actions)
        view = self.view_class
        if view is None:  # a function view: what its require_http_methods (require_POST…) allows, else a read
            allowed = _required_methods(self.callback)
            if allowed is None:
                return READ_METHODS
            return tuple(m for m in (*READ_METHODS, *WRITE_METHODS) if m.upper() in allowed)
        allowed = getattr(view, "http_method_names", ())
        return tuple(m for m in (*READ_METHODS, *WRITE_METHODS) if m in allowed and hasattr(view, m))

    @property
    def model(self):
        """The model a ``pk``/``object_id`` in this route names."""
        view = self.view_class
        queryset = getattr(view, "queryset", None)
        if queryset is not None:
            return queryset.model
        if self.namespace == "admin":
            # admin:<app_label>_<model_name>_<action>; an app label may hold an underscore (otp_totp).
            from django.contrib import admin

            name = self.name.split(":")[1]
            for model in admin.site._registry:
                if name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
                    return model
        if self.namespace == "incidents":
            return apps.get_model("incidents", "Incident")
        raise LookupError(f"{self.name}: which model does its pk name? Teach tests/security/urls.py.")


def _required_methods(callback) -> list[str] | None:
    """The methods Django's ``require_http_methods`` lets through to a function view, wherever it sits among the
    view's decorators (``login_required`` wraps it): the list it closes over. None if it has no such decorator."""
    func = callback
    while func is not None:
        for cell in getattr(func, "__closure__", None) or ():
            value = cell.cell_contents
            if isinstance(value, list | tuple) and value and all(isinstance(m, str) and m.isupper() for m in value):
                return list(value)
        func = getattr(func, "__wrapped__", None)
    return None


def routes() -> list[Route]:
    """Every named pattern of the URL conf, once per distinct set of parameters (format suffixes included)."""
    found: dict[tuple, Route] = {}

    def walk(resolver: URLResolver, namespace: str | None, params: tuple[str, ...]):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
                walk(pattern, inner, params + _params(pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                route = Route(name, tuple(sorted(set(params + _params(pattern)))), pattern.callback)
                found.setdefault((route.name, route.params), route)

    walk(get_resolver(), None, ())
    return list(found.values())


def _params(pattern) -> tuple[str, ...]:
    inner = pattern.pattern
    if isinstance(inner, RoutePattern):  # path("<int:pk>/")
        return tuple(inner.converters)
    return tuple(inner.regex.groupindex)  # re_path, the DRF router


@dataclasses.dataclass(frozen=True)
class Url:
    route: Route
    path: str
    kwargs: tuple[tuple[str, object], ...]

    @property
    def ids(self) -> dict[str, object]:
        return dict(self.kwargs)


def urls_for(route: Route, objects: Callable[[type], Iterable], sample: int | None = None) -> list[Url]:
    """Concrete URLs for a route: one per object its path parameters can name.

    ``objects(model)`` returns the primary keys of that model worth visiting (visible, hidden, nonexistent);
    children (a claim, a mention) are visited under their own incident. ``sample`` caps how many per route.
    """
    values = _kwarg_sets(route, objects)
    if sample is not None:
        values = values[:sample]
    return [Url(route, reverse(route.name, kwargs=kwargs), tuple(sorted(kwargs.items()))) for kwargs in values]


# Parameters naming a row of one incident, paired with that incident's own id.
CHILDREN = {
    "claim_pk": "incidents.CasualtyClaim", "claim_id": "incidents.CasualtyClaim", "mention_pk": "incidents.Mention",
}  # fmt: skip


def _kwarg_sets(route: Route, objects) -> list[dict]:
    params = [p for p in route.params if p != "format"]
    fixed = {"format": "json"} if "format" in route.params else {}
    if not params:
        return [fixed]
    children = [p for p in params if p in CHILDREN]
    if children:
        (child,) = children
        model = apps.get_model(CHILDREN[child])
        rows = model.objects.filter(pk__in=list(objects(model))).values_list("pk", "incident_id")
        return [{**fixed, "pk": incident_id, child: pk} for pk, incident_id in rows]
    if params in (["pk"], ["object_id"]):
        return [{**fixed, params[0]: pk} for pk in objects(route.model)]
    if params == ["id"] and route.name == "admin:auth_user_password_change":
        return [{"id": pk} for pk in objects(apps.get_model("auth", "User"))]
    if params == ["content_type_id", "object_id"]:
        from django.contrib.contenttypes.models import ContentType

        model = apps.get_model("incidents", "Incident")
        content_type = ContentType.objects.get_for_model(model).pk
        return [{"content_type_id": content_type, "object_id": pk} for pk in objects(model)]
    if params == ["app_label"]:
        return [{"app_label": label} for label in ("incidents", "reports", "actors", "geo")]
    raise LookupError(f"{route.name}{route.params}: no values for its parameters; teach tests/security/urls.py.")
