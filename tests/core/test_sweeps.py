"""The sweep registry (core.sweeps): core knows no app; each app registers the sweep of its own pending work."""

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from core import sweeps
from incidents.tasks import requeue_geocoding
from reports.tasks import requeue_stale_cells


def test_each_app_registers_its_sweep_once_in_the_order_the_apps_are_installed():
    assert sweeps._sweeps == [requeue_geocoding, requeue_stale_cells]
    apps.get_app_config("incidents").ready()  # made ready again (a test runner, a reloaded worker): still once
    assert sweeps._sweeps == [requeue_geocoding, requeue_stale_cells]


@pytest.mark.django_db
def test_the_sweep_says_what_each_app_did_in_one_line():
    assert sweeps.run(timezone.now() - dt.timedelta(minutes=5)) == "requeued 0 geocoding jobs; summary cells clean"
