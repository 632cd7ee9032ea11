"""The editors' reconcile page: live claims on shared axes, why they are contested, and the assessment form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from incidents import services
from incidents.choices import CLAIM_CATEGORIES
from incidents.forms import AssessmentForm
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident
from incidents.models.claims import link_revisions, revision_chain
from incidents.views.base import (
    EditorMixin,
    IncidentMixin,
    decorate_assessments,
    decorate_claims,
    grouped_attributions,
    service_errors,
)

# The categories the reconcile page draws, one axis each (security forces are in the table, not drawn).
RECONCILE_CATEGORIES = ("killed", "civilians", "militants", "women", "children")


def _axis(claims: list[CasualtyClaim], category: str, assessment: Assessment | None) -> dict:
    """One category's claims on one shared scale, as percentages for CSS bars.

    An unknown upper end runs to the edge of the axis (open); an unknown lower end starts at 0 (dashed).
    """
    values = [v for claim in claims for v in claim.range(category) if v is not None]
    if assessment is not None:
        values += [
            v for v in (getattr(assessment, f"{category}_{s}") for s in ("low", "best", "high")) if v is not None
        ]
    top = max(values, default=0)
    scale = max(10, int(top * 1.15) + 1)
    rows = []
    for claim in claims:
        low, high = claim.range(category)
        if low is None and high is None:
            rows.append({"claim": claim, "known": False, "text": "not stated"})
            continue
        start = low if low is not None else 0
        end = high if high is not None else scale
        rows.append(
            {
                "claim": claim,
                "known": True,
                "left": round(100 * start / scale, 2),
                "width": max(round(100 * (end - start) / scale, 2), 0.8),
                "open_high": high is None,
                "open_low": low is None,
                "denied": category in claim.denied,
                "text": "denied (0)" if category in claim.denied else claim.range_text(category),
            }
        )
    marks = {}
    if assessment is not None:
        for suffix in ("low", "best", "high"):
            value = getattr(assessment, f"{category}_{suffix}")
            if value is not None:
                marks[suffix] = {"value": value, "left": round(100 * value / scale, 2)}
    return {
        "category": category,
        "label": category.replace("_", " ").capitalize(),
        "scale": scale,
        "ticks": [{"value": v, "left": round(100 * v / scale, 2)} for v in (0, scale // 2, scale)],
        "rows": rows,
        "marks": marks,
    }


def _live_claims(incident: Incident) -> list[CasualtyClaim]:
    """The claims this reader sees (prefetched through visible_to) that none of those revises."""
    claims = link_revisions(incident.claims.all(), revision_chain(incident.pk))
    return [claim for claim in claims if claim.superseding is None]


def _why_contested(claims: list[CasualtyClaim], categories: list[str]) -> list[str]:
    """For each disputed category: the highest minimum against the lowest maximum, by whom."""
    reasons = []
    for category in categories:
        lows = [(c.range(category)[0], c) for c in claims if c.range(category)[0] is not None]
        highs = [(c.range(category)[1], c) for c in claims if c.range(category)[1] is not None]
        low, low_claim = max(lows, key=lambda item: item[0])
        high, high_claim = min(highs, key=lambda item: item[0])
        label = category.replace("_", " ")
        reasons.append(
            f"{label}: {low_claim.claimant.name} says at least {low}, "
            f"{high_claim.claimant.name} says at most {high} — both cannot be true."
        )
    return reasons


class IncidentReconcileView(EditorMixin, IncidentMixin, View):
    """The editor's page: live claims side by side on shared axes, the contested flag and why, the
    attributions by asserter, and the assessment form with every earlier assessment."""

    template_name = "incidents/incident_reconcile.html"

    def render(self, incident, form=None, status=200):
        claims = _live_claims(incident)
        claims.sort(key=lambda claim: (claim.claimant.name, claim.claimed_on, claim.pk))
        decorate_claims(claims)
        assessments = list(incident.assessments.all())
        decorate_assessments(assessments)
        current = assessments[0] if assessments else None
        contested = services.claims_contested(claims)
        form = form or AssessmentForm(
            incident=incident,
            user=self.request.user,
            claims=claims,
            initial={"claims": [claim.pk for claim in claims]},
        )
        context = {
            "incident": incident,
            "claims": claims,
            "axes": [_axis(claims, category, current) for category in RECONCILE_CATEGORIES],
            "categories": CLAIM_CATEGORIES,
            "contested_categories": contested,
            "contested_reasons": _why_contested(claims, contested),
            "attribution_groups": grouped_attributions(incident.attributions.all()),
            "assessments": assessments,
            "current": current,
            "form": form,
            "range_rows": [
                (category.replace("_", " "), [form[f"{category}_{s}"] for s in ("low", "best", "high")])
                for category in CLAIM_CATEGORIES
            ],
        }
        return render(self.request, self.template_name, context, status=status)

    def load(self, pk):
        user = self.request.user
        # A fixed number of queries whatever the number of claims, attributions and assessments (pinned in tests).
        queryset = (
            Incident.objects.visible_to(user)
            .select_related("district", "province")
            .prefetch_related(
                Prefetch(
                    "claims",
                    queryset=CasualtyClaim.objects.visible_to(user).select_related("claimant", "source"),
                ),
                Prefetch(
                    "attributions",
                    queryset=Attribution.objects.visible_to(user).select_related("actor", "asserted_by", "source"),
                ),
                Prefetch(
                    "assessments",
                    queryset=Assessment.objects.select_related("decided_by")
                    .prefetch_related(
                        Prefetch("claims", queryset=CasualtyClaim.objects.visible_to(user).select_related("claimant"))
                    )
                    .order_by("-decided_at", "-id"),
                ),
            )
        )
        return get_object_or_404(queryset, pk=pk)

    def get(self, request, pk):
        return self.render(self.load(pk))

    def post(self, request, pk):
        if not request.user.has_perm("incidents.add_assessment"):
            raise PermissionDenied
        incident = self.load(pk)
        claims = _live_claims(incident)
        form = AssessmentForm(request.POST, incident=incident, user=request.user, claims=claims)
        if form.is_valid():
            try:
                services.assessment_record(
                    editor=request.user,
                    incident=incident,
                    data=form.assessment_data(),
                    claims=form.cleaned_data["claims"],
                )
            except ValidationError as error:
                service_errors(form, error)
            else:
                messages.success(request, "Assessment recorded.")
                return redirect("incidents:incident_reconcile", pk=pk)
        return self.render(incident, form=form, status=400)
