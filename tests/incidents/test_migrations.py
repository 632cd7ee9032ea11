"""Moving ``Mention`` from ``geo`` to ``incidents`` (issue #10) keeps every row, its history and its permissions.

A database as it stood before the move (``geo/0007``, ``incidents/0005``) is given a mention with two history rows
and a user holding the old ``geo.change_mention`` permission; migrating forward must leave all of it readable
through the new models, with the history triggers installed once (one new event per write, not two).
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("geo", "0007_place_blocked_history"), ("incidents", "0005_contested_per_audience")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # what is applied now
    return executor


def _latest() -> list:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before_the_move(transactional_db, django_user_model):
    latest = _latest()
    executor = _migrate(BEFORE)
    try:
        yield executor.loader.project_state(BEFORE).apps
    finally:
        _migrate(latest)  # whatever happened, later tests get the current schema back


def test_an_old_database_migrates_with_every_mention_its_history_and_its_permissions(
    before_the_move, django_user_model
):
    old = before_the_move
    area = old.get_model("geo", "Area").objects.create(
        level="country", name="Afghanistan", code="AF-TEST", country_code="AF", centroid=Point(66, 34, srid=4326)
    )
    incident = old.get_model("incidents", "Incident").objects.create(
        title="Airstrikes on Barmal", kind="airstrike", start_date=dt.date(2024, 12, 24)
    )
    OldMention = old.get_model("geo", "Mention")
    mention = OldMention.objects.create(
        incident_id=incident.pk, field="title", start=0, end=7, text="Barmal", area_id=area.pk, method="exact",
        score=0.9,
    )  # fmt: skip
    OldMention.objects.filter(pk=mention.pk).update(status="confirmed")  # a second history row, by the trigger
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pgh_id, pgh_label FROM geo_mentionevent WHERE pgh_obj_id = %s ORDER BY pgh_id", [mention.pk]
        )
        events_before = cursor.fetchall()
    assert [label for _, label in events_before] == ["insert", "update"]
    content_type = ContentType.objects.get(app_label="geo", model="mention")
    permission = Permission.objects.get(content_type=content_type, codename="change_mention")
    analyst = django_user_model.objects.create_user("mover")
    analyst.user_permissions.add(permission)

    _migrate(_latest())

    from django.apps import apps

    from incidents.models import Mention

    MentionEvent = apps.get_model("incidents", "MentionEvent")
    moved = Mention.objects.get(pk=mention.pk)
    assert (moved.incident_id, moved.text, moved.area_id, moved.status) == (incident.pk, "Barmal", area.pk, "confirmed")
    assert [(e.pgh_id, e.pgh_label) for e in moved.events.order_by("pgh_id")] == events_before
    assert ContentType.objects.get_for_model(Mention).pk == content_type.pk  # renamed, not recreated
    analyst = django_user_model.objects.get(pk=analyst.pk)  # a fresh permission cache
    assert analyst.has_perm("incidents.change_mention")

    # The history triggers run once per write under their new names, and the old ones are gone.
    Mention.objects.filter(pk=mention.pk).update(status="rejected")
    created = Mention.objects.create(
        incident_id=incident.pk, field="title", start=8, end=12, text="town", area_id=area.pk, method="fuzzy", score=0.5
    )
    assert list(moved.events.order_by("pgh_id").values_list("pgh_label", flat=True)) == ["insert", "update", "update"]
    assert list(created.events.values_list("pgh_label", flat=True)) == ["insert"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ('geo_mention'::regclass,"
            " 'geo_mentionevent'::regclass) ORDER BY tgname"
        )
        triggers = [name for (name,) in cursor.fetchall()]
    expected = {trigger.get_pgid(model) for model in (Mention, MentionEvent) for trigger in model._meta.triggers}
    assert (len(triggers), set(triggers)) == (3, expected)
