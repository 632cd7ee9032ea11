"""``Mention`` (a place named in an incident's text) moves to ``incidents`` (issue #10): state only.

The tables ``geo_mention`` and ``geo_mentionevent`` stay where they are with every row; ``incidents`` takes the
model over in ``incidents/0006_mention_from_geo``. Only the history triggers are dropped here: pgtrigger names a
trigger after its model's app, so ``incidents/0006`` installs them again under their new names, in the same
``migrate`` run.
"""

import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('geo', '0007_place_blocked_history'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name='mention', name='insert_insert'),
        pgtrigger.migrations.RemoveTrigger(model_name='mention', name='update_update'),
        pgtrigger.migrations.RemoveTrigger(model_name='mentionevent', name='append_only'),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name='mentionevent', name='pgh_obj'),
                migrations.RemoveField(model_name='mentionevent', name='area'),
                migrations.RemoveField(model_name='mentionevent', name='incident'),
                migrations.RemoveField(model_name='mentionevent', name='pgh_context'),
                migrations.RemoveField(model_name='mentionevent', name='place'),
                migrations.DeleteModel(name='Mention'),
                migrations.DeleteModel(name='MentionEvent'),
            ],
            database_operations=[],
        ),
    ]
