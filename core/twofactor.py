"""Two-factor authentication for browser sessions: who must use it, and the one middleware that enforces it.

The rule: a session whose user has a confirmed device is not signed in until it has given a code from it (TOTP or a
recovery code); editors and admins without a device are sent to set one up first. Until then such a session reaches
nothing but the login, logout and two-factor pages: not a desk page, not the admin, not the API through its cookie.
Requests authenticated by an API token carry no session and are not concerned (partners use tokens).
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import JsonResponse
from django.urls import reverse
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

__all__ = [
    "RECOVERY_CODE_COUNT",
    "TwoFactorMiddleware",
    "new_recovery_codes",
    "pending_totp_device",
    "session_timeout",
    "two_factor_required",
]

RECOVERY_CODE_COUNT = 10
# Paths a session that still owes its second factor may reach (besides these, it is sent to give it).
OPEN_URL_NAMES = ("login", "logout", "two_factor_setup", "two_factor_verify")
REFUSALS = {
    "two_factor_verify": "Give the code from your two-factor authenticator app first.",
    "two_factor_setup": "Set up two-factor authentication first.",
}


def two_factor_required(user) -> bool:
    """Editors and admins: they publish, retract, read restricted material and manage accounts and tokens."""
    return (
        user.is_staff
        or user.is_superuser
        or user.has_perm("incidents.publish_incident")
        or user.has_perm("auth.change_user")
    )


def pending_totp_device(user) -> TOTPDevice:
    """The authenticator being set up (unconfirmed), kept across reloads so the QR code a phone scanned stays valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Ten new one-use recovery codes; the earlier ones stop working. Shown once, stored as django-otp keeps them."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware: a signed-in session that owes a second factor is sent to give it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def __call__(self, request):
        # Which step the session owes, if any; base.html hides the desk's menu meanwhile.
        request.two_factor_owed = owed = self.owed(request.user)
        if owed and request.path_info not in self.open_paths():
            return self.refuse(request, owed)
        return self.get_response(request)

    @staticmethod
    def owed(user) -> str | None:
        """``"two_factor_verify"``, ``"two_factor_setup"``, or None when this session may go anywhere its role may."""
        if not user.is_authenticated or user.is_verified():
            return None
        if user_has_device(user, confirmed=True):
            return "two_factor_verify"
        return "two_factor_setup" if two_factor_required(user) else None

    def open_paths(self) -> set[str]:
        if self._open_paths is None:
            self._open_paths = {reverse(name) for name in OPEN_URL_NAMES}
        return self._open_paths

    @staticmethod
    def refuse(request, owed: str):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": REFUSALS[owed]}, status=403)
        return redirect_to_login(request.get_full_path(), login_url=reverse(owed))


def session_timeout(request) -> dict:
    """Template context: how long an idle session lives and when the page warns (static/js/session_timeout.js)."""
    return {
        "SESSION_IDLE_SECONDS": settings.SESSION_COOKIE_AGE,
        "SESSION_WARNING_SECONDS": settings.SESSION_TIMEOUT_WARNING_SECONDS,
    }
