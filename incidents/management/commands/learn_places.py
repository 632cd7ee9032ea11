from django.core.management.base import BaseCommand

from core.audit import audit_context
from incidents.learning import learn_places, summary


class Command(BaseCommand):
    help = (
        "Learn the places GeoNames lacks from published, public incidents with real points (incidents.learning); "
        "the nightly worker job runs the same. Idempotent; prints one summary line."
    )

    def handle(self, *args, **options):
        with audit_context(command="learn_places"):
            self.stdout.write(summary(learn_places()))
