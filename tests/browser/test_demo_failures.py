"""The demo widget when things go wrong: a vanished run, a dead network, no worker, a busy server,
bad parameters; and the presenter's runs, which go through the editor's session.

No worker runs in these tests, so the run that publishing queues stays queued; failures of the
API are simulated with Playwright's routes. The widgets get short timings (data attributes that
demos.js reads) so that each path takes a second, not a minute.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from demos.blocks import demo_block
from demos.models import DemoRun
from demos.registry import get_demo
from tests.factories import make_site, make_talk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUADRATIC = get_demo("quadratic-stability")
RUN_URL = re.compile(r"/api/runs/[\w-]+$")
RUNS_URL = re.compile(r"/api/(talks/\d+/)?demos/[\w-]+/runs(\?.*)?$")
QUIET_MS = 600  # long enough for a dozen polls at the short timings below


@pytest.fixture
def talk():
    """A published talk with one demo whose default run is queued (and stays so: no worker)."""
    # Under way now: the presenter's runs are recorded only within the talk's time.
    talk = make_talk(make_site(), publish=False, title="Stability, failing", start=timezone.now())
    params = QUADRATIC.params().model_dump(mode="json")
    talk.body = [
        (
            "demo_quadratic_stability",
            demo_block(QUADRATIC).to_python({"caption": "", "params": params}),
        )
    ]
    talk.save_revision().publish()
    assert DemoRun.objects.get().status == DemoRun.Status.QUEUED
    return talk


def open_with_timings(page, url, **timings):
    """Opens `url` with each demo widget given `timings` as data attributes (poll_ms=50, ...)."""
    attributes = " ".join(
        f'data-{name.replace("_", "-")}="{value}"' for name, value in timings.items()
    )

    def shorten(route):
        response = route.fetch()
        html = response.text().replace('<figure class="demo', f'<figure {attributes} class="demo')
        route.fulfill(response=response, body=html)

    page.route(url, shorten)
    page.goto(url)


def requests_to(page, pattern):
    return [url for url in page.requests if pattern.search(url)]


def test_a_run_that_no_longer_exists_stops_the_widget(page, live_server, talk):
    run = DemoRun.objects.get()
    page.route(
        RUN_URL,
        lambda route: route.fulfill(status=404, json={"detail": f"No run with id {run.pk}."}),
    )
    open_with_timings(page, live_server.url + talk.url, poll_ms=50, retry_ms=20)
    expect(page.locator(".demo-message")).to_have_text("This run no longer exists.")
    expect(page.locator(".demo-placeholder")).to_have_text("No chart to show.")
    page.wait_for_timeout(QUIET_MS)
    assert requests_to(page, RUN_URL) == [live_server.url + run.api_url()]  # asked once
    expect(page.locator(".demo-progress")).to_be_hidden()
    expect(page.locator(".demo")).not_to_have_class(re.compile(r"\bis-busy\b"))


def network_down(route):
    route.abort("internetdisconnected")


def bad_gateway(route):
    route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")


@pytest.mark.parametrize(
    ("failure", "trouble"),
    [
        (network_down, "Lost contact with the server"),
        (bad_gateway, "The server is having trouble"),
    ],
    ids=["network-down", "bad-gateway"],
)
def test_failing_polls_are_given_up_on_and_run_works_again(
    page, live_server, talk, failure, trouble
):
    page.route(RUN_URL, failure)
    open_with_timings(
        page, live_server.url + talk.url, poll_ms=50, retry_ms=20, retry_max_ms=40, give_up_after=3
    )
    message = page.locator(".demo-message")
    expect(message).to_have_text(f"{trouble}: gave up after 3 tries. Press Run to try again.")
    page.wait_for_timeout(QUIET_MS)
    assert len(requests_to(page, RUN_URL)) == 3
    expect(page.locator(".demo-progress")).to_be_hidden()

    page.unroute(RUN_URL)  # the server is back
    run = page.locator(".demo-controls button[type=submit]")
    expect(run).to_be_visible()  # the widget opened the controls to offer it
    run.click()
    expect(message).to_have_text("Waiting for a worker…")
    assert len(requests_to(page, RUNS_URL)) == 1  # the Run button asked the server again
    assert len(requests_to(page, RUN_URL)) > 3  # and the widget follows the run once more
    # The browser logs each failed request; nothing else goes wrong.
    assert all(re.search("ERR_INTERNET_DISCONNECTED|502", e) for e in page.console_errors)


def test_a_run_no_worker_picks_up_stops_being_polled(page, live_server, talk):
    open_with_timings(page, live_server.url + talk.url, poll_ms=50, queued_limit_ms=1000)
    message = page.locator(".demo-message")
    expect(message).to_contain_text("No worker is taking runs right now")
    expect(page.locator(".demo-placeholder")).to_have_text("No chart to show yet.")
    polls = len(requests_to(page, RUN_URL))
    assert 2 <= polls <= 1000 / 50 + 2  # it did poll the real API, a bounded number of times
    page.wait_for_timeout(QUIET_MS)
    assert len(requests_to(page, RUN_URL)) == polls
    expect(page.locator(".demo-progress")).to_be_hidden()
    assert page.console_errors == []


def test_bad_parameters_are_named_beside_their_fields(page, live_server, talk):
    page.goto(live_server.url + talk.url)
    page.locator(".demo-controls-box summary").click()
    page.locator('.demo-field[data-name="step_size"] input[type=number]').fill("0")
    page.locator(".demo-controls button[type=submit]").click()
    expect(page.locator(".demo-message")).to_have_text("Check the parameters marked below.")
    error = page.locator('.demo-field[data-name="step_size"] .demo-field-error')
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator(".demo-field-error:visible")).to_have_count(1)
    # Marked for screen readers, and the visitor is taken to it.
    box = page.locator('.demo-field[data-name="step_size"] input[type=number]')
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_be_focused()
    expect(page.locator("[aria-invalid]")).to_have_count(2)  # its slider and its box
    # Fixed and run again, the mark goes.
    box.fill("0.1")
    page.locator(".demo-controls button[type=submit]").click()
    expect(page.locator("[aria-invalid]")).to_have_count(0)


def test_a_busy_server_holds_the_run_button_for_as_long_as_it_asks(page, live_server, talk):
    detail = (
        "At most 10 new runs per 60 s from one address; runs already computed are always available."
    )
    page.route(
        RUNS_URL,
        lambda route: route.fulfill(
            status=429, headers={"Retry-After": "2"}, json={"detail": detail}
        ),
    )
    page.goto(live_server.url + talk.url)
    page.locator(".demo-controls-box summary").click()
    run = page.locator(".demo-controls button[type=submit]")
    run.click()
    message = page.locator(".demo-message")
    expect(message).to_have_text(f"{detail} You can try again in 2 s.")
    expect(run).to_be_disabled()
    # A change to the controls in the meantime asks nobody.
    page.locator('.demo-field[data-name="steps"] input[type=number]').fill("50")
    page.locator('.demo-field[data-name="steps"] input[type=number]').dispatch_event("change")
    expect(message).to_contain_text("Please wait", timeout=2_000)
    assert len(requests_to(page, RUNS_URL)) == 1
    expect(run).to_be_enabled(timeout=4_000)
    expect(message).to_have_text("You can run it again now.")


def test_the_presenters_run_is_recorded_and_listed(page, live_server, talk):
    # A transactional test flushes the groups that migrations made: the editor is a superuser.
    editor = User.objects.create_superuser("ed", "ed@example.org", "pw")
    client = Client()
    client.force_login(editor)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(live_server.url + talk.url + "present/")
    expect(page.locator("#recorded-list")).to_have_text("No runs yet.")

    created = {}

    def record(route):
        response = route.fetch()
        created.update(response.json())
        route.fulfill(response=response)

    def finished(route):
        # No worker here: the recorded run stays queued, so its answer is made to read "done".
        if not created or not route.request.url.endswith(created["url"]):
            route.continue_()
            return
        route.fulfill(
            json={
                "id": created["id"],
                "demo": QUADRATIC.slug,
                "status": "done",
                "progress": 1.0,
                "figure": {"data": [{"type": "scatter", "x": [0, 1, 2], "y": [3, 1, 2]}]},
                "error": "",
                "seconds": 0.25,
                "url": created["url"],
                "permalink": created["permalink"],
            }
        )

    page.route(RUNS_URL, record)
    page.route(RUN_URL, finished)
    page.locator('.demo-field[data-name="steps"] input[type=number]').fill("77")
    page.locator(".demo-controls button[type=submit]").click()
    recorded = page.locator("#recorded-list li")
    expect(recorded).not_to_have_text(["No runs yet."])
    run = DemoRun.objects.get(recorded_at_talk=True)  # the POST passed the CSRF check
    assert run.talk_id == talk.pk and run.params["steps"] == 77
    expect(recorded).to_have_text([f"{QUADRATIC.title}, run {run.public_id}"])
    expect(recorded.locator("a")).to_have_attribute("href", run.get_absolute_url())
    expect(page.locator(".demo-permalink a").first).to_have_attribute(
        "href", run.get_absolute_url()
    )
    expect(page.locator(".demo-permalink")).to_contain_text(
        f"This chart: run {run.public_id} · computed in 0.25 s"
    )
    # Wagtail's userbar (shown to editors) logs its accessibility checks as errors: not ours.
    assert [error for error in page.console_errors if not error.startswith("axe.run")] == []


def test_a_chart_library_that_does_not_load_is_said_plainly(page, live_server, talk):
    # plotly.js loads when the first chart comes near the viewport; blocked, the widget says so.
    page.route(re.compile(r"/plotly[^/]*\.js$"), lambda route: route.abort())
    run = DemoRun.objects.get()
    DemoRun.objects.filter(pk=run.pk).update(
        status=DemoRun.Status.DONE, progress=1.0, figure={"data": [], "layout": {}}
    )
    page.goto(live_server.url + talk.url)
    page.locator(".demo").scroll_into_view_if_needed()
    expect(page.locator(".demo-message")).to_have_text(re.compile("chart library did not load"))
