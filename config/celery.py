"""The Celery app: autodiscovered tasks, routes by name, late acks, the requeue sweep."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("incidents_tracker", task_cls="core.tasks:AuditedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.task_routes = {"geo.*": {"queue": "geo"}, "reports.*": {"queue": "reports"}}
app.conf.beat_schedule = {
    # The broker-outage guarantee lives in the data: anything still pending is re-queued.
    "requeue-pending": {"task": "core.requeue_pending", "schedule": 60.0},
    "rebuild-summaries-nightly": {"task": "reports.rebuild_summaries", "schedule": crontab(hour=2, minute=30)},
    "learn-places-nightly": {"task": "geo.learn_places", "schedule": crontab(hour=2, minute=0)},
}
