"""Account pages beside Django's login: two-factor set-up, the code after the password, recovery codes, keep-alive.

Who must use two-factor and where a session is sent until it has is decided in ``core.twofactor``; these views only
do the steps. Codes are checked by django-otp (throttled after wrong ones; a TOTP code is accepted once, a
recovery code once).
"""

import base64

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.twofactor import new_recovery_codes, pending_totp_device, two_factor_required


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _next_url(request) -> str:
    """Where to go once done: the page the person was sent from, if it is ours; else the desk."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    ours = {request.get_host()}
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts=ours, require_https=request.is_secure()):
        return candidate
    return reverse("incidents:incident_list")


WRONG_CODE = "That code is not right. Check your phone's clock, then type the code shown now."
TOO_MANY = "Too many wrong codes: wait a few seconds (longer after each wrong code), then try again."


def _code_error(device, code: str, verify) -> str | None:
    """None when ``verify(code)`` accepts the code; otherwise what the form says.

    django-otp throttles: after each wrong code the device refuses every code for 1, 2, 4, 8… seconds.
    """
    if device is None:
        return WRONG_CODE
    if not device.verify_is_allowed()[0]:
        return TOO_MANY
    return None if verify(code) else WRONG_CODE


def _qr_svg(url: str) -> str:
    """The otpauth:// URL as an inline SVG QR code, drawn here (no image service sees the secret)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return mark_safe(image.to_string(encoding="unicode"))  # our own drawing of our own URL


class TwoFactorStatusView(LoginRequiredMixin, View):
    """Whether two-factor is on for this account, with set-up or new recovery codes."""

    def get(self, request):
        return render(
            request,
            "registration/two_factor_status.html",
            {
                "authenticator": TOTPDevice.objects.filter(user=request.user, confirmed=True).first(),
                "recovery_left": sum(d.token_set.count() for d in StaticDevice.objects.filter(user=request.user)),
                "required": two_factor_required(request.user),
            },
        )


class TwoFactorSetupView(LoginRequiredMixin, View):
    """Scan the QR code (or type the secret), give a code, get recovery codes.

    A session that owes its second factor may come here only while the account has no device: once it has one, a
    password alone must never be enough to add another. A verified session may replace its authenticator (a new
    phone, or signing in with a recovery code after losing one).
    """

    template_name = "registration/two_factor_setup.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not user.is_verified() and user_has_device(user, confirmed=True):
            return redirect_to_login(_next_url(request), login_url=reverse("two_factor_verify"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(CodeForm(), pending_totp_device(request.user))

    def post(self, request):
        device = pending_totp_device(request.user)
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self.render(form, device, status=400)
        error = _code_error(device, form.cleaned_data["code"], device.verify_token)
        if error:
            form.add_error("code", error)
            return self.render(form, device, status=400)
        with transaction.atomic():
            TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()  # the replaced phone
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = new_recovery_codes(request.user)
        otp_login(request, device)
        request.two_factor_owed = None  # done: the page below shows the desk's menu again
        return render(request, "registration/recovery_codes.html", {"codes": codes, "next": _next_url(request)})

    def render(self, form, device, status=200):
        user = self.request.user
        secret = base64.b32encode(device.bin_key).decode()
        context = {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next_url(self.request),
            "required": two_factor_required(user),
            "replacing": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        }
        return render(self.request, self.template_name, context, status=status)


class TwoFactorVerifyView(LoginRequiredMixin, View):
    """The second step of signing in: a code from the authenticator app, or one of the recovery codes."""

    template_name = "registration/two_factor_verify.html"

    def get(self, request):
        if request.user.is_verified() or not user_has_device(request.user, confirmed=True):
            return redirect(_next_url(request))  # nothing to give (the middleware decides whether one must be set up)
        return render(request, self.template_name, {"form": CodeForm(), "next": _next_url(request)})

    def post(self, request):
        form = CodeForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "next": _next_url(request)}, status=400)
        user, code = request.user, form.cleaned_data["code"]
        # Six digits are the authenticator's code; anything else can only be a recovery code.
        kind = TOTPDevice if code.isdigit() else StaticDevice
        device = next((d for d in devices_for_user(user) if isinstance(d, kind)), None)
        error = _code_error(device, code, lambda c: verify_token(user, device.persistent_id, c))
        if error:
            form.add_error("code", error)
            return render(request, self.template_name, {"form": form, "next": _next_url(request)}, status=400)
        otp_login(request, device)
        if kind is StaticDevice and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            # Signed in with a recovery code after an admin removed a lost authenticator: set up the new one now.
            return redirect_to_login(_next_url(request), login_url=reverse("two_factor_setup"))
        return redirect(_next_url(request))


@login_required
@require_POST
def recovery_codes_renew(request):
    """Ten new recovery codes for a verified account with an authenticator; the old ones stop working."""
    if not request.user.is_verified() or not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("two_factor")
    codes = new_recovery_codes(request.user)
    return render(request, "registration/recovery_codes.html", {"codes": codes, "next": reverse("two_factor")})


@require_POST
def keep_alive(request):
    """Stay signed in: this request renews the session (SESSION_SAVE_EVERY_REQUEST); nothing else happens."""
    return HttpResponse(status=204 if request.user.is_authenticated else 401)
