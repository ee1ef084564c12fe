"""axe-core finds no violation on the pages that carry demos, at desktop and phone widths."""

import pytest
from django.core.management import call_command

from demos.runs import request_run
from talks.management.commands.seed_demo_content import FIRST_TALK_SLUG
from talks.models import TalkPage
from tests.demos.conftest import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def violations(browser, axe, url: str, width: int, height: int) -> list:
    # axe is injected as a script: only a context that ignores the site's CSP may do that.
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    # Judge the page as a visitor meets it: with its charts (and their toolbars) drawn, and
    # with what a visitor opens: the controls and the data tables.
    for chart in page.locator(".demo-chart:not([hidden]), .demo-replay, .demo-static-chart").all():
        chart.scroll_into_view_if_needed()  # charts are drawn as they come near the viewport
        chart.locator(".main-svg").first.wait_for(timeout=30_000)
    page.evaluate(
        "document.querySelectorAll('.demo-controls-box, .demo-data:not([hidden])')"
        ".forEach(box => { box.open = true; })"
    )
    page.wait_for_timeout(100)
    found = axe(page)
    context.close()
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_talk_run_and_listing_pages_have_no_violations(browser, live_server, axe, width):
    call_command("seed_demo_content", verbosity=0)
    run_worker()
    talk = TalkPage.objects.get(slug=FIRST_TALK_SLUG, locale__language_code="en")
    run = talk.demo_runs.first()
    # A visitor's run of the same demo, to compare with the talk's.
    params = run.demo.params.model_validate({**run.params, "seed": run.params.get("seed", 0) + 1})
    other, _ = request_run(run.demo, params, limited=False)
    run_worker()
    speaker = talk.speakers[0]
    for path in (
        "/",
        "/talks/",
        talk.url,
        run.get_absolute_url(),
        f"/speakers/{speaker.slug}/",
        "/search/?q=gradient",  # results: talk cards under the page's heading
        "/search/?q=nothing-matches-this",
        f"/runs/compare/?runs={run.public_id},{other.public_id}",
        "/runs/compare/?runs=nothing",  # the refusal
    ):
        assert violations(browser, axe, live_server.url + path, *WIDTHS[width]) == [], path
    # The page a damaged run gets instead of a 500.
    damaged = talk.demo_runs.exclude(pk=run.pk).first()
    type(damaged).objects.filter(pk=damaged.pk).update(demo_slug="removed-demo")
    path = damaged.get_absolute_url()
    assert violations(browser, axe, live_server.url + path, *WIDTHS[width]) == [], path
