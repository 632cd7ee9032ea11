from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_context
from core.tokens import token_issue


class Command(BaseCommand):
    help = "Issue an API token for a user and print it. The key is shown this once: only its digest is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--note", default="", help="What the token is for, e.g. 'Acme nightly sync'.")
        parser.add_argument("--replace", action="store_true", help="Revoke the user's tokens with the same note.")

    def handle(self, *args, username, note, replace, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username} is deactivated: a token would be refused.")
        with audit_context(command="issue_token"):
            token, key = token_issue(user=user, note=note, replace=replace)
        expires = token.expiry.date().isoformat() if token.expiry else "never"
        self.stdout.write(f"API token for {username} (expires {expires}; shown once, keep it safe): {key}")
