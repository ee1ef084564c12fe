"""axe-core finds no violation on the pages that carry demos, at desktop and phone widths."""

from pathlib import Path

import pytest
from django.core.management import call_command

from talks.management.commands.seed_demo_content import FIRST_TALK_SLUG
from talks.models import TalkPage
from tests.conftest import require
from tests.demos.conftest import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def violations(browser, url: str, width: int, height: int) -> list:
    # axe is injected as a script: only a context that ignores the site's CSP may do that.
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    # Judge the page as a visitor meets it: with its charts (and their toolbars) drawn.
    for chart in page.locator(".demo-chart, .demo-replay").all():
        chart.scroll_into_view_if_needed()  # charts are drawn as they come near the viewport
        chart.locator(".main-svg").first.wait_for(timeout=30_000)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run()).violations.map(v => [v.id, v.impact, v.nodes.length])"
    )
    context.close()
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_talk_run_and_listing_pages_have_no_violations(browser, live_server, width):
    require(AXE.exists(), "axe-core not installed (make setup installs it from npm)")
    call_command("seed_demo_content", verbosity=0)
    run_worker()
    talk = TalkPage.objects.get(slug=FIRST_TALK_SLUG)
    run = talk.demo_runs.first()
    speaker = talk.speakers[0]
    for path in (
        "/",
        "/talks/",
        talk.url,
        run.get_absolute_url(),
        f"/speakers/{speaker.slug}/",
        "/search/?q=gradient",  # results: talk cards under the page's heading
        "/search/?q=nothing-matches-this",
    ):
        assert violations(browser, live_server.url + path, *WIDTHS[width]) == [], path
    # The page a damaged run gets instead of a 500.
    damaged = talk.demo_runs.exclude(pk=run.pk).first()
    type(damaged).objects.filter(pk=damaged.pk).update(demo_slug="removed-demo")
    path = damaged.get_absolute_url()
    assert violations(browser, live_server.url + path, *WIDTHS[width]) == [], path
