"""A hybrid talk's page and a speaker's page with links, slides and recordings: no axe-core
violation at desktop and phone widths, and screenshots to look at (test-artifacts/)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_site, make_speaker, make_talk, shanghai

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.mark.parametrize("width", WIDTHS)
def test_hybrid_talk_and_speaker_pages_have_no_violations(
    browser, live_server, axe, artifacts, width
):
    series = make_site()
    ada = make_speaker(
        "Ada Example",
        position="Professor",
        affiliation="Example University",
        homepage="https://ada.example.org/",
        orcid="0000-0002-1825-0097",
    )
    soon = make_talk(
        series,
        "Sharpness in the wild",
        start=timezone.now() + timedelta(days=2),
        speakers=[ada],
        topics=["optimization"],
        online_url="https://zoom.example.org/j/1",
        online_visibility="before_start",
        slides_url="https://slides.example.org/soon",
    )
    live = make_talk(
        series,
        "A public stream",
        start=timezone.now() + timedelta(days=3),
        speakers=[ada],
        online_url="https://stream.example.org/live",
    )
    make_talk(
        series,
        "Theoretical basis of deep learning",
        start=shanghai(2024, 9, 25),
        speakers=[ada],
        slides_url="https://slides.example.org/past",
        recording_url="https://video.example.org/past",
    )
    size = WIDTHS[width]
    for name, path in (
        ("talk-before-start", soon.url),
        ("talk-public-link", live.url),
        ("speaker", ada.get_absolute_url()),
    ):
        context = browser.new_context(
            viewport={"width": size[0], "height": size[1]}, bypass_csp=True
        )
        page = context.new_page()
        page.goto(live_server.url + path, wait_until="networkidle")
        page.screenshot(path=str(artifacts / f"issue16-{name}-{size[0]}.png"), full_page=True)
        found = axe(page)
        context.close()
        assert found == [], (path, found)
