"""API tokens: issued once, stored hashed, expiring, revoked at once, and dead with a password change.

django-rest-knox does the cryptography (a random 64-hex key; only its SHA-512 digest is stored) and the expiry.
Here: issuing (``token_issue``, used by the admin and ``manage.py issue_token``), the authentication class that
also records last use and counts failed attempts per address, and the revocation on a password change or
deactivation (``ready()`` in core.apps connects ``revoke_tokens_on_credential_change``).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled

from core.models import ApiToken
from core.throttling import FailedAuthThrottle

__all__ = ["LAST_USED_RESOLUTION", "ApiTokenAuthentication", "revoke_tokens_on_credential_change", "token_issue"]

# last_used is written at most this often per token: one UPDATE a minute, not one per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@transaction.atomic
def token_issue(*, user, note: str = "", replace: bool = False) -> tuple[ApiToken, str]:
    """A new token for ``user``, expiring after REST_KNOX's TOKEN_TTL. Returns the row and the key (never stored).

    ``replace`` revokes the user's tokens with the same note first (rotating one integration's key). The user's
    expired tokens are swept at the same time.
    """
    tokens = ApiToken.objects.filter(user=user)
    tokens.filter(expiry__lt=timezone.now()).delete()
    if replace:
        tokens.filter(note=note).delete()
    return ApiToken.objects.create(user=user, note=note)


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, checked against the stored digests (knox), for active users only.

    On top of knox: failed attempts are counted per address (FailedAuthThrottle), and an address that has used up
    its failures gets 429 whatever it sends, before any lookup: a guesser learns nothing more, not even from a right
    guess, and costs no query. Last use is recorded at most once a minute.
    """

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.authenticate_header(request).encode().lower():
            return None  # no token sent (a browser session, or anonymous): nothing to count
        failures = FailedAuthThrottle()
        if failures.blocked(request):
            raise Throttled(wait=failures.wait())
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            failures.allow_request(request, None)  # counts this failure
            raise

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:  # knox would let this escape as a 500
            raise AuthenticationFailed("Invalid token.") from None
        user, auth_token = super().authenticate_credentials(token)
        now = timezone.now()
        if auth_token.last_used is None or now - auth_token.last_used >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=auth_token.pk).update(last_used=now)
            auth_token.last_used = now
        return user, auth_token

    def _cleanup_token(self, auth_token) -> bool:
        """Refuse (and delete) the presented token if expired. Knox also sweeps the user's other tokens here, one
        more query on every request; ``token_issue`` sweeps them instead."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme: drf-spectacular knows knox's class, not our subclass."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"


def revoke_tokens_on_credential_change(sender, instance, update_fields=None, **kwargs):
    """pre_save on the user model: a new password hash or a deactivation deletes all the user's tokens.

    Whoever held a token must not keep access after the password that vouched for them changed (the same rule
    Django applies to sessions, which die with the hash; a hasher upgrade on login counts as a change there too).
    """
    if instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["password"] != instance.password or (before["is_active"] and not instance.is_active):
        # Deleted in the same transaction as the user's save when the caller has one; at once otherwise.
        ApiToken.objects.filter(user_id=instance.pk).delete()
