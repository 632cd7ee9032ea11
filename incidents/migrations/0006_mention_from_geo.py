"""``Mention`` comes over from ``geo`` (issue #10), with its tables, rows and history: no data is copied.

The model is created in the state only, on the tables it always had (``geo_mention``, ``geo_mentionevent``); the
history triggers ``geo/0008`` dropped are installed again under the names pgtrigger gives them in this app; the
content types (and so the permissions and admin log entries that point at them) are renamed, not recreated.
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

MOVED = ("mention", "mentionevent")


def _content_types(apps, schema_editor, source: str, target: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
    taken = set(content_types.filter(app_label=target, model__in=MOVED).values_list("model", flat=True))
    content_types.filter(app_label=source, model__in=set(MOVED) - taken).update(app_label=target)


def content_types_forward(apps, schema_editor):
    _content_types(apps, schema_editor, "geo", "incidents")


def content_types_backward(apps, schema_editor):
    _content_types(apps, schema_editor, "incidents", "geo")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('geo', '0008_mention_moves_to_incidents'),
        ('incidents', '0005_contested_per_audience'),
        ('pghistory', '0007_auto_20250421_0444'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Mention',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created', models.DateTimeField(auto_now_add=True)),
                        ('updated', models.DateTimeField(auto_now=True)),
                        ('field', models.CharField(help_text='Which text of the incident: title, description, place_text.', max_length=32)),
                        ('start', models.PositiveIntegerField()),
                        ('end', models.PositiveIntegerField()),
                        ('text', models.CharField(max_length=300)),
                        ('method', models.CharField(choices=[('exact', 'Exact name'), ('alias', 'Alias'), ('fuzzy', 'Fuzzy'), ('point', 'Point in polygon'), ('manual', 'Set by a person')], max_length=16)),
                        ('score', models.FloatField()),
                        ('status', models.CharField(choices=[('suggested', 'Suggested'), ('confirmed', 'Confirmed'), ('rejected', 'Rejected')], default='suggested', max_length=16)),
                        ('area', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.area')),
                        ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='mentions', to='incidents.incident')),
                        ('place', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='geo.place')),
                    ],
                    options={
                        'db_table': 'geo_mention',
                        'ordering': ('incident', 'field', 'start'),
                    },
                ),
                migrations.CreateModel(
                    name='MentionEvent',
                    fields=[
                        ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                        ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                        ('pgh_label', models.TextField(help_text='The event label.')),
                        ('id', models.BigIntegerField()),
                        ('created', models.DateTimeField(auto_now_add=True)),
                        ('updated', models.DateTimeField(auto_now=True)),
                        ('field', models.CharField(help_text='Which text of the incident: title, description, place_text.', max_length=32)),
                        ('start', models.PositiveIntegerField()),
                        ('end', models.PositiveIntegerField()),
                        ('text', models.CharField(max_length=300)),
                        ('method', models.CharField(choices=[('exact', 'Exact name'), ('alias', 'Alias'), ('fuzzy', 'Fuzzy'), ('point', 'Point in polygon'), ('manual', 'Set by a person')], max_length=16)),
                        ('score', models.FloatField()),
                        ('status', models.CharField(choices=[('suggested', 'Suggested'), ('confirmed', 'Confirmed'), ('rejected', 'Rejected')], default='suggested', max_length=16)),
                        ('area', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='geo.area')),
                        ('incident', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='incidents.incident')),
                        ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                        ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='incidents.mention')),
                        ('place', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='geo.place')),
                    ],
                    options={
                        'db_table': 'geo_mentionevent',
                        'abstract': False,
                    },
                ),
                migrations.AddConstraint(
                    model_name='mention',
                    constraint=models.CheckConstraint(condition=models.Q(('end__gt', models.F('start'))), name='geo_mention_span_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='mention',
                    constraint=models.CheckConstraint(condition=models.Q(('score__gte', 0), ('score__lte', 1)), name='geo_mention_score_unit'),
                ),
                migrations.AddConstraint(
                    model_name='mention',
                    constraint=models.CheckConstraint(condition=models.Q(('area__isnull', False), ('place__isnull', False), _connector='OR'), name='geo_mention_resolves_to_something'),
                ),
                migrations.AddConstraint(
                    model_name='mention',
                    constraint=models.UniqueConstraint(fields=('incident', 'field', 'start', 'end', 'area'), name='geo_mention_unique_span_area'),
                ),
            ],
            database_operations=[],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='mention',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "geo_mentionevent" ("area_id", "created", "end", "field", "id", "incident_id", "method", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "place_id", "score", "start", "status", "text", "updated") VALUES (NEW."area_id", NEW."created", NEW."end", NEW."field", NEW."id", NEW."incident_id", NEW."method", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."place_id", NEW."score", NEW."start", NEW."status", NEW."text", NEW."updated"); RETURN NULL;', hash='d8da38db9e5adac470f8cdc962d5595d5bc9cd67', operation='INSERT', pgid='pgtrigger_insert_insert_e856d', table='geo_mention', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='mention',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "geo_mentionevent" ("area_id", "created", "end", "field", "id", "incident_id", "method", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "place_id", "score", "start", "status", "text", "updated") VALUES (NEW."area_id", NEW."created", NEW."end", NEW."field", NEW."id", NEW."incident_id", NEW."method", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."place_id", NEW."score", NEW."start", NEW."status", NEW."text", NEW."updated"); RETURN NULL;', hash='3b2b80bd666fda1a42e1243736b74371aeedef0a', operation='UPDATE', pgid='pgtrigger_update_update_b1369', table='geo_mention', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='mentionevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='a7c1c98e66534cf71a597b629685980480b8dd7a', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_e057e', table='geo_mentionevent', when='BEFORE')),
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
