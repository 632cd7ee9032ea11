from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core.roles import sync_roles

        # Roles are reference data derived from code: re-synced after every migrate, idempotently.
        post_migrate.connect(sync_roles, sender=self)
