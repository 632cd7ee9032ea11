from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_context
from core.tasks import requeue_pending


class Command(BaseCommand):
    help = (
        "Re-queue the work still pending past the deadline: each app's sweep (core.sweeps: geocoding jobs, summary "
        "recomputes), what beat runs every minute. Idempotent: the jobs themselves are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=settings.PENDING_WORK_DEADLINE_SECONDS, metavar="SECONDS",
            help="Only work marked at least this long ago (default: PENDING_WORK_DEADLINE_SECONDS).",
        )  # fmt: skip

    def handle(self, *args, older_than: int, **options):
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more seconds.")
        with audit_context(command="requeue_pending"):
            summary = requeue_pending(deadline_seconds=older_than)
        self.stdout.write(summary)
