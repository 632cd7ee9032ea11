from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_context
from geo.importers import BoundaryFileError, import_all


class Command(BaseCommand):
    help = "Load the Afghan and Pakistani boundary files into the gazetteer. Idempotent; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=settings.SHARED_DATA_DIR,
                            help="Folder holding the boundary files (default: SHARED_DATA_DIR).")  # fmt: skip

    def handle(self, *args, data_dir: Path, **options):
        if not data_dir.is_dir():
            raise CommandError(f"No data folder at {data_dir}: set SHARED_DATA_DIR or pass --data-dir.")
        try:
            with audit_context(command="import_areas"):
                stats = import_all(data_dir)
        except BoundaryFileError as exc:
            raise CommandError(f"Nothing imported: {exc}") from exc
        self.stdout.write(str(stats))
