"""The one DRF router; each app's api/urls.py registers its viewsets here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
