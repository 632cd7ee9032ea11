"""API throttles on the real Redis cache: per user, per address for anonymous callers and for failed tokens.

tests/conftest.py gives every test its own cache key prefix and rates no test reaches; each test here sets the
rates it exercises.
"""

import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

import config.settings as shipped
from core.tokens import token_issue

pytestmark = pytest.mark.django_db

URL = "/api/actors/"


@pytest.fixture
def rates(settings):
    def _set(**rates):
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**current, **rates}}

    return _set


def _client(key: str | None = None, address: str = "203.0.113.7", **headers) -> APIClient:
    client = APIClient(REMOTE_ADDR=address, **headers)
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _retry_after(response) -> int:
    assert response.status_code == 429
    return int(response["Retry-After"])


def test_a_burst_of_300_calls_with_one_token_is_throttled_at_the_shipped_rate(settings, partner):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **{"DEFAULT_THROTTLE_RATES": shipped.REST_FRAMEWORK[
        "DEFAULT_THROTTLE_RATES"]}}  # fmt: skip
    client = _client(token_issue(user=partner)[1])
    statuses = [client.get(URL).status_code for _ in range(300)]
    allowed = int(shipped.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"].split("/")[0])
    assert allowed < 300
    assert statuses == [200] * allowed + [429] * (300 - allowed)
    assert 0 < _retry_after(client.get(URL)) <= 60


def test_the_limit_is_per_user_so_another_partner_is_served(rates, users):
    rates(user="5/min")
    first, second = _client(token_issue(user=users["partner"])[1]), _client(token_issue(user=users["analyst"])[1])
    assert [first.get(URL).status_code for _ in range(6)] == [200] * 5 + [429]
    assert second.get(URL).status_code == 200


def test_two_hundred_random_tokens_from_one_address_are_throttled(rates, partner):
    rates(failed_auth="20/hour")
    statuses = [_client(secrets.token_hex(32)).get(URL).status_code for _ in range(200)]
    assert statuses == [401] * 20 + [429] * 180
    assert 3000 < _retry_after(_client(secrets.token_hex(32)).get(URL)) <= 3600
    # A right guess from the blocked address tells the guesser nothing either, and costs no query.
    key = token_issue(user=partner)[1]
    with CaptureQueriesContext(connection) as queries:
        assert _client(key).get(URL).status_code == 429
    assert not [q for q in queries.captured_queries if "core_apitoken" in q["sql"]]
    # The partner calling from their own address is unaffected.
    assert _client(key, address="198.51.100.20").get(URL).status_code == 200


def test_a_forged_forwarded_for_header_does_not_reset_the_count(rates):
    rates(failed_auth="3/hour")
    statuses = [
        _client(secrets.token_hex(32), HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").get(URL).status_code for n in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]


def test_anonymous_calls_are_throttled_per_address(rates):
    rates(anon="3/min")
    schema = "/api/schema/"
    assert [_client().get(schema).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _client(address="198.51.100.20").get(schema).status_code == 200


def test_throttle_counts_live_in_the_shared_redis_cache(settings, partner):
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    client = _client(token_issue(user=partner)[1])
    for _ in range(3):
        client.get(URL)
    assert len(cache.get(f"throttle_user_{partner.pk}")) == 3
