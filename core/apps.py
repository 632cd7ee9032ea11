from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate, pre_save


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core.roles import sync_roles
        from core.tokens import revoke_tokens_on_credential_change

        # Roles are reference data derived from code: re-synced after every migrate, idempotently.
        post_migrate.connect(sync_roles, sender=self)
        # A password change or deactivation revokes the user's API tokens, whichever path saves the user.
        pre_save.connect(revoke_tokens_on_credential_change, sender=settings.AUTH_USER_MODEL)
