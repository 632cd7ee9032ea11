"""The desk's pages: thin views over ``incidents.services``; who may do what is checked here, per role.

Every page needs a logged-in user with a desk role (analyst, editor, admin): anonymous users are sent to the
login page, partners and users without a role get 403. Incidents are always looked up through
``Incident.objects.visible_to(user)``, so a restricted incident an analyst may not see is a 404, not a leak.
Every write goes through a service, which validates first: bad input re-renders the form with the errors
next to the field, and nothing partial is saved.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from actors.models import Actor
from core.audit import history_for
from geo.choices import AreaLevel
from geo.models import Area, Mention
from incidents import services
from incidents.choices import CLAIM_CATEGORIES, Status
from incidents.filters import IncidentFilterSet
from incidents.forms import (
    INCIDENT_FIELDS,
    AssessmentForm,
    AttributionForm,
    ClaimForm,
    IncidentForm,
    MergeForm,
    NoteForm,
    PlaceForm,
    SourceForm,
    SupersedeForm,
    snapshot_of,
)
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident, Source
from incidents.models.claims import link_revisions, live_claim_counts, revision_chain
from incidents.querysets import can_see_restricted

DESK = "incidents.view_incident"
EDITOR = "incidents.publish_incident"
PAGE_SIZES = (25, 50, 100)
# The categories the reconcile page draws, one axis each (security forces are in the table, not drawn).
RECONCILE_CATEGORIES = ("killed", "civilians", "militants", "women", "children")


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


def _service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages_:
                form.add_error(target, message if target else f"{field.replace('_', ' ')}: {message}")
    else:
        for message in error.messages:
            form.add_error(None, message)


# ---- List and review queue ----


def _list_queryset(user):
    latest_grade = Assessment.objects.filter(incident=OuterRef("pk")).order_by("-decided_at", "-id").values("grade")
    visible = Incident.objects.visible_to(user)
    return (
        visible.for_list()
        .defer("description", "internal_notes")  # long texts the table never shows
        .annotate(
            # The contested flag this reader may see (editors: counting claims citing restricted sources too).
            is_contested=F("contested_all") if can_see_restricted(user) else F("contested"),
            current_grade=Subquery(latest_grade[:1]),
            # A merged duplicate names its survivor only to those who may see it (as its page does).
            merged_into_visible=Exists(visible.filter(pk=OuterRef("merged_into_id"))),
        )
    )


def _with_live_claim_counts(user, incidents) -> list[Incident]:
    """The page's incidents, each with ``live_claim_count``: the live claims its page shows this reader (a claim
    revised by one they may not see stays live for them)."""
    incidents = list(incidents)
    counts = live_claim_counts(user, [incident.pk for incident in incidents])
    for incident in incidents:
        incident.live_claim_count = counts.get(incident.pk, 0)
    return incidents


class FilteredListMixin:
    """An IncidentFilterSet over ``visible_to(user)``, paginated; the same FilterSet the API uses."""

    template_name = ""
    default_ordering = "-start_date"

    def base_queryset(self):
        return _list_queryset(self.request.user)

    def get(self, request, *args, **kwargs):
        data = request.GET.copy()
        if not data.get("ordering"):
            data["ordering"] = self.default_ordering
        filterset = IncidentFilterSet(data, queryset=self.base_queryset(), request=request)
        queryset = filterset.qs if filterset.is_valid() else self.base_queryset().none()
        try:
            per_page = int(request.GET.get("per_page", PAGE_SIZES[0]))
        except ValueError:
            per_page = PAGE_SIZES[0]
        per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
        page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        sort_query = query.copy()
        sort_query.pop("ordering", None)
        context = {
            "filterset": filterset,
            "filter_form": filterset.form,
            "page_obj": page,
            "incidents": _with_live_claim_counts(request.user, page.object_list),
            "query_string": query.urlencode(),
            "sort_query_string": sort_query.urlencode(),
            "ordering": data.get("ordering"),
            "page_sizes": PAGE_SIZES,
            "per_page": per_page,
            "provinces": Area.objects.filter(level=AreaLevel.PROVINCE).only("code", "name", "country_code"),
            "actors": Actor.objects.only("slug", "name"),
            "selected": {
                "province": request.GET.getlist("province"),
                "actor": request.GET.getlist("actor"),
                "kind": request.GET.getlist("kind"),
                "category": request.GET.getlist("category"),
                "status": request.GET.getlist("status"),
                "grade": request.GET.getlist("grade"),
                "sensitivity": request.GET.getlist("sensitivity"),
            },
            **self.extra_context(),
        }
        return render(request, self.template_name, context)

    def extra_context(self) -> dict:
        return {}


class IncidentListView(DeskMixin, FilteredListMixin, View):
    """Every incident the user may see, filtered, sorted and paginated."""

    template_name = "incidents/incident_list.html"


class ReviewQueueView(EditorMixin, FilteredListMixin, View):
    """Incidents waiting for an editor, longest-waiting first (by when they were sent for review)."""

    template_name = "incidents/review_queue.html"
    default_ordering = "submitted"

    def base_queryset(self):
        return _list_queryset(self.request.user).filter(status=Status.IN_REVIEW, merged_into__isnull=True)


# ---- Log and edit ----


def _render_incident_form(request, template_name: str, context: dict, status: int = 200):
    """The form page; the map widget's inline script carries this response's CSP nonce (django-leaflet reads it)."""
    context["form"].fields["location"].widget.csp_nonce = request.csp_nonce
    return render(request, template_name, context, status=status)


class IncidentCreateView(DeskMixin, View):
    """One page to log an incident. Possible duplicates are shown before anything is saved."""

    template_name = "incidents/incident_form.html"

    def get(self, request):
        if not request.user.has_perm("incidents.add_incident"):
            raise PermissionDenied
        return self.render(IncidentForm())

    def render(self, form, duplicates=None, checked=False):
        return _render_incident_form(
            self.request,
            self.template_name,
            {"form": form, "duplicates": duplicates, "checked": checked, "creating": True},
        )

    def post(self, request):
        if not request.user.has_perm("incidents.add_incident"):
            raise PermissionDenied
        form = IncidentForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        data = form.incident_data()
        duplicates = services.possible_duplicates(
            user=request.user,
            start_date=data["start_date"],
            location=data["location"],
            title=data["title"],
            place_text=data["place_text"],
        )
        merge_into = request.POST.get("merge_into", "")
        if merge_into:
            if not merge_into.isdigit():
                raise Http404("No such incident.")
            target = get_object_or_404(Incident.objects.visible_to(request.user).live(), pk=merge_into)
        elif "check" in request.POST or (duplicates and "confirm_new" not in request.POST):
            # Show the candidates first; the typed values stay in the form.
            return self.render(form, duplicates=duplicates, checked=True)
        try:
            # One transaction: a merge that is refused leaves no half-logged incident behind.
            with transaction.atomic():
                incident = services.incident_create(author=request.user, data=data)
                if merge_into:
                    target = services.incident_merge(incident=incident, into=target, author=request.user)
        except ValidationError as error:
            _service_errors(form, error)
            return self.render(form, duplicates=duplicates, checked=True)
        if merge_into:
            messages.success(request, f"Merged into incident {target.pk}: your record is kept and points here.")
            return redirect("incidents:incident_detail", pk=target.pk)
        messages.success(request, "Incident saved. Check where the geocoder placed it below.")
        return HttpResponseRedirect(reverse("incidents:incident_detail", args=[incident.pk]) + "#place")


def _changes(before: dict[str, str] | None, current: Incident, typed: dict) -> list[dict]:
    """What somebody else changed since the form was opened: field, before → after, and what this user typed."""
    now = snapshot_of(current)
    rows = []
    for field in INCIDENT_FIELDS:
        old = (before or {}).get(field)
        if before is not None and old == now[field]:
            continue
        if before is None and now[field] == typed.get(field, ""):
            continue
        rows.append(
            {
                "field": Incident._meta.get_field(field).verbose_name,
                "before": old,
                "after": now[field],
                "yours": typed.get(field, ""),
            }
        )
    return rows


class IncidentEditView(DeskMixin, IncidentMixin, View):
    """Edit with optimistic locking: a save based on an older version is refused and nothing typed is lost."""

    template_name = "incidents/incident_form.html"

    def setup_incident(self):
        incident = self.get_incident()
        if not self.request.user.has_perm("incidents.change_incident") or not services.can_edit(
            self.request.user, incident
        ):
            raise PermissionDenied("Only editors change published, retracted or merged incidents.")
        return incident

    def get(self, request, pk):
        incident = self.setup_incident()
        context = {"form": IncidentForm(instance=incident), "incident": incident}
        return _render_incident_form(request, self.template_name, context)

    def post(self, request, pk):
        incident = self.setup_incident()
        form = IncidentForm(request.POST, instance=self.get_incident())
        context = {"form": form, "incident": incident}
        if not form.is_valid():
            return _render_incident_form(request, self.template_name, context)
        version = form.cleaned_data.get("version") or 0
        try:
            services.incident_update(incident=incident, author=request.user, data=form.incident_data(), version=version)
        except services.ConflictError as conflict:
            current = conflict.current
            typed = {
                field: str(form.cleaned_data.get(field) if form.cleaned_data.get(field) is not None else "")
                for field in INCIDENT_FIELDS
            }
            typed["location"] = (
                f"{form.data.get('latitude', '')}, {form.data.get('longitude', '')}".strip(", ")
                if form.data.get("latitude")
                else snapshot_of(Incident(location=form.cleaned_data.get("location")))["location"]
            )
            changes = _changes(form.original_snapshot(), current, typed)
            # Keep every typed value; move the lock forward so that saving again (after reading) applies.
            data = request.POST.copy()
            data["version"] = current.version
            data["snapshot"] = signing.dumps(snapshot_of(current), salt="incident-edit")
            form = IncidentForm(data, instance=current)
            form.is_valid()
            context.update(form=form, conflict=current, changes=changes)
            return _render_incident_form(request, self.template_name, context, status=409)
        except ValidationError as error:
            _service_errors(form, error)
            return _render_incident_form(request, self.template_name, context)
        messages.success(request, "Incident saved.")
        return redirect("incidents:incident_detail", pk=incident.pk)


# ---- Detail and the forms on it ----


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


def _decorate_claims(claims) -> None:
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


def _decorate_assessments(assessments) -> None:
    """``assessment.rows`` (category, low, best, high) for the categories it gives; ``informed_by`` its claims."""
    for assessment in assessments:
        assessment.rows = [
            (category.replace("_", " "), *(getattr(assessment, f"{category}_{s}") for s in ("low", "best", "high")))
            for category in CLAIM_CATEGORIES
            if any(getattr(assessment, f"{category}_{s}") is not None for s in ("low", "best", "high"))
        ]
        assessment.informed_by = list(assessment.claims.all())


def _grouped_attributions(attributions) -> list[tuple[Actor, list[Attribution]]]:
    groups: dict[int, tuple[Actor, list]] = {}
    for attribution in attributions:
        groups.setdefault(attribution.asserted_by_id, (attribution.asserted_by, []))[1].append(attribution)
    return sorted(groups.values(), key=lambda group: group[0].name)


def _detail_incident(request, pk) -> Incident:
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
    _decorate_claims(claims)
    chains = _claim_chains(claims)
    live = [claim for claim in claims if claim.superseding is None]
    assessments = list(incident.assessments.all())
    _decorate_assessments(assessments)
    context = {
        "incident": incident,
        "sources": list(incident.sources.all()),
        "claim_chains": chains,
        "live_claims": live,
        "contested_categories": services.claims_contested(live),
        "attribution_groups": _grouped_attributions(incident.attributions.all()),
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
        return render_detail(request, _detail_incident(request, pk))


class EvidenceAddView(DeskMixin, IncidentMixin, PostOnlyMixin, View):
    """POST a source, claim or attribution from the incident page; back to the page, or the page with errors."""

    permission: str = ""
    form_name: str = ""
    anchor: str = ""

    def make_form(self, incident):
        raise NotImplementedError

    def save(self, form, incident):
        raise NotImplementedError

    def post(self, request, pk):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        incident = self.get_incident()
        if not services.can_add_evidence(request.user, incident, self.permission.split("add_", 1)[1]):
            raise PermissionDenied("This incident is retracted or merged: nothing can be added to it.")
        form = self.make_form(incident)
        if form.is_valid():
            try:
                self.save(form, incident)
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, self.success_message)
                return HttpResponseRedirect(reverse("incidents:incident_detail", args=[pk]) + self.anchor)
        return render_detail(request, _detail_incident(request, pk), status=400, **{self.form_name: form})


class SourceAddView(EvidenceAddView):
    permission = "incidents.add_source"
    form_name = "source_form"
    anchor = "#sources"
    success_message = "Source added."

    def make_form(self, incident):
        return SourceForm(self.request.POST)

    def save(self, form, incident):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        return services.source_add(author=self.request.user, data=data, incident=incident)


class ClaimAddView(EvidenceAddView):
    permission = "incidents.add_casualtyclaim"
    form_name = "claim_form"
    anchor = "#claims"
    success_message = "Claim added."

    def make_form(self, incident):
        return ClaimForm(self.request.POST, incident=incident, user=self.request.user)

    def save(self, form, incident):
        return services.claim_add(author=self.request.user, incident=incident, data=form.claim_data())


class AttributionAddView(EvidenceAddView):
    permission = "incidents.add_attribution"
    form_name = "attribution_form"
    anchor = "#attributions"
    success_message = "Attribution added."

    def make_form(self, incident):
        return AttributionForm(self.request.POST, incident=incident, user=self.request.user)

    def save(self, form, incident):
        return services.attribution_add(author=self.request.user, incident=incident, data=form.attribution_data())


class ClaimSupersedeView(DeskMixin, IncidentMixin, View):
    """A claimant revised a figure: a new claim linked to the old one, which stays (struck through)."""

    template_name = "incidents/claim_supersede.html"

    def get_claim(self, incident):
        claim = get_object_or_404(
            CasualtyClaim.objects.visible_to(self.request.user).select_related("claimant", "source"),
            pk=self.kwargs["claim_pk"],
            incident=incident,
        )
        return claim

    def check(self, incident):
        if not services.can_add_evidence(self.request.user, incident):
            raise PermissionDenied

    def get(self, request, pk, claim_pk):
        incident = self.get_incident()
        self.check(incident)
        claim = self.get_claim(incident)
        form = SupersedeForm(incident=incident, user=request.user, claim=claim)
        return render(request, self.template_name, {"incident": incident, "claim": claim, "form": form})

    def post(self, request, pk, claim_pk):
        incident = self.get_incident()
        self.check(incident)
        claim = self.get_claim(incident)
        form = SupersedeForm(request.POST, incident=incident, user=request.user, claim=claim)
        if form.is_valid():
            try:
                services.claim_supersede(author=request.user, claim=claim, data=form.claim_data())
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, f"{claim.claimant.name}'s claim was superseded by the revised figures.")
                return HttpResponseRedirect(reverse("incidents:incident_detail", args=[pk]) + "#claims")
        context = {"incident": incident, "claim": claim, "form": form}
        return render(request, self.template_name, context, status=400)


class IncidentPlaceView(DeskMixin, IncidentMixin, PostOnlyMixin, View):
    """Accept or correct the district, province and precision: a person's choice the geocoder never overwrites."""

    def post(self, request, pk):
        incident = self.get_incident()
        if not request.user.has_perm("incidents.change_incident") or not services.can_edit(request.user, incident):
            raise PermissionDenied
        form = PlaceForm(request.POST)
        if form.is_valid():
            data = {
                "district": form.cleaned_data["district"],
                "province": form.cleaned_data["province"],
                "geo_precision": form.cleaned_data["geo_precision"],
                "location_manual": True,
            }
            try:
                services.incident_update(
                    incident=incident, author=request.user, data=data, version=form.cleaned_data["version"]
                )
            except services.ConflictError:
                form.add_error(None, "Someone else changed this incident meanwhile: check the place again.")
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, "Place saved.")
                return HttpResponseRedirect(reverse("incidents:incident_detail", args=[pk]) + "#place")
        return render_detail(request, _detail_incident(request, pk), status=400, place_form=form)


