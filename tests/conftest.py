import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from core.roles import ROLES
from core.tokens import token_issue

# API rates no ordinary test reaches; the throttle tests set tight ones themselves.
GENEROUS_RATES = {"user": "100000/min", "anon": "100000/min", "failed_auth": "100000/min"}


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _own_cache_and_generous_rates(settings):
    """Each test gets its own key prefix in the shared Redis cache (other people's runs use it too, and throttle
    counts must not carry from one test to the next), and API rates that hundreds of requests never reach."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": GENEROUS_RATES}


def reset_publisher_pools(app):
    """The app caches broker connections and producers per URL; drop them so the next publish uses the new URL."""
    from kombu import pools

    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture(autouse=True, scope="session")
def _jobs_stay_in_process():
    """Jobs queued by saves under test go to an in-process queue that nothing reads.

    Published to the shared Redis, they would wait there for whichever worker comes next (say a `make run`
    worker) and run against a different database. tests/integration points the app at a private Redis of its own.
    """
    from config.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = "memory://"
    reset_publisher_pools(app)
    yield
    app.conf.broker_url = previous
    reset_publisher_pools(app)


def make_user(role: str | None, username: str | None = None):
    """A user holding one role (``None``: an authenticated outsider with no role).

    Editors and admins must sign in with two-factor, so theirs come with an authenticator already set up.
    """
    username = username or f"{role or 'outsider'}-user"
    user = get_user_model().objects.create_user(username=username, password="pw")
    if role == "admin":
        user.is_staff = user.is_superuser = True
        user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    if role in ("editor", "admin"):
        authenticator_for(user)
    return user


def authenticator_for(user) -> TOTPDevice:
    """A confirmed TOTP device, as the two-factor set-up page leaves one (its ``key`` gives the codes)."""
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the person's authenticator app shows now (or ``steps_ahead`` 30-second steps later)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def login_verified(client, user):
    """Sign ``client`` in as ``user`` and, if the user has a device, mark the session verified as django-otp does."""
    client.force_login(user)
    device = next(iter(devices_for_user(user)), None)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def users(db):
    """One user per role, plus an outsider with none."""
    return {role: make_user(role) for role in (*ROLES, None)}


@pytest.fixture
def analyst(users):
    return users["analyst"]


@pytest.fixture
def editor(users):
    return users["editor"]


@pytest.fixture
def partner(users):
    return users["partner"]


@pytest.fixture
def client_for(client, users):
    """``client_for(role)``: a Django test client logged in as that role (``"anonymous"`` for none)."""

    def _client(role):
        client.logout()
        if role != "anonymous":
            login_verified(client, users[role])
        return client

    return _client


@pytest.fixture
def api_client_for(users):
    """``api_client_for(role)``: a DRF client authenticated with the role's token (as partners use it)."""
    keys = {}

    def _client(role):
        api = APIClient()
        if role != "anonymous":
            if role not in keys:
                keys[role] = token_issue(user=users[role])[1]
            api.credentials(HTTP_AUTHORIZATION=f"Token {keys[role]}")
        return api

    return _client


@pytest.fixture
def areas(db):
    """The gazetteer, loaded from the shared boundary files through the product's own importer."""
    from django.conf import settings

    from geo.importers import import_all

    import_all(settings.SHARED_DATA_DIR)


@pytest.fixture
def paktika(db, areas):
    """The founding story: the Paktika airstrikes with their three rival claims, as `make run` loads them."""
    from incidents.demo import load_demo

    incident, _ = load_demo()
    return incident
