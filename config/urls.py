from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from config.api import router
from core import views as account_views

# Importing each app's api.urls registers its viewsets on the shared router.
import actors.api.urls  # noqa: F401, E402  isort: skip
import geo.api.urls  # noqa: F401, E402  isort: skip
import incidents.api.urls  # noqa: F401, E402  isort: skip
import reports.api.urls  # noqa: F401, E402  isort: skip

PUBLIC = {"permission_classes": [AllowAny]}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", account_views.TwoFactorStatusView.as_view(), name="two_factor"),
    path("accounts/two-factor/setup/", account_views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("accounts/two-factor/verify/", account_views.TwoFactorVerifyView.as_view(), name="two_factor_verify"),
    path("accounts/two-factor/recovery-codes/", account_views.recovery_codes_renew, name="two_factor_recovery_codes"),
    path("accounts/keep-alive/", account_views.keep_alive, name="keep_alive"),
    path("api/", include((router.urls, "api"), namespace="api")),
    # The schema and its docs describe the API, hold no records, and are what a partner reads first: public.
    path("api/schema/", SpectacularAPIView.as_view(**PUBLIC), name="schema"),
    # Both pages' inline start-up carries the CSP nonce (templates/api/). Redoc writes its styles inline (no nonce
    # can reach them) and runs its search in a worker it builds from a blob, so its page alone allows both; scripts
    # stay nonce-only.
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", template_name="api/swagger_ui.html", **PUBLIC),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        csp_replace({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html", **PUBLIC)
        ),
        name="api-redoc",
    ),
    path("", include("incidents.urls")),
]
