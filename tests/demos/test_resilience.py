"""Faults degrade, never fail for good; no visitor can take the demos from the talk.

In-process halves of the chaos suite (tests/demos/test_chaos.py drives real worker processes):
fair limits, pre-emption, database errors, lost tasks, restricted talks, malformed rows, and
requests that only our own pages can make.
"""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from wagtail.models import PageViewRestriction

from demos import tasks
from demos.models import (
    DEFAULT_RUN_PRIORITY,
    PRESENTER_PRIORITY,
    PUBLIC_ID_LENGTH,
    DemoRun,
    WorkerBeat,
)
from demos.registry import get_demo
from demos.runs import NO_WORKER_NOTICE, RateLimited, recover_lost_runs, request_run
from demos.worker import housekeeping, mark_orphaned_tasks, prune
from tests.conftest import require
from tests.demos.conftest import post, run_worker
from tests.factories import make_site, make_talk

pytestmark = pytest.mark.django_db

QUADRATIC = get_demo("quadratic-stability")
RUNS = "/api/demos/quadratic-stability/runs"


def quadratic(**values):
    return QUADRATIC.params.model_validate(values)


# --- 1. one client cannot take the demos away from everyone ------------------------------------


def test_two_addresses_cannot_starve_a_third(client, settings):
    settings.DEMO_RATE_LIMIT, settings.DEMO_QUEUE_LIMIT, settings.DEMO_CLIENT_RUN_LIMIT = 100, 5, 2
    for n, address in enumerate(("10.0.0.1", "10.0.0.2")):
        answers = [
            post(client, RUNS, {"steps": 20 + 10 * n + i}, REMOTE_ADDR=address).status_code
            for i in range(10)
        ]
        assert answers.count(202) == 2 and set(answers[2:]) == {429}
    third = post(client, RUNS, {"steps": 99}, REMOTE_ADDR="10.0.0.3")
    assert third.status_code == 202
    refused = post(client, RUNS, {"steps": 50}, REMOTE_ADDR="10.0.0.1")
    assert "waiting or running" in refused.json()["detail"] and int(refused["Retry-After"]) > 0


def test_a_clients_share_frees_up_when_its_runs_finish(settings):
    settings.DEMO_RATE_LIMIT, settings.DEMO_CLIENT_RUN_LIMIT = 100, 1
    request_run(QUADRATIC, quadratic(steps=20), client="a")
    with pytest.raises(RateLimited):
        request_run(QUADRATIC, quadratic(steps=21), client="a")
    run_worker()
    assert request_run(QUADRATIC, quadratic(steps=21), client="a")[1] is True


def test_talk_runs_are_never_refused_by_visitors_limits(series, settings):
    settings.DEMO_QUEUE_LIMIT = 1
    request_run(QUADRATIC, quadratic(steps=20), client="a")
    talk = make_talk(series)
    run, created = request_run(
        QUADRATIC, quadratic(steps=21), talk=talk, recorded_at_talk=True, limited=False
    )
    assert created and run.priority == PRESENTER_PRIORITY


def test_a_visitors_waiting_run_that_a_talk_needs_moves_up(series, generous_limits):
    run, _ = request_run(QUADRATIC, quadratic(steps=40), client="a")
    assert DBTaskResult.objects.get().priority == 0
    again, created = request_run(
        QUADRATIC, quadratic(steps=40), limited=False, priority=DEFAULT_RUN_PRIORITY
    )
    assert again.pk == run.pk and not created
    assert DBTaskResult.objects.get().priority == DEFAULT_RUN_PRIORITY


def test_a_visitors_run_steps_aside_for_a_waiting_presenter_run(series, settings, generous_limits):
    settings.DEMO_PREEMPT_GRACE = 0
    visitor, _ = request_run(QUADRATIC, quadratic(steps=50), client="a")
    DemoRun.objects.filter(pk=visitor.pk).update(status=DemoRun.Status.RUNNING, attempts=1)
    visitor.refresh_from_db()
    reporter = tasks.RunReporter(visitor)
    reporter(0.1, None)  # nothing more urgent waits: it goes on
    talk = make_talk(series)
    presenter, _ = request_run(QUADRATIC, quadratic(steps=51), talk=talk, recorded_at_talk=True)
    with pytest.raises(tasks.Preempted):
        tasks.RunReporter(visitor)(0.2, None)
    # A presenter's own run is never pre-empted by a default run or a visitor's.
    DemoRun.objects.filter(pk=presenter.pk).update(status=DemoRun.Status.RUNNING, attempts=1)
    presenter.refresh_from_db()
    tasks.RunReporter(presenter)(0.1, None)


