"""Runs from the presenter view are recorded at the talk only within its time, give or take the
margin an editor sets; outside it they are ordinary runs, and the presenter view says so."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from demos.models import DemoRun
from tests.demos.conftest import post
from tests.factories import make_talk, shanghai, signed_in

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


@pytest.fixture
def presenter():
    return signed_in("presenter", "Editors")


def presenter_run(client, talk, steps=39) -> DemoRun:
    url = f"/api/talks/{talk.pk}/demos/quadratic-stability/runs"
    response = post(client, url, {"steps": steps})
    assert response.status_code == 202, response.content
    return DemoRun.objects.get(public_id=response.json()["id"])


@pytest.mark.parametrize("margin", [0, 30, 720])
def test_the_window_is_the_talk_with_the_margin_either_side(series, margin):
    start = shanghai(2024, 9, 25, 16, 0)
    talk = make_talk(series, start=start, minutes=90, recording_margin=margin)
    opens, closes = start - timedelta(minutes=margin), start + timedelta(minutes=90 + margin)
    assert talk.recording_window() == (opens, closes)
    assert not talk.is_recording(opens - SECOND)
    assert talk.is_recording(opens)
    assert talk.is_recording(start + timedelta(minutes=45))
    assert talk.is_recording(closes)
    assert not talk.is_recording(closes + SECOND)


def test_the_margin_defaults_to_30_minutes_and_is_bounded(series):
    talk = make_talk(series)
    assert talk.recording_margin == 30
    talk.recording_margin = 721
    with pytest.raises(ValidationError) as error:
        talk.full_clean()
    assert "recording_margin" in error.value.message_dict
    talk.recording_margin = 720
    talk.full_clean()


def test_a_talk_without_times_records_nothing(series):
    talk = make_talk(series)
    talk.start = talk.end = None
    assert talk.recording_window() is None and not talk.is_recording()


def test_during_the_talk_the_presenters_runs_are_its_record(series, presenter):
    talk = make_talk(series, start=timezone.now() - timedelta(minutes=10))
    run = presenter_run(presenter, talk)
    assert run.recorded_at_talk and run.talk_id == talk.pk
    assert list(DemoRun.objects.recorded_at(talk)) == [run]
    page = presenter.get(talk.url + "present/").content.decode()
    assert "Every run made here is recorded at the talk" in page
    assert "not recorded at the talk" not in page


def test_within_the_margin_before_the_talk_runs_are_recorded(series, presenter):
    talk = make_talk(series, start=timezone.now() + timedelta(minutes=20), recording_margin=25)
    assert presenter_run(presenter, talk).recorded_at_talk


def test_outside_the_window_a_presenter_run_is_an_ordinary_run(series, presenter):
    start = timezone.now() + timedelta(days=7)
    talk = make_talk(series, start=start, minutes=60, recording_margin=15)
    run = presenter_run(presenter, talk)
    assert not run.recorded_at_talk
    assert not DemoRun.objects.recorded_at(talk).exists()
    # The same parameters from a visitor are the same shared run.
    visitor = post(Client(), "/api/demos/quadratic-stability/runs", {"steps": 39})
    assert visitor.json()["id"] == run.public_id

    page = presenter.get(talk.url + "present/").content.decode()
    assert "Every run made here is recorded" not in page
    opens = (start - timedelta(minutes=15)).astimezone(talk.zone)
    closes = (start + timedelta(minutes=75)).astimezone(talk.zone)
    assert (
        "Presenter view, outside the talk's time: runs made here now are ordinary runs,"
        " not recorded at the talk. Recording is on from"
        f" {opens:%-d %b %Y, %H:%M} to {closes:%-d %b %Y, %H:%M} (Asia/Shanghai, UTC+8)."
    ) in " ".join(page.split())
    # ... and the talk's page lists no run as made at the talk.
    assert "Demos run at the talk" not in Client().get(talk.url).content.decode()
