"""The JSON API: schemas, and every class of bad input answered with a 4xx naming the field."""

import json
import threading

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from demos.models import DemoRun
from demos.registry import DEMOS
from tests.conftest import require
from tests.demos.conftest import post, run_worker
from tests.factories import make_talk

pytestmark = pytest.mark.django_db

RUNS = "/api/demos/quadratic-stability/runs"


def test_demos_are_listed_with_their_schema_and_defaults(client):
    response = client.get("/api/demos")
    assert response.status_code == 200
    listed = {item["slug"]: item for item in response.json()}
    assert set(listed) == set(DEMOS)
    for slug, demo in DEMOS.items():
        assert listed[slug]["params_schema"] == demo.params.model_json_schema()
        demo.params.model_validate_json(json.dumps(listed[slug]["defaults"]))
        assert listed[slug]["runs_url"] == f"/api/demos/{slug}/runs"


def test_openapi_spec_and_docs_are_served(client):
    spec = client.get("/api/openapi.json").json()
    assert {"/api/demos", "/api/demos/{slug}/runs", "/api/runs/{public_id}"} <= set(spec["paths"])
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()


def test_a_run_is_created_at_once_then_polled_to_its_figure(client, generous_limits):
    created = post(client, RUNS, {"step_size": 0.15})
    assert created.status_code == 202
    body = created.json()
    assert body["status"] == "queued" and body["created"] is True
    assert body["url"] == f"/api/runs/{body['id']}" and body["permalink"] == f"/runs/{body['id']}/"
    waiting = client.get(body["url"]).json()
    assert waiting["status"] == "queued" and waiting["result"] is None
    run_worker()
    done = client.get(body["url"]).json()
    assert done["status"] == "done" and done["progress"] == 1.0
    assert done["params"]["step_size"] == 0.15 and done["params"]["steps"] == 40  # filled in
    assert done["figure"]["data"] and done["result"]["threshold"] == pytest.approx(0.2)
    again = post(client, RUNS, {"step_size": 0.15, "steps": 40})
    assert again.status_code == 200 and again.json()["id"] == body["id"]


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"step_size": 50}, 422, "step_size"),
        ({"step_size": -1}, 422, "step_size"),
        ({"steps": "40"}, 422, "steps"),
        ({"steps": 4.5}, 422, "steps"),
        ({"stepz": 1}, 422, "stepz"),
        ({"steps": None}, 422, "steps"),
        ([1, 2], 422, "body"),
        ("null", 422, "body"),
        (b"{not json", 400, "body"),
        (b'{"steps": NaN}', 422, "steps"),
        (b"\xff\xfe", 400, "body"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(client, body, status, field):
    response = post(client, RUNS, body)
    assert response.status_code == status
    assert field in {item["field"] for item in response.json()["detail"]}
    assert not DemoRun.objects.exists()


def test_a_run_over_the_cost_budget_names_the_field_to_lower(client):
    response = post(
        client,
        "/api/demos/edge-of-stability/runs",
        {"steps": 10_000, "examples": 1740, "hidden_width": 128},
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["field"] == "steps" and error["type"] == "cost_budget"


def test_unknown_things_are_404(client):
    assert client.get("/api/demos/nope/runs").status_code in (404, 405)
    response = post(client, "/api/demos/nope/runs", {})
    assert response.status_code == 404 and "quadratic-stability" in response.json()["detail"]
    assert client.get("/api/runs/12345").status_code == 404
    assert client.get(f"/api/runs/{2**70}").status_code == 404
    assert client.get("/api/runs/abc", follow=True).status_code == 404
    assert client.get("/runs/99999/").status_code == 404


def test_oversized_bodies_and_bad_query_values(client):
    assert post(client, RUNS, b"{" + b" " * 20_000 + b"}").status_code == 413
    response = post(client, RUNS + "?talk=abc", {})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "talk"
    assert post(client, RUNS + f"?talk={2**70}", {}).status_code == 404
    assert post(client, RUNS + "?talk=424242", {}).status_code == 404


def test_rate_limit_and_queue_limit_answer_with_retry_after(client, settings):
    settings.DEMO_RATE_LIMIT, settings.DEMO_QUEUE_LIMIT = 1, 100
    assert post(client, RUNS, {"steps": 20}).status_code == 202
    limited = post(client, RUNS, {"steps": 21})
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    assert "detail" in limited.json()
    assert post(client, RUNS, {"steps": 20}).status_code == 200  # stored runs always served
    settings.DEMO_RATE_LIMIT, settings.DEMO_QUEUE_LIMIT = 100, 1
    full = post(client, RUNS, {"steps": 22}, REMOTE_ADDR="10.0.0.9")
    assert full.status_code == 503 and int(full["Retry-After"]) > 0


def test_only_the_talks_editors_record_runs_at_it(series, generous_limits):
    talk = make_talk(series, start=timezone.now())  # recorded only during the talk
    # The public route never records at a talk, whatever the query says.
    public = post(Client(), f"{RUNS}?talk={talk.pk}&live=true", {"steps": 39})
    assert public.status_code == 202
    assert not DemoRun.objects.get(public_id=public.json()["id"]).recorded_at_talk
    url = f"/api/talks/{talk.pk}/demos/quadratic-stability/runs"
    assert post(Client(), url, {}).status_code == 401
    visitor = Client()
    visitor.force_login(User.objects.create_user("visitor", "v@example.org", "pw"))
    refused = post(visitor, url, {})
    assert refused.status_code == 403 and "editors" in refused.json()["detail"]
    assert post(Client(), "/api/talks/424242/demos/quadratic-stability/runs", {}).status_code == 401
    editor = User.objects.create_user("editor", "e@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Moderators"))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    assert post(browser, url, {}).status_code == 403  # no CSRF token
    browser.get(talk.url + "present/")
    token = browser.cookies["csrftoken"].value
    recorded = post(browser, url, {}, HTTP_X_CSRFTOKEN=token)
    assert recorded.status_code == 202
    run = DemoRun.objects.get(public_id=recorded.json()["id"])
    assert run.recorded_at_talk and run.talk_id == talk.pk


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
param_names = st.sampled_from(
    sorted({name for demo in DEMOS.values() for name in demo.params.model_fields})
)


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    slug=st.sampled_from([*DEMOS, "nope"]),
    body=st.dictionaries(param_names, json_values, max_size=4)
    | json_values
    | st.binary(max_size=40),
)
def test_no_request_body_produces_a_server_error(client, settings, slug, body):
    settings.DEMO_RATE_LIMIT = settings.DEMO_QUEUE_LIMIT = settings.DEMO_CLIENT_RUN_LIMIT = 10_000
    data = body if isinstance(body, bytes) else json.dumps(body)
    response = client.post(f"/api/demos/{slug}/runs", data=data, content_type="application/json")
    assert response.status_code in {200, 202, 400, 404, 413, 422}
    detail = response.json()["detail"] if response.status_code >= 400 else None
    if response.status_code in {400, 422}:
        assert all(item["field"] and item["message"] for item in detail)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_identical_requests_make_one_run(generous_limits):
    require(connection.vendor == "postgresql", "concurrent writers need PostgreSQL")
    barrier = threading.Barrier(20)
    answers = []

    def ask():
        barrier.wait()
        try:
            answers.append(post(Client(), RUNS, {"step_size": 0.123}).json()["id"])
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 20 and len(set(answers)) == 1
    assert DemoRun.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path="demos.tasks.run_demo").count() == 1