def test_a_preempted_run_goes_back_in_line_and_finishes_after(series, settings, generous_limits):
    settings.DEMO_PREEMPT_GRACE = 0
    visitor, _ = request_run(QUADRATIC, quadratic(steps=60), client="a")
    order = []
    real_run = QUADRATIC.compute.run

    def first_the_presenter_arrives(params, progress=None):
        order.append(params.steps)
        if params.steps == 60 and len(order) == 1:
            talk = make_talk(series)
            request_run(QUADRATIC, quadratic(steps=61), talk=talk, recorded_at_talk=True)
        return real_run(params, progress)

    with mock.patch.object(QUADRATIC.compute, "run", first_the_presenter_arrives):
        run_worker()
    assert order == [60, 61, 60]  # the visitor's run stepped aside, then ran again
    visitor.refresh_from_db()
    assert visitor.status == DemoRun.Status.DONE and visitor.attempts == 1


# --- 2. infrastructure faults leave runs retryable ---------------------------------------------


def test_a_database_error_while_reporting_progress_does_not_fail_the_run(
    generous_limits, monkeypatch
):
    monkeypatch.setattr(tasks, "PROGRESS_INTERVAL", 0.0)
    original = tasks.RunReporter._write
    failures = iter([True, True, False])

    def locked_at_first(self, **fields):
        if "heartbeat_at" in fields and next(failures, False):
            raise OperationalError("database is locked")
        original(self, **fields)

    monkeypatch.setattr(tasks.RunReporter, "_write", locked_at_first)
    run, _ = request_run(QUADRATIC, quadratic(steps=70))
    run_worker()
    run.refresh_from_db()
    assert run.status == DemoRun.Status.DONE


def test_a_run_stalled_by_the_host_stays_retryable(generous_limits, settings):
    settings.DEMO_RUN_WALL_LIMIT = 0
    run, _ = request_run(QUADRATIC, quadratic(steps=71))
    run_worker()
    run.refresh_from_db()
    assert run.status == DemoRun.Status.FAILED and run.failure == "infrastructure"
    again, created = request_run(QUADRATIC, quadratic(steps=71))
    assert again.pk == run.pk and created and again.status == DemoRun.Status.QUEUED


def test_a_run_whose_task_failed_before_claiming_it_is_queued_again(generous_limits):
    run, _ = request_run(QUADRATIC, quadratic(steps=72))
    DBTaskResult.objects.update(status="FAILED")  # e.g. the claim hit a locked database
    assert recover_lost_runs() == 1
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_worker()
    run.refresh_from_db()
    assert run.status == DemoRun.Status.DONE


def test_the_api_answers_a_busy_database_with_a_json_503(client):
    with mock.patch("demos.api.request_run", side_effect=OperationalError("database is locked")):
        response = post(client, RUNS, {"steps": 73})
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("application/json")
    assert "busy" in response.json()["detail"]


def test_an_unexpected_error_is_a_json_500_without_a_traceback(client):
    with mock.patch("demos.api.request_run", side_effect=RuntimeError("secret internals")):
        response = post(client, RUNS, {"steps": 74})
    assert response.status_code == 500
    body = response.json()["detail"]
    assert "secret" not in body and "Traceback" not in body


@pytest.mark.parametrize("debug", [True, False])
def test_a_3_mb_body_is_a_json_413(client, settings, debug):
    settings.DEBUG = debug
    response = post(client, RUNS, b'{"steps": 20' + b" " * 3_000_000 + b"}")
    assert response.status_code == 413 and "bytes" in response.json()["detail"]
    form = client.post(RUNS, data={"x": "y" * 3_000_000})
    assert form.status_code in (413, 415) and form.json()["detail"]


# --- 9. lost workers and queued runs without one -----------------------------------------------


