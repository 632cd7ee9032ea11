"""Logging an incident (possible duplicates shown first) and editing one (optimistic locking)."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from incidents import services
from incidents.forms import INCIDENT_FIELDS, IncidentForm, snapshot_of
from incidents.models import Incident
from incidents.views.base import DeskMixin, IncidentMixin, service_errors


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
            service_errors(form, error)
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
            service_errors(form, error)
            return _render_incident_form(request, self.template_name, context)
        messages.success(request, "Incident saved.")
        return redirect("incidents:incident_detail", pk=incident.pk)
