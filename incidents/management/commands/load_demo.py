from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_context
from incidents.demo import DEMO_ACCOUNTS, load_demo


class Command(BaseCommand):
    help = "Load the demo accounts, actors and the Paktika airstrikes with their rival claims. Idempotent."

    def handle(self, *args, **options):
        try:
            with audit_context(command="load_demo"):
                incident, created = load_demo()
        except FileNotFoundError as exc:
            raise CommandError(f"Nothing loaded: {exc}") from exc
        accounts = ", ".join(f"{name}/{password}" for name, (_, password) in DEMO_ACCOUNTS.items())
        verb = "loaded" if created else "already present"
        self.stdout.write(f"demo {verb}: incident {incident.pk} with {incident.claims.count()} claims; {accounts}")