def test_a_waiting_run_says_when_no_worker_is_alive(client, generous_limits, settings, caplog):
    run, _ = request_run(QUADRATIC, quadratic(steps=75))
    url = f"/api/runs/{run.public_id}"
    assert client.get(url).json()["notice"] == ""  # just queued: nothing to say yet
    long_ago = timezone.now() - timedelta(seconds=settings.DEMO_WORKER_SILENT_AFTER + 5)
    DemoRun.objects.filter(pk=run.pk).update(queued_at=long_ago)
    assert client.get(url).json()["notice"] == NO_WORKER_NOTICE
    assert client.get(url).json()["notice"] == NO_WORKER_NOTICE  # polled again
    alerts = [r for r in caplog.records if "no worker is alive" in r.getMessage()]
    assert len(alerts) == 1  # the maintainers are alerted once, not at every poll
    WorkerBeat.objects.create(worker_id="w1", beat_at=timezone.now())
    assert client.get(url).json()["notice"] == ""  # a worker is there: it will come


def test_task_rows_of_a_silent_worker_are_marked_and_pruned(generous_limits, settings):
    request_run(QUADRATIC, quadratic(steps=76))
    long_ago = timezone.now() - timedelta(seconds=settings.DEMO_WORKER_SILENT_AFTER + 5)
    WorkerBeat.objects.create(worker_id="dead", beat_at=long_ago)
    WorkerBeat.objects.create(worker_id="alive", beat_at=timezone.now())
    DBTaskResult.objects.update(status="RUNNING", started_at=long_ago, worker_ids=["dead"])
    request_run(QUADRATIC, quadratic(steps=77))
    DBTaskResult.objects.filter(status="READY").update(
        status="RUNNING", started_at=long_ago, worker_ids=["alive"]
    )
    assert mark_orphaned_tasks() == 1
    assert DBTaskResult.objects.filter(status="FAILED", worker_ids=["dead"]).count() == 1
    assert prune(now=timezone.now() + timedelta(days=settings.DEMO_TASK_RESULTS_KEPT_DAYS + 1))
    assert not DBTaskResult.objects.filter(worker_ids=["dead"]).exists()
    assert DBTaskResult.objects.filter(worker_ids=["alive"]).exists()  # still running


# --- 4. restricted talks stay restricted -------------------------------------------------------


def test_visitors_runs_name_only_live_public_talks(client, series, generous_limits):
    draft = make_talk(series, publish=False)
    protected = make_talk(series, title="Protected")
    PageViewRestriction.objects.create(
        page=protected, restriction_type=PageViewRestriction.PASSWORD, password="pw"
    )
    missing = post(client, f"{RUNS}?talk=987654", {"steps": 80})
    for talk in (draft, protected):
        answer = post(client, f"{RUNS}?talk={talk.pk}", {"steps": 80})
        assert answer.status_code == 404
        assert answer.json()["detail"].replace(str(talk.pk), "X") == missing.json()[
            "detail"
        ].replace("987654", "X")


def test_a_run_linked_to_a_restricted_talk_does_not_reveal_it(client, series, generous_limits):
    talk = make_talk(series, title="Secret seminar")
    run, _ = request_run(QUADRATIC, quadratic(steps=81), talk=talk)
    PageViewRestriction.objects.create(
        page=talk, restriction_type=PageViewRestriction.PASSWORD, password="pw"
    )
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Secret seminar" not in page and talk.url not in page
    assert client.get(run.api_url()).json()["talk"] is None


def test_runs_recorded_at_a_restricted_talk_are_for_those_who_may_see_it(series, generous_limits):
    talk = make_talk(series, title="Closed workshop")
    run, _ = request_run(QUADRATIC, quadratic(steps=82), talk=talk, recorded_at_talk=True)
    run_worker()
    PageViewRestriction.objects.create(
        page=talk, restriction_type=PageViewRestriction.LOGIN, password=""
    )
    visitor = Client()
    assert visitor.get(run.get_absolute_url()).status_code == 404
    assert visitor.get(run.api_url()).status_code == 404
    member = Client()
    member.force_login(User.objects.create_user("member", "m@example.org", "pw"))
    assert member.get(run.get_absolute_url()).status_code == 200
    assert member.get(run.api_url()).json()["status"] == "done"
    editor = User.objects.create_user("editor", "e@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Moderators"))
    talk.unpublish()
    staff = Client()
    staff.force_login(editor)
    assert staff.get(run.get_absolute_url()).status_code == 200  # editors see their drafts'
    assert member.get(run.get_absolute_url()).status_code == 404


