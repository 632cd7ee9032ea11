"""Moving an incident through the desk: submit, publish, send back, retract, and merging a duplicate away."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.views import View

from incidents import services
from incidents.forms import MergeForm, NoteForm
from incidents.models import Incident
from incidents.views.base import DeskMixin, EditorMixin, IncidentMixin, PostOnlyMixin, service_errors
from incidents.views.detail import detail_incident, render_detail


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
                service_errors(form, error)
            else:
                messages.success(request, self.success_message)
                return redirect("incidents:incident_detail", pk=pk)
        return render_detail(request, detail_incident(request, pk), status=400, **{self.form_name: form})


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
                    service_errors(form, error)
                else:
                    messages.success(request, f"Incident {incident.pk} was merged into this one.")
                    return redirect("incidents:incident_detail", pk=target.pk)
        return render_detail(request, detail_incident(request, pk), status=400, merge_form=form)
