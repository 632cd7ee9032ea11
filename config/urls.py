from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from config.api import router

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
    path("api/", include((router.urls, "api"), namespace="api")),
    # The schema and its docs describe the API, hold no records, and are what a partner reads first: public.
    path("api/schema/", SpectacularAPIView.as_view(**PUBLIC), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema", **PUBLIC), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", **PUBLIC), name="api-redoc"),
    path("", include("incidents.urls")),
]
