"""The base every FilterSet extends: a ``q`` search, ``created`` ranges, and multi-value filters.

FilterSets narrow a queryset that already went through ``visible_to(user)``; they never widen it.
Filters that look into related rows (claims, attributions) must themselves go through
``visible_to(request.user)``, or a filter could reveal that a hidden row exists.
"""

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django_filters.widgets import BaseCSVWidget

__all__ = [
    "BaseFilterSet", "MultiValueCharFilter", "MultiValueNumberFilter", "MultiValueWidget", "StrictBooleanFilter",
]  # fmt: skip


class MultiValueWidget(BaseCSVWidget, forms.TextInput):
    """Reads ``?x=a&x=b``, ``?x=a,b`` and a text box holding ``a, b`` alike; renders as one text box."""

    def value_from_datadict(self, data, files, name):
        raw = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        raw = raw if isinstance(raw, list | tuple) else [raw]
        values = [part.strip() for item in raw if item for part in str(item).split(",") if part.strip()]
        return list(dict.fromkeys(values)) or None


class MultiValueCharFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """Any of several text values (codes, slugs)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "in")
        kwargs.setdefault("widget", MultiValueWidget)
        super().__init__(*args, **kwargs)


class MultiValueNumberFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """Any of several integer ids; a non-number is refused with a message naming the parameter."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "in")
        kwargs.setdefault("widget", MultiValueWidget)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or 1/0, yes/no); anything else is an error rather than silently "no filter"."""

    widget = forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class BaseFilterSet(django_filters.FilterSet):
    """``q`` searches ``Meta.search_fields`` (case-insensitive substring, any script); ``created`` ranges."""

    q = django_filters.CharFilter(method="search", label="Search")
    created__gte = django_filters.IsoDateTimeFilter(field_name="created", lookup_expr="gte", label="Created after")
    created__lte = django_filters.IsoDateTimeFilter(field_name="created", lookup_expr="lte", label="Created before")

    search_fields: tuple[str, ...] = ()

    @property
    def user(self):
        """The requesting user, or an anonymous one: related-row filters must see only what they may."""
        return getattr(self.request, "user", None) or AnonymousUser()

    def search_q(self, value: str) -> Q:
        """The condition ``q`` adds; subclasses extend it (e.g. area names in other scripts)."""
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return condition

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(self.search_q(value))
