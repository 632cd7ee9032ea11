"""Small template helpers for the desk's pages. Everything they output is escaped (format_html)."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_link(context, field: str, label: str):
    """A column header that sorts by ``field``; a second click reverses it. Keeps the other filters."""
    current = context.get("ordering") or ""
    descending = current == field
    target = f"-{field}" if descending else field
    query = context.get("sort_query_string") or ""
    arrow = " ↑" if current == field else " ↓" if current == f"-{field}" else ""
    separator = "&" if query else ""
    return format_html('<a href="?{}{}ordering={}" class="sort">{}{}</a>', query, separator, target, label, arrow)


@register.filter
def grade_label(value: str | None) -> str:
    """The human label of an assessment grade code ("contested" → "Contested")."""
    from incidents.choices import AssessmentGrade

    return AssessmentGrade(value).label if value in AssessmentGrade.values else "—"
