"""What every page family shares: who may open a desk page, and the helpers two or more families use."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404

from actors.models import Actor
from incidents.choices import CLAIM_CATEGORIES
from incidents.models import Attribution, Incident

DESK = "incidents.view_incident"
EDITOR = "incidents.publish_incident"


# ---- Access ----


class DeskMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Logged in, with a desk role. Anonymous: redirect to login; partners and role-less users: 403."""

    permission_required = (DESK,)

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            raise PermissionDenied("The desk's pages are for analysts and editors.")
        return super().handle_no_permission()


class EditorMixin(DeskMixin):
    permission_required = (DESK, EDITOR)


class IncidentMixin:
    """``get_incident()``: the incident in the URL, if this user may see it (404 otherwise, never 403: no leak)."""

    def get_incident(self, queryset=None) -> Incident:
        queryset = queryset if queryset is not None else Incident.objects.all()
        return get_object_or_404(queryset.visible_to(self.request.user), pk=self.kwargs["pk"])


class PostOnlyMixin:
    http_method_names = ["post"]


# ---- Helpers ----


def service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages_:
                form.add_error(target, message if target else f"{field.replace('_', ' ')}: {message}")
    else:
        for message in error.messages:
            form.add_error(None, message)


def decorate_claims(claims) -> None:
    """``claim.figures``: (category, text) for each figure the claimant gave, for the templates."""
    for claim in claims:
        figures = []
        for category in (*CLAIM_CATEGORIES, "injured"):
            label = category.replace("_", " ")
            if category in claim.denied:
                figures.append((label, "denied (0)"))
            elif claim.range(category) != (None, None):
                figures.append((label, claim.range_text(category)))
        claim.figures = figures


def decorate_assessments(assessments) -> None:
    """``assessment.rows`` (category, low, best, high) for the categories it gives; ``informed_by`` its claims."""
    for assessment in assessments:
        assessment.rows = [
            (category.replace("_", " "), *(getattr(assessment, f"{category}_{s}") for s in ("low", "best", "high")))
            for category in CLAIM_CATEGORIES
            if any(getattr(assessment, f"{category}_{s}") is not None for s in ("low", "best", "high"))
        ]
        assessment.informed_by = list(assessment.claims.all())


def grouped_attributions(attributions) -> list[tuple[Actor, list[Attribution]]]:
    groups: dict[int, tuple[Actor, list]] = {}
    for attribution in attributions:
        groups.setdefault(attribution.asserted_by_id, (attribution.asserted_by, []))[1].append(attribution)
    return sorted(groups.values(), key=lambda group: group[0].name)
