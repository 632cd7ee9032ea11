from django.core.management.base import BaseCommand

from core.audit import audit_context
from reports import summaries


class Command(BaseCommand):
    help = "Rebuild every summary cell from the records, in this process (the nightly job). Idempotent."

    def handle(self, *args, **options):
        with audit_context(command="rebuild_summaries"):
            count = summaries.rebuild_all()
        self.stdout.write(f"rebuilt {count} summary cells")