class MentionActionView(DeskMixin, IncidentMixin, PostOnlyMixin, View):
    """Confirm or reject a place the geocoder found in the incident's text."""

    action = ""

    def post(self, request, pk, mention_pk):
        incident = self.get_incident()
        # Confirming moves the incident: the same rule as editing it.
        if not request.user.has_perm("geo.change_mention") or not services.can_edit(request.user, incident):
            raise PermissionDenied
        mention = get_object_or_404(Mention, pk=mention_pk, incident=incident)
        from geo import services as geo_services

        try:
            getattr(geo_services, f"mention_{self.action}")(mention=mention, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            label = "confirmed" if self.action == "confirm" else "rejected"
            messages.success(request, f"“{mention.text}” {label}.")
        return HttpResponseRedirect(reverse("incidents:incident_detail", args=[pk]) + "#place")


class MentionConfirmView(MentionActionView):
    action = "confirm"


class MentionRejectView(MentionActionView):
    action = "reject"


class IncidentMergeView(DeskMixin, IncidentMixin, PostOnlyMixin, View):
    """Merge this incident into another: the other gains its claims, attributions and sources."""

    def post(self, request, pk):
        incident = self.get_incident()
        if not request.user.has_perm("incidents.change_incident"):
            raise PermissionDenied
        form = MergeForm(request.POST)
        if form.is_valid():
            target = Incident.objects.visible_to(request.user).filter(pk=form.cleaned_data["into"]).first()
            if target is None:
                form.add_error("into", f"There is no incident {form.cleaned_data['into']} you can see.")
            else:
                try:
                    services.incident_merge(incident=incident, into=target, author=request.user)
                except ValidationError as error:
                    _service_errors(form, error)
                else:
                    messages.success(request, f"Incident {incident.pk} was merged into this one.")
                    return redirect("incidents:incident_detail", pk=target.pk)
        return render_detail(request, _detail_incident(request, pk), status=400, merge_form=form)


# ---- Workflow ----


class IncidentSubmitView(DeskMixin, IncidentMixin, PostOnlyMixin, View):
    def post(self, request, pk):
        incident = self.get_incident()
        if not request.user.has_perm("incidents.change_incident"):
            raise PermissionDenied
        try:
            services.incident_submit(incident=incident, author=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Submitted for review.")
        return redirect("incidents:incident_detail", pk=pk)


class IncidentPublishView(EditorMixin, IncidentMixin, PostOnlyMixin, View):
    def post(self, request, pk):
        incident = self.get_incident()
        try:
            services.incident_publish(incident=incident, editor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Published.")
        return redirect("incidents:incident_detail", pk=pk)


class NoteTransitionView(EditorMixin, IncidentMixin, PostOnlyMixin, View):
    field = ""
    label = ""
    form_name = ""
    success_message = ""

    def transition(self, incident, text):
        raise NotImplementedError

    def post(self, request, pk):
        incident = self.get_incident()
        form = NoteForm(request.POST, field=self.field, label=self.label)
        if form.is_valid():
            try:
                self.transition(incident, form.cleaned_data[self.field])
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, self.success_message)
                return redirect("incidents:incident_detail", pk=pk)
        return render_detail(request, _detail_incident(request, pk), status=400, **{self.form_name: form})


class IncidentSendBackView(NoteTransitionView):
    field, label, form_name = "note", "Comment for the analyst", "send_back_form"
    success_message = "Sent back to the analysts with your comment."

    def transition(self, incident, text):
        services.incident_send_back(incident=incident, editor=self.request.user, note=text)


class IncidentRetractView(NoteTransitionView):
    field, label, form_name = "reason", "Reason for retracting", "retract_form"
    success_message = "Retracted. The record stays; partners no longer see it."

    def transition(self, incident, text):
        services.incident_retract(incident=incident, editor=self.request.user, reason=text)


# ---- Reconcile ----


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
        _decorate_claims(claims)
        assessments = list(incident.assessments.all())
        _decorate_assessments(assessments)
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
            "attribution_groups": _grouped_attributions(incident.attributions.all()),
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
                _service_errors(form, error)
            else:
                messages.success(request, "Assessment recorded.")
                return redirect("incidents:incident_reconcile", pk=pk)
        return self.render(incident, form=form, status=400)


# ---- History ----


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
