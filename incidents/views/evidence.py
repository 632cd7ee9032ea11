"""What the incident page posts: sources, claims (and their revisions), attributions, the place and the geocoder's
suggestions. Back to the page, or the page again with the errors next to the form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from incidents import services
from incidents.forms import AttributionForm, ClaimForm, PlaceForm, SourceForm, SupersedeForm
from incidents.models import CasualtyClaim, Mention
from incidents.views.base import DeskMixin, IncidentMixin, PostOnlyMixin, service_errors
from incidents.views.detail import detail_incident, render_detail


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
                service_errors(form, error)
            else:
                messages.success(request, self.success_message)
                return HttpResponseRedirect(reverse("incidents:incident_detail", args=[pk]) + self.anchor)
        return render_detail(request, detail_incident(request, pk), status=400, **{self.form_name: form})


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
                service_errors(form, error)
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
                service_errors(form, error)
            else:
                messages.success(request, "Place saved.")
                return HttpResponseRedirect(reverse("incidents:incident_detail", args=[pk]) + "#place")
        return render_detail(request, detail_incident(request, pk), status=400, place_form=form)


class MentionActionView(DeskMixin, IncidentMixin, PostOnlyMixin, View):
    """Confirm or reject a place the geocoder found in the incident's text."""

    action = ""

    def post(self, request, pk, mention_pk):
        incident = self.get_incident()
        # Confirming moves the incident: the same rule as editing it.
        if not request.user.has_perm("incidents.change_mention") or not services.can_edit(request.user, incident):
            raise PermissionDenied
        mention = get_object_or_404(Mention, pk=mention_pk, incident=incident)
        try:
            getattr(services, f"mention_{self.action}")(mention=mention, user=request.user)
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
