"""The incident page. The forms on it post to ``evidence`` and ``workflow``, which re-render it with their errors."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.views import View

from incidents import services
from incidents.forms import AttributionForm, ClaimForm, MergeForm, NoteForm, PlaceForm, SourceForm
from incidents.models import CasualtyClaim, Incident, Mention
from incidents.models.claims import link_revisions, revision_chain
from incidents.views.base import (
    EDITOR,
    DeskMixin,
    decorate_assessments,
    decorate_claims,
    grouped_attributions,
)


def _claim_chains(claims: list[CasualtyClaim]) -> list[list[CasualtyClaim]]:
    """Each claimant's revisions as a chain, oldest first; the last of each chain is the live claim."""
    by_pk = {claim.pk: claim for claim in claims}
    superseded = {claim.supersedes_id for claim in claims if claim.supersedes_id}
    chains = []
    for claim in claims:
        if claim.pk in superseded:
            continue
        chain = [claim]
        while chain[0].supersedes_id in by_pk:
            chain.insert(0, by_pk[chain[0].supersedes_id])
        chains.append(chain)
    chains.sort(key=lambda chain: (chain[0].claimant.name, chain[0].claimed_on, chain[0].pk))
    return chains


def detail_incident(request, pk) -> Incident:
    queryset = (
        Incident.objects.visible_to(request.user)
        .for_detail(request.user)
        .prefetch_related(
            Prefetch(
                "mentions", queryset=Mention.objects.select_related("area", "area__parent", "place", "place__district")
            ),
            Prefetch(
                "assessments__claims",
                queryset=CasualtyClaim.objects.visible_to(request.user).select_related("claimant"),
            ),
        )
    )
    return get_object_or_404(queryset, pk=pk)


def render_detail(request, incident: Incident, status: int = 200, **forms):
    """The incident page, with any bound (failed) form put back in its place."""
    user = request.user
    claims = link_revisions(incident.claims.all(), revision_chain(incident.pk))
    decorate_claims(claims)
    chains = _claim_chains(claims)
    live = [claim for claim in claims if claim.superseding is None]
    assessments = list(incident.assessments.all())
    decorate_assessments(assessments)
    context = {
        "incident": incident,
        "sources": list(incident.sources.all()),
        "claim_chains": chains,
        "live_claims": live,
        "contested_categories": services.claims_contested(live),
        "attribution_groups": grouped_attributions(incident.attributions.all()),
        "assessments": assessments,
        "map_point": _map_point(incident),
        "mentions": list(incident.mentions.all()),
        "merged_into_visible": bool(incident.merged_into_id)
        and Incident.objects.visible_to(user).filter(pk=incident.merged_into_id).exists(),
        "can_edit": services.can_edit(user, incident),
        "can_add_evidence": services.can_add_evidence(user, incident),
        "can_publish": user.has_perm(EDITOR),
        "source_form": forms.get("source_form") or SourceForm(),
        "claim_form": forms.get("claim_form") or ClaimForm(incident=incident, user=user),
        "attribution_form": forms.get("attribution_form") or AttributionForm(incident=incident, user=user),
        "place_form": forms.get("place_form")
        or PlaceForm(
            initial={
                "district": incident.district_id,
                "province": incident.province_id,
                "geo_precision": incident.geo_precision,
                "version": incident.version,
            }
        ),
        "merge_form": forms.get("merge_form") or MergeForm(),
        "send_back_form": forms.get("send_back_form") or NoteForm(field="note", label="Comment for the analyst"),
        "retract_form": forms.get("retract_form") or NoteForm(field="reason", label="Reason for retracting"),
        "duplicates": services.possible_duplicates(
            user=user,
            start_date=incident.start_date,
            location=incident.location,
            district=incident.district,
            title=incident.title,
            place_text=incident.place_text,
            actors=[a.actor_id for a in incident.attributions.all()],
            exclude=incident,
        )
        if not incident.merged_into_id
        else [],
    }
    return render(request, "incidents/incident_detail.html", context, status=status)


def _map_point(incident: Incident) -> dict | None:
    """What the map script needs; rendered with json_script, and put in the popup with textContent."""
    if incident.location is None:
        return None
    return {
        "lat": incident.location.y,
        "lon": incident.location.x,
        "title": incident.title,
        "place": incident.place_text,
        "date": incident.start_date.isoformat(),
    }


class IncidentDetailView(DeskMixin, View):
    def get(self, request, pk):
        return render_detail(request, detail_incident(request, pk))
