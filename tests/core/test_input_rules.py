"""The input rules every model applies in ``full_clean()`` (core.models.InputRulesMixin), whoever writes."""

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone
from pghistory.models import Event

from core.models import InputRulesMixin
from incidents import services
from tests.factories import ActorFactory, AreaFactory, IncidentFactory, SourceFactory


@pytest.mark.parametrize("app_label", ["actors", "geo", "incidents"])
def test_every_model_people_write_applies_the_input_rules(app_label):
    models = [m for m in apps.get_app_config(app_label).get_models() if not issubclass(m, Event)]
    assert models
    assert [m.__name__ for m in models if not issubclass(m, InputRulesMixin)] == []


def _refused(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


@pytest.mark.django_db
def test_the_services_refuse_what_the_pages_and_the_api_refuse(editor):
    incident = IncidentFactory()
    source = SourceFactory()
    base = {"kind": "ied", "start_date": dt.date(2025, 1, 1)}
    create = services.incident_create
    assert "title" in _refused(lambda: create(author=editor, data={**base, "title": "\x01"}))
    assert "start_date" in _refused(
        lambda: create(author=editor, data={**base, "title": "x", "start_date": dt.date(6674, 1, 1)})
    )
    assert "published_on" in _refused(
        lambda: services.source_add(author=editor, data={"publisher": "Dawn", "published_on": dt.date(151, 1, 1)})
    )
    claim = {"claimant": ActorFactory(), "source": source, "claimed_on": dt.date(2025, 1, 2)}
    assert "labels" in _refused(
        lambda: services.claim_add(author=editor, incident=incident, data={**claim, "labels": [{"label": "a\x00"}]})
    )
    assert "quote" in _refused(
        lambda: services.claim_add(author=editor, incident=incident, data={**claim, "quote": "said\x00"})
    )
    data = {"grade": "fair", "rationale": "\u200b"}
    assert "rationale" in _refused(
        lambda: services.assessment_record(editor=editor, incident=incident, data=data, claims=[])
    )


@pytest.mark.django_db
def test_multi_line_text_keeps_line_breaks_and_tabs_and_every_script(editor):
    source = services.source_add(
        author=editor, data={"publisher": "پژواک", "content": "لومړی\r\n\tدوهم", "published_on": dt.date(1901, 5, 1)}
    )
    assert source.content == "لومړی\r\n\tدوهم"


@pytest.mark.django_db
def test_an_area_may_be_valid_from_a_day_to_come_but_not_before_1900():
    area = AreaFactory(valid_from=timezone.localdate() + dt.timedelta(days=90))
    area.full_clean()
    area.valid_from = dt.date(1850, 1, 1)
    assert "valid_from" in _refused(area.full_clean)
