"""The home page and the first talk in a real browser: visible fields, local time, no network."""

import pytest
from django.core.management import call_command

from talks.models import TalkPage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

FIRST_TITLE = (
    "Theoretical basis of deep learning: optimization, generalization and implicit bias of "
    "gradient algorithms"
)


@pytest.fixture
def seeded(live_server):
    call_command("seed_demo_content", stdout=open("/dev/null", "w"))
    return TalkPage.objects.get(title=FIRST_TITLE)


def test_home_page(page, live_server, seeded, artifacts):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Seminar on the theory of deep learning"
    next_talk = page.locator(".next-talk")
    assert next_talk.locator(".next-talk-title").is_visible()
    # The visitor's own time appears once the script has run.
    assert next_talk.locator(".local-time").inner_text().startswith("Your time: ")
    assert "(Europe/Paris)" in next_talk.locator(".local-time").inner_text()
    assert page.locator("#recent-heading").is_visible()
    assert page.get_by_role("link", name=FIRST_TITLE).is_visible()
    assert page.locator(".badge-cancelled").first.is_visible()
    page.screenshot(path=artifacts / "home.png", full_page=True)
    assert page.console_errors == []


def test_first_talk_page(page, live_server, seeded, artifacts):
    page.goto(live_server.url + seeded.url)
    assert page.locator("h1").inner_text() == FIRST_TITLE
    assert (
        page.locator(".talk-speakers")
        .inner_text()
        .startswith("Jian Li, Institute for Interdisciplinary")
    )
    when = page.locator(".talk-facts .when").inner_text()
    assert " ".join(when.split()) == "Wed 25 Sep 2024, 16:00–17:30 CST (Asia/Shanghai)"
    # 08:00Z is 10:00 in Paris (CEST) on 25 September 2024.
    local = page.locator(".talk-facts .local-time")
    assert local.is_visible()
    assert "25 Sept 2024" in local.inner_text() or "25 Sep 2024" in local.inner_text()
    assert "10:00–11:30" in local.inner_text() and "(Europe/Paris)" in local.inner_text()
    assert "Room 313, Computer Building" in page.locator(".talk-facts").inner_text()
    assert page.get_by_role("link", name="Add to calendar (.ics)").is_visible()
    assert page.get_by_role("link", name="Add to Google Calendar").is_visible()
    assert "edge of stability" in page.locator(".abstract").inner_text()
    math = page.locator(".abstract math").first
    assert math.bounding_box()["width"] > 5  # rendered natively as MathML
    assert "Distinguished Professor" in page.locator(".speakers").inner_text()
    page.screenshot(path=artifacts / "first-talk.png", full_page=True)

    # Everything came from our own server: the site works offline.
    assert all(url.startswith(live_server.url) for url in page.requests), page.requests
    assert page.console_errors == []


def test_talk_page_on_a_phone(page, live_server, seeded, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + seeded.url)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390  # no sideways scrolling
    page.screenshot(path=artifacts / "first-talk-phone.png", full_page=True)
