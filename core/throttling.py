"""Brute-force protection: API rates per user and per address (DRF throttles on the Redis cache), failed token
attempts per address, and the page a locked-out login gets (django-axes does the counting).

Rates are ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (environment variables, config/settings.py). A refused call
gets 429 with ``Retry-After``.
"""

from django.conf import settings
from django.shortcuts import render
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle, UserRateThrottle

__all__ = ["AnonThrottle", "FailedAuthThrottle", "UserThrottle", "client_address", "login_lockout_response"]


class _RatesFromSettings:
    """DRF copies the rates into the class at import; read them per request so that a settings change applies."""

    @property
    def THROTTLE_RATES(self):  # noqa: N802  (the name DRF reads)
        return api_settings.DEFAULT_THROTTLE_RATES


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    """Calls per authenticated user (all their tokens and their session together); anonymous calls per address."""


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    """Calls per address from anonymous callers (the schema and docs are public)."""


class FailedAuthThrottle(_RatesFromSettings, SimpleRateThrottle):
    """Failed token authentications per address. DRF's throttles run after authentication, so a wrong token's 401
    would never reach them: core.tokens.ApiTokenAuthentication counts failures here itself."""

    scope = "failed_auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def blocked(self, request) -> bool:
        """Whether this address has used up its failures, without counting one."""
        if self.rate is None:
            return False
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests


def client_address(request) -> str:
    """The caller's address as DRF's throttles see it: REMOTE_ADDR, or X-Forwarded-For behind NUM_PROXIES proxies.
    Axes uses it too, so logins and the API agree on who is calling and a client cannot choose its address."""
    return BaseThrottle().get_ident(request)


def login_lockout_response(request, original_response=None, credentials=None):
    """Axes' answer to a locked-out (username, address): a page saying why and for how long, 429."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(request, "registration/locked_out.html", {"minutes": max(1, round(seconds / 60))}, status=429)
    response["Retry-After"] = str(seconds)
    return response