def test_run_ids_in_public_urls_are_random_not_sequential(client, generous_limits):
    first, _ = request_run(QUADRATIC, quadratic(steps=83))
    second, _ = request_run(QUADRATIC, quadratic(steps=84))
    assert len(first.public_id) == len(second.public_id) == PUBLIC_ID_LENGTH
    assert first.public_id != second.public_id
    assert first.get_absolute_url() == f"/runs/{first.public_id}/"
    assert client.get(f"/runs/{first.pk}/").status_code == 404
    assert client.get(f"/api/runs/{first.pk}").status_code == 404
    assert client.get(first.get_absolute_url()).status_code == 200


# --- 5. malformed stored rows degrade ----------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        {"demo_slug": "removed-demo"},
        {"params": ["not", "a", "mapping"]},
        {"params": "a string"},
        {"figure": "not a figure"},
        {"versions": [1, 2]},
        {"progress": float("nan")},
        {"progress": float("inf")},
    ],
)
def test_a_malformed_run_is_shown_as_such_never_a_500(client, generous_limits, damage):
    if damage.get("progress") != damage.get("progress"):
        require(connection.vendor == "postgresql", "SQLite stores NaN as NULL")
    run, _ = request_run(QUADRATIC, quadratic(steps=85))
    DemoRun.objects.filter(pk=run.pk).update(**damage)
    page = client.get(run.get_absolute_url())
    assert page.status_code in (200, 410)
    if page.status_code == 410:
        assert "cannot be shown" in page.content.decode()
    api = client.get(run.api_url())
    assert api.status_code in (200, 410) and api["Content-Type"].startswith("application/json")
    json.loads(api.content)  # valid JSON, NaN and infinity included


# --- 6. only JSON, only from our own pages -----------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_bodies_that_are_not_json_are_415(client, content_type):
    response = post(client, RUNS, '{"steps": 90}', content_type=content_type)
    assert response.status_code == 415 and "application/json" in response.json()["detail"]
    assert not DemoRun.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://sub.testserver"},
    ],
)
def test_cross_site_requests_cannot_queue_runs(client, headers):
    response = post(client, RUNS, {"steps": 91}, **headers)
    assert response.status_code == 403 and not DemoRun.objects.exists()


def test_our_own_pages_and_api_clients_can(client, generous_limits):
    own = {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"}
    assert post(client, RUNS, {"steps": 92}, **own).status_code == 202
    assert post(client, RUNS, {"steps": 93}).status_code == 202  # curl sends neither header


def test_a_body_in_another_charset_is_415(client):
    body = '{"steps": 94}'.encode("utf-16")
    response = client.generic("POST", RUNS, body, "application/json; charset=utf-16")
    assert response.status_code == 415 and not DemoRun.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", RUNS),  # ninja's own 405
        ("get", "/api/runs/abc/"),  # no slash redirect to an HTML page
        ("get", "/api/runs/-1"),
        ("post", "/api/talks//demos/implicit-bias/runs"),
        ("put", "/api/runs/"),  # no CSRF page either
        ("get", "/api/nothing-here"),
    ],
)
def test_every_answer_under_api_is_json(client, method, path):
    response = getattr(client, method)(path)
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_a_run_queued_while_lost_runs_are_looked_for_is_not_one_of_them():
    # The lookup reads queued runs and waiting tasks separately; a run and its task committed
    # between the two reads must not look lost (it would get a second task).
    arrived: list[DemoRun] = []
    first_read = True

    def queue_after_first_read(execute, sql, params, many, context):
        nonlocal first_read
        result = execute(sql, params, many, context)
        if first_read:
            first_read = False  # before queueing, whose own queries come through here too
            arrived.append(request_run(QUADRATIC, QUADRATIC.params(steps=17))[0])
        return result

    with connection.execute_wrapper(queue_after_first_read):
        lost = DemoRun.objects.lost_in_queue()
    assert arrived[0].status == DemoRun.Status.QUEUED
    assert arrived[0] not in lost
    assert DBTaskResult.objects.count() == 1


def test_a_talk_scheduled_for_publication_goes_live_with_the_workers_housekeeping(client):
    # No cron job under `make run`: the demo worker publishes what has come due.
    talk = make_talk(make_site(), publish=False, title="Scheduled")
    talk.go_live_at = timezone.now() - timedelta(minutes=1)
    talk.save_revision(approved_go_live_at=talk.go_live_at)
    assert client.get(talk.url).status_code == 404
    housekeeping("test-worker")
    assert client.get(talk.url).status_code == 200  # and visitors' copies know it at once
