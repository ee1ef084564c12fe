"""What a listing row shows a visitor (home, series, speaker page, search): the date and time in
the venue's zone named unmistakably, the speakers' photos, a mark on talks with live demos; and
that rows cost no queries of their own."""

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.cache import caches
from django.core.files.images import ImageFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model

from demos.blocks import demo_block
from demos.registry import get_demo
from talks.zones import zone_label
from tests.factories import make_speaker, make_talk, make_venue, shanghai

pytestmark = pytest.mark.django_db

QUADRATIC = get_demo("quadratic-stability")
LISTINGS = ["/", "/talks/", "/speakers/ada-example/", "/search/?q=sharpness"]


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def card(html, title):
    link = html.find("a", string=title)
    assert link is not None, f"no card for {title!r}"
    return link.find_parent(class_="talk-card")


def make_photo(colour="teal"):
    png = BytesIO()
    PILImage.new("RGB", (120, 160), colour).save(png, "PNG")
    return get_image_model().objects.create(
        title="Portrait", file=ImageFile(png, name="portrait.png")
    )


def with_demo(talk):
    """The talk republished with a demo block in its body."""
    defaults = QUADRATIC.params().model_dump(mode="json")
    block = demo_block(QUADRATIC)
    talk.body = [("demo_quadratic_stability", block.to_python({"caption": "", "params": defaults}))]
    talk.save_revision().publish()
    return talk


# --- the zone, named once and unmistakably ------------------------------------------------------


@pytest.mark.parametrize(
    "zone, moment, label",
    [
        ("Asia/Shanghai", datetime(2024, 9, 25, 8), "Asia/Shanghai, UTC+8"),
        # Both say "CST"; the offset tells them apart, and changes with summer time.
        ("America/Chicago", datetime(2025, 1, 15, 18), "America/Chicago, UTC-6"),
        ("America/Chicago", datetime(2025, 7, 15, 18), "America/Chicago, UTC-5"),
        ("America/Havana", datetime(2025, 1, 15, 18), "America/Havana, UTC-5"),
        ("Asia/Kolkata", datetime(2025, 1, 15, 8), "Asia/Kolkata, UTC+5:30"),
        ("America/St_Johns", datetime(2025, 1, 15, 18), "America/St_Johns, UTC-3:30"),
        ("Europe/London", datetime(2025, 1, 15, 18), "Europe/London, UTC+0"),
        ("UTC", datetime(2025, 1, 15, 18), "UTC"),
    ],
)
def test_a_zone_is_named_by_its_iana_name_and_offset_at_the_talk(zone, moment, label):
    assert zone_label(ZoneInfo(zone), moment.replace(tzinfo=ZoneInfo("UTC"))) == label


def test_every_listing_dates_a_talk_in_its_venues_zone_with_a_time_element(client, series):
    ada = make_speaker("Ada Example")
    make_talk(
        series,
        "In Beijing",
        start=shanghai(2024, 9, 25, 16),
        minutes=90,
        speakers=[ada],
        abstract="<p>Sharpness hovers.</p>",
    )
    chicago = make_venue("Ryerson 251", time_zone="America/Chicago")
    make_talk(
        series,
        "In Chicago",
        start=datetime(2025, 1, 15, 12, tzinfo=ZoneInfo("America/Chicago")),
        venue=chicago,
        speakers=[ada],
        abstract="<p>Sharpness again.</p>",
    )
    for path in LISTINGS:
        html = soup(client.get(path))
        beijing = card(html, "In Beijing").select_one(".talk-card-date")
        assert beijing.time["datetime"] == "2024-09-25T08:00:00Z", path
        text = " ".join(beijing.get_text().split())
        assert text == "Wed 25 Sep 2024, 16:00–17:30 (Asia/Shanghai, UTC+8)", path
        text = " ".join(card(html, "In Chicago").select_one(".talk-card-date").get_text().split())
        assert text == "Wed 15 Jan 2025, 12:00–13:00 (America/Chicago, UTC-6)", path
        assert " CST" not in html.get_text(), path


def test_the_next_talk_on_the_home_page_names_its_zone_once(client, series):
    talk = make_talk(series, "Soon", start=timezone.now() + timedelta(days=3))
    html = soup(client.get("/"))
    when = " ".join(html.select_one(".next-talk .when").get_text().split())
    assert when.endswith(f"({zone_label(talk.zone, talk.start)})")
    assert when.count("Asia/Shanghai") == 1 and "CST" not in when
    local = html.select_one(".next-talk [data-local-time]")
    assert local["data-venue-zone"] == "Asia/Shanghai"


