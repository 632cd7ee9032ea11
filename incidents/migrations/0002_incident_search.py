"""Trigram indexes for the ``q`` search of IncidentFilterSet (any script: Latin, Pashto, Dari, Urdu).

The filter runs ``UPPER(col::text) LIKE UPPER('%…%')`` (Django's ``icontains``); a GIN trigram index on that
very expression lets PostgreSQL answer it without reading every row. Raw SQL, not ``Meta.indexes``, because
the expression index belongs to the search, and the model's state stays unchanged (makemigrations --check).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

COLUMNS = ("title", "description", "place_text")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [
        TrigramExtension(),
        *(
            migrations.RunSQL(
                f'CREATE INDEX IF NOT EXISTS "incidents_{column}_trgm" ON "incidents_incident" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)',
                f'DROP INDEX IF EXISTS "incidents_{column}_trgm"',
            )
            for column in COLUMNS
        ),
    ]
