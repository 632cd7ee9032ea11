"""The one settings module. Every deployment difference is an environment variable."""

import datetime as dt
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(BASE_DIR / ".env")

# ---- Core ----
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-not-secret" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "core",
    "actors",
    "geo",
    "incidents",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After auth: every write made while serving a request is attributed to its user and URL.
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# ---- Database: PostgreSQL + PostGIS, the only engine ----
DATABASES = {"default": env.db("DATABASE_URL", default="postgis:///incidents")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---- Auth ----
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "incidents:incident_list"
LOGOUT_REDIRECT_URL = "login"
# Password validators, two-factor and session lifetime: see "Security" at the end.

# ---- Internationalisation: names come in Latin, Pashto, Dari and Urdu script ----
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# ---- Static files: ours in static/, Leaflet from django-leaflet, served by whitenoise ----
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

# ---- Cache and Celery: Redis ----
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/1")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True  # a job killed half-way is redelivered; jobs are idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_DEFAULT_QUEUE = "default"
# A broker that is down must not hang a save for long: on_commit(robust=True) logs and moves on.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Reconnect once, quickly, when publishing; the requeue sweep covers whatever still fails.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    # A broker that accepts connections but never answers (paused, half-open) would block a publish forever.
    "socket_connect_timeout": 2,
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=2.0),
    # An unacknowledged job (its worker was killed) goes back on the queue after this long. Must exceed the
    # longest job (CELERY_TASK_TIME_LIMIT) and any retry countdown, or a running job would be handed out twice.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # How often a worker looks for such jobs (one cheap Redis query each time).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=30),
    "unacked_restore_throttle": 1,
}
# Celery's own publish retries on top of the transport's: one, immediately.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A job running when the broker blips keeps running (Celery 5's default, pinned): if its ack is lost it is redelivered,
# and jobs are idempotent.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Rows whose *_requested timestamp is older than this are re-queued by the sweep.
PENDING_WORK_DEADLINE_SECONDS = env.int("PENDING_WORK_DEADLINE_SECONDS", default=120)

# ---- API ----
# Authentication (tokens) and throttling: see "Tokens and brute-force protection" below.
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's own two, the browsable one allowing its inline styles under the CSP (core/renderers.py).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "core.renderers.BrowsableAPIRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cross-border incident tracker API",
    "DESCRIPTION": "Published, public incidents with every rival casualty claim kept as its own sourced row.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Three models have a "kind" with different choices: name each enum after its choices class.
    "ENUM_NAME_OVERRIDES": {
        "IncidentKindEnum": "incidents.choices.IncidentKind",
        "SourceKindEnum": "incidents.choices.SourceKind",
        "ActorKindEnum": "actors.choices.ActorKind",
    },
}

# ---- Tokens and brute-force protection ----
# API tokens (core.tokens, django-rest-knox): only a SHA-512 digest is stored, the key is shown once, it expires,
# and a password change or deactivation revokes all the user's tokens.
INSTALLED_APPS += ["knox", "axes"]
KNOX_TOKEN_MODEL = "core.ApiToken"
# knox's migrations create a table for its default model even when swapped out; it would be an unused table whose
# foreign key to auth_user stops TRUNCATE (test flushes). Its only model is swapped, so it needs none.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": dt.timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=90)), "AUTH_HEADER_PREFIX": "Token"}
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "core.tokens.ApiTokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]
# API throttles on the Redis cache (core.throttling): 429 with Retry-After. Failed token attempts count per address.
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["core.throttling.UserThrottle", "core.throttling.AnonThrottle"]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "user": env("API_THROTTLE_USER", default="120/min"),
    "anon": env("API_THROTTLE_ANON", default="30/min"),
    "failed_auth": env("API_THROTTLE_FAILED_AUTH", default="20/hour"),
}
# Proxies in front of the app that append to X-Forwarded-For. 0: the socket's address, which a client cannot forge.
REST_FRAMEWORK["NUM_PROXIES"] = env.int("DJANGO_NUM_PROXIES", default=0)
# Logins (desk and admin): locked per (username, address) after repeated failures, for a cool-off (django-axes).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out pair is refused before any password is checked
    "django.contrib.auth.backends.ModelBackend",
]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # turns a lockout into core.throttling's page
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.throttling.login_lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.throttling.client_address"
AXES_VERBOSE = False  # no banner on every manage.py command; failures and lockouts are still logged

# ---- Map ----
LEAFLET_CONFIG = {
    # The Pakistan-Afghanistan border region.
    "DEFAULT_CENTER": (33.0, 69.0),
    "DEFAULT_ZOOM": 6,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 18,
    "SPATIAL_EXTENT": (60.0, 23.0, 78.0, 38.5),
    "RESET_VIEW": False,
    "TILES": [
        (
            "OpenStreetMap",
            env("MAP_TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            {"attribution": "&copy; OpenStreetMap contributors", "maxZoom": 18},
        )
    ],
}

# ---- Data shipped beside the project for imports and benchmarks ----
SHARED_DATA_DIR = Path(env("SHARED_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data")))
SEED_DIR = Path(env("SEED_DIR", default=str(BASE_DIR.parent / "shared" / "seed")))

SILENCED_SYSTEM_CHECKS = ["gis.W001"]  # Debian 12 ships GDAL 3.6; we open no untrusted SRS files by URL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# ---- Audit: PostgreSQL triggers (django-pghistory) so that no write escapes, whoever makes it ----
PGHISTORY_APPEND_ONLY = True
PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# ---- Security (issue #9, findings 9 and 10): two-factor, idle sessions, passwords, CSP, HTTPS ----
# Kept in one block so that other security work merges beside it.
from urllib.parse import urlsplit  # noqa: E402

from csp.constants import NONCE, NONE, SELF  # noqa: E402

INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static", "csp"]
_AUTH_MIDDLEWARE = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
MIDDLEWARE[_AUTH_MIDDLEWARE + 1 : _AUTH_MIDDLEWARE + 1] = [
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): a second factor was given this session
    "core.twofactor.TwoFactorMiddleware",  # the one rule: who must give it, and where they are sent until they do
]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
TEMPLATES[0]["OPTIONS"]["context_processors"].append("core.twofactor.session_timeout")

# Two-factor (django-otp): an authenticator app's TOTP codes, plus ten one-use recovery codes.
OTP_TOTP_ISSUER = "Incident tracker"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # an admin removes a lost device; nobody reads another person's secret

# A desk session ends after an idle hour: every request renews it; static/js/session_timeout.js warns 5 minutes
# before and offers to stay signed in.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_IDLE_SECONDS", default=3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_TIMEOUT_WARNING_SECONDS = 300

# Not the username, not short, not common, not all digits ("analyst1" for user "analyst" fails three of them).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# HTTPS. A server (DEBUG off) is HTTPS-only unless told otherwise; a developer's `make run` (DEBUG on) is plain http.
HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
# Trust X-Forwarded-Proto only when a TLS proxy is the sole way in and sets it (docker-compose.yml: gunicorn's port
# is published on the host's loopback only, for the host's proxy).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_TLS_PROXY", default=False) else None


def _origin(url: str) -> str:
    """The map tiles' origin for img-src; Leaflet's {s} subdomain becomes a wildcard, a local path is 'self'."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}" if parts.netloc else SELF


# Content-Security-Policy (django-csp): our own scripts, and inline ones only with this response's nonce
# (django-leaflet's map set-up, the API docs' start-up script). The API's Redoc page adds what it needs itself
# (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", *{_origin(url) for _, url, _ in LEAFLET_CONFIG["TILES"]}],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