def test_a_talk_ending_on_another_day_names_that_day(client, series):
    talk = make_talk(series, "Late", start=shanghai(2024, 9, 25, 23), minutes=120)
    when = soup(client.get(talk.url)).select_one(".talk-facts .when")
    text = " ".join(when.get_text().split())
    assert text == "Wed 25 Sep 2024, 23:00–Thu 26 Sep 2024, 01:00 (Asia/Shanghai, UTC+8)"


# --- the link to a series ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, label", [("Talks", "All talks →"), ("Seminar", "All talks in Seminar →")]
)
def test_the_home_page_links_to_all_talks_naming_only_a_distinct_series(
    client, series, title, label
):
    series.title = title
    series.save_revision().publish()
    make_talk(series, "Past", start=shanghai(2024, 9, 25))
    html = soup(client.get("/"))
    assert [a.get_text() for a in html.select(".all-talks a")] == [label]


# --- speakers' photos and live demos -----------------------------------------------------------


def test_listings_show_speakers_photos_and_mark_talks_with_demos(client, series):
    ada = make_speaker("Ada Example", photo=make_photo())
    bo = make_speaker("Bo Sample")  # no photo: initials, hidden from screen readers
    make_talk(series, "First up", start=timezone.now() + timedelta(days=1), speakers=[bo])
    with_demo(
        make_talk(series, "Demos on sharpness", speakers=[ada, bo], abstract="<p>Sharpness.</p>")
    )
    make_talk(
        series,
        "Sharpness on the board",
        start=shanghai(2024, 9, 25),
        speakers=[ada],
        abstract="<p>Sharpness.</p>",
    )
    for path in LISTINGS:
        html = soup(client.get(path))
        demos = card(html, "Demos on sharpness")
        photo, initials = demos.select(".talk-card-speakers .speaker-thumb")
        # The name is beside the photo: the image adds nothing a screen reader should read.
        assert photo.name == "img" and photo["alt"] == "", path
        assert "fill-80x80" in photo["src"], path
        assert photo.find_next_sibling().get_text(strip=True) == "Ada Example", path
        assert initials.get_text() == "BS" and initials["aria-hidden"] == "true", path
        # A mark in words, not colour alone; only on the talk that has demos.
        assert demos.select_one(".badge-demos").get_text() == "Live demos", path
        assert card(html, "Sharpness on the board").select_one(".badge-demos") is None, path


def test_the_next_talk_shows_its_speakers_photo_and_demos(client, series):
    ada = make_speaker("Ada Example", photo=make_photo())
    with_demo(make_talk(series, "Next with demos", speakers=[ada]))
    box = soup(client.get("/")).select_one(".next-talk")
    assert box.select_one("img.speaker-thumb")["alt"] == ""
    assert box.select_one(".badge-demos").get_text() == "Live demos"


# --- no queries per row ------------------------------------------------------------------------


def rendered_queries(client, path) -> int:
    """The queries of one rendering of `path`, every cache empty (renditions included)."""
    client.get(path)  # the speakers' photos get their renditions made once
    for alias in settings.CACHES:
        caches[alias].clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200 and response.templates  # rendered, not a stored copy
    return len(queries.captured_queries)


def add_talks(series, ada, n, first):
    """n upcoming and n past talks, each by Ada and a speaker of its own, each with a photo."""
    now = timezone.now()
    for i in range(first, first + n):
        guest = make_speaker(f"Guest {i}", photo=make_photo())
        for when, days in (("Upcoming", 10 + i), ("Past", -10 - i)):
            talk = make_talk(
                series,
                f"{when} {i}",
                start=now + timedelta(days=days),
                speakers=[ada, guest],
                abstract="<p>Sharpness.</p>",
            )
            if i % 2:
                with_demo(talk)


@pytest.mark.parametrize("path", LISTINGS)
def test_a_listing_makes_as_many_queries_for_four_talks_as_for_eight(client, series, path):
    ada = make_speaker("Ada Example", photo=make_photo())
    add_talks(series, ada, 2, first=0)
    few = rendered_queries(client, path)
    add_talks(series, ada, 2, first=2)
    html = soup(client.get(path))
    assert len(html.select("main img.speaker-thumb")) == 16  # every row with its photos
    assert rendered_queries(client, path) == few
