from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    """PostGIS first, so a fresh database needs no manual step."""

    initial = True
    dependencies = []
    operations = [CreateExtension("postgis")]
