"""What a visitor sees through the test client: listings, filters, talk pages, search, SEO files."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, User
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from demos.registry import get_demo
from demos.runs import request_run
from talks.models import TalkIndexPage, TalkPage
from tests.factories import make_speaker, make_talk, make_venue, shanghai

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def titles(html, selector=".talk-card-title a"):
    return [a.get_text(strip=True) for a in html.select(selector)]


def test_home_shows_the_next_talk_then_upcoming_then_recent(client, series):
    now = timezone.now()
    make_talk(series, "Cancelled sooner", start=now + timedelta(days=1), status="cancelled")
    make_talk(series, "Next one", start=now + timedelta(days=2))
    make_talk(series, "After that", start=now + timedelta(days=9))
    make_talk(series, "Last month", start=now - timedelta(days=30))

    html = soup(client.get("/"))
    assert html.select_one(".next-talk-title").get_text(strip=True) == "Next one"
    upcoming = html.find(id="upcoming-heading").parent
    assert titles(upcoming) == ["Cancelled sooner", "After that"]
    assert upcoming.select_one(".badge-cancelled").get_text() == "Cancelled"
    assert titles(html.find(id="recent-heading").parent) == ["Last month"]


def test_index_lists_upcoming_soonest_first_and_archive_newest_first_by_year(client, series):
    now = timezone.now()
    make_talk(series, "In two weeks", start=now + timedelta(days=14))
    make_talk(series, "Tomorrow", start=now + timedelta(days=1))
    make_talk(series, "Sep 2024", start=shanghai(2024, 9, 25))
    make_talk(series, "Apr 2025", start=shanghai(2025, 4, 9))
    make_talk(series, "Nov 2024", start=shanghai(2024, 11, 6))

    html = soup(client.get("/talks/"))
    assert titles(html.find(id="upcoming-heading").parent) == ["Tomorrow", "In two weeks"]
    archive = html.find(id="archive-heading").parent
    assert titles(archive) == ["Apr 2025", "Nov 2024", "Sep 2024"]
    assert [h.get_text() for h in archive.select("h3.year")] == ["2025", "2024"]


def test_index_filters_by_speaker_topic_and_year(client, series):
    ada, bo = make_speaker("Ada Example"), make_speaker("Bo Sample")
    make_talk(
        series, "Ada 2024", start=shanghai(2024, 5, 1), speakers=[ada], topics=["optimization"]
    )
    make_talk(
        series, "Bo 2024", start=shanghai(2024, 6, 1), speakers=[bo], topics=["implicit bias"]
    )
    make_talk(
        series, "Both 2025", start=shanghai(2025, 3, 1), speakers=[ada, bo], topics=["optimization"]
    )

    def listed(query):
        response = client.get("/talks/", query)
        assert response.status_code == 200
        return sorted(titles(soup(response)))

    assert listed({"speaker": "ada-example"}) == ["Ada 2024", "Both 2025"]
    assert listed({"topic": "implicit-bias"}) == ["Bo 2024"]
    assert listed({"year": "2024"}) == ["Ada 2024", "Bo 2024"]
    assert listed({"speaker": "bo-sample", "topic": "optimization"}) == ["Both 2025"]
    assert listed({"year": "1999"}) == []


@pytest.mark.parametrize(
    "query",
    [
        {"speaker": "nobody"},
        {"topic": "no-such-topic"},
        {"year": "abc"},
        {"year": "20.5"},
        {"year": "99999999999999999999"},
        {"page": "0"},
        {"page": "7"},
        {"page": "x"},
        {"speaker": "<script>"},
    ],
)
def test_bad_filter_values_are_404_not_500(client, series, query):
    make_talk(series, "Something", start=shanghai(2024, 5, 1))
    assert client.get("/talks/", query).status_code == 404


def test_archive_is_paginated_and_keeps_filters(client, series):
    for i in range(TalkIndexPage.PAST_PER_PAGE + 3):
        make_talk(
            series, f"Past {i:02d}", start=shanghai(2024, 1, 1) + timedelta(days=i), topics=["t"]
        )

    first = soup(client.get("/talks/", {"topic": "t"}))
    assert len(first.select(".talk-card")) == TalkIndexPage.PAST_PER_PAGE
    next_link = first.select_one("a[rel=next]")["href"]
    assert "topic=t" in next_link and "page=2" in next_link

    second = soup(client.get("/talks/" + next_link))
    assert titles(second) == ["Past 02", "Past 01", "Past 00"]
    assert second.find(id="upcoming-heading") is None  # upcoming only on the first page


def test_talk_page_shows_every_field_in_the_venue_zone(client, series):
    venue = make_venue(
        "Computer Building 313", address="Tsinghua University", map_url="https://maps.example/313"
    )
    speaker = make_speaker(
        "Jian Li",
        position="Distinguished Professor",
        affiliation="Tsinghua University",
        bio="<p>Works on theory.</p>",
    )
    talk = make_talk(
        series,
        "Theoretical basis",
        start=shanghai(2024, 9, 25, 16),
        minutes=90,
        venue=venue,
        speakers=[speaker],
        topics=["edge of stability"],
        abstract="<p>Sharpness hovers at $2/\\eta$.</p>",
        slides_url="https://slides.example/deck.pdf",
        recording_url="https://video.example/rec",
    )

    html = soup(client.get(talk.url))
    assert html.h1.get_text(strip=True) == "Theoretical basis"
    when = html.select_one(".talk-facts .when")
    # The zone once, by a name no other zone shares ("CST" is also US Central and Cuba's).
    text = " ".join(when.get_text().split())
    assert text == "Wed 25 Sep 2024, 16:00–17:30 (Asia/Shanghai, UTC+8)"
    assert [t["datetime"] for t in when.select("time")] == [
        "2024-09-25T08:00:00Z",
        "2024-09-25T09:30:00Z",
    ]
    local = html.select_one("[data-local-time]")
    assert (
        local["data-start"] == "2024-09-25T08:00:00Z"
        and local["data-end"] == "2024-09-25T09:30:00Z"
    )
    text = html.get_text(" ", strip=True)
    for expected in (
        "Room 313, Computer Building, Tsinghua University",
        "Distinguished Professor",
        "Works on theory.",
        "edge of stability",
    ):
        assert expected in text
    links = {a["href"] for a in html.select("a[href]")}
    assert {
        "https://slides.example/deck.pdf",
        "https://video.example/rec",
        "https://maps.example/313",
        speaker.get_absolute_url(),
        talk.url + "calendar/",
    } <= links
    assert any(h.startswith("https://calendar.google.com/calendar/render?") for h in links)
    assert html.select_one(".abstract math") is not None


def test_talk_page_structured_data_and_open_graph(client, series):
    talk = make_talk(
        series,
        "Cancelled talk",
        start=shanghai(2024, 9, 25, 16),
        status="cancelled",
        abstract="<p>About </script> things.</p>",
    )
    html = soup(client.get(talk.url))
    data = json.loads(html.find("script", type="application/ld+json").string)
    assert data["@type"] == "Event"
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["startDate"] == "2024-09-25T16:00:00+08:00"
    assert data["location"]["@type"] == "Place"
    assert data["performer"][0]["name"] == "Ada Example"
    assert data["description"] == "About things."
    assert html.find("meta", property="og:title")["content"] == "Cancelled talk"
    assert html.find("meta", property="og:url")["content"].endswith(talk.url)


@pytest.mark.parametrize("status, text", [("cancelled", "Cancelled."), ("postponed", "Postponed.")])
def test_cancelled_and_postponed_talks_are_clearly_marked(client, series, status, text):
    talk = make_talk(series, "Marked", status=status)
    html = soup(client.get(talk.url))
    assert html.select_one(f".notice-{status} strong").get_text() == text


def test_speaker_page_lists_their_talks(client, series):
    ada = make_speaker("Ada Example", affiliation="Example University")
    make_talk(series, "Ada upcoming", speakers=[ada])
    make_talk(series, "Ada past", start=shanghai(2024, 1, 1), speakers=[ada])
    make_talk(series, "Someone else", speakers=[make_speaker("Bo Sample")])
    html = soup(client.get(ada.get_absolute_url()))
    assert html.h1.get_text() == "Ada Example"
    assert titles(html) == ["Ada upcoming", "Ada past"]
    assert client.get("/speakers/nobody/").status_code == 404


def test_search_finds_talks_by_title_speaker_and_abstract(client, series):
    make_talk(series, "Edge of stability explained", abstract="<p>Sharpness hovers.</p>")
    make_talk(
        series, "Unrelated", speakers=[make_speaker("Zed Margin")], abstract="<p>Nothing here.</p>"
    )
    assert titles(soup(client.get("/search/", {"q": "stability"}))) == [
        "Edge of stability explained"
    ]
    assert titles(soup(client.get("/search/", {"q": "hovers"}))) == ["Edge of stability explained"]
    assert titles(soup(client.get("/search/", {"q": "Zed"}))) == ["Unrelated"]
    assert titles(soup(client.get("/search/", {"q": "nonexistentword"}))) == []


def test_search_bad_input_is_a_clear_4xx(client, series):
    response = client.get("/search/", {"q": "x" * 201})
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()
    assert client.get("/search/", {"q": "nul\x00byte"}).status_code == 400
    make_talk(series, "Findable")
    assert client.get("/search/", {"q": "Findable", "page": "9"}).status_code == 404
    assert client.get("/search/", {"q": "Findable", "page": "x"}).status_code == 404
    assert client.get("/search/", {"q": ""}).status_code == 200


def test_robots_and_sitemap(client, series):
    talk = make_talk(series, "In the sitemap")
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in robots and "Disallow: /admin/" in robots
    sitemap = ET.fromstring(client.get("/sitemap.xml").content)
    locations = [
        loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    assert talk.full_url in locations


def test_unknown_pages_are_404(client, series):
    assert client.get("/talks/no-such-talk/").status_code == 404
    assert client.get("/talks/feed/extra/").status_code == 404


def test_talk_pages_only_live_under_a_series():
    assert TalkPage.parent_page_types == ["talks.TalkIndexPage"]


# Anything a visitor can type into the address bar: printable text, control characters, NULs.
visitor_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@example(params={"q": '"'})
@example(params={"q": 'sharp"ness'})
@given(
    params=st.dictionaries(
        st.sampled_from(["speaker", "topic", "year", "page", "q"]), visitor_text, max_size=4
    )
)
def test_no_query_string_makes_a_500(client, series, params):
    # Found by this test: a lone double quote broke SQLite's full-text search.
    if not TalkPage.objects.exists():
        make_talk(series, "Fuzzed", topics=["optimization"])
    for url in ("/talks/", "/search/", "/"):
        response = client.get(url, params)
        assert response.status_code in {200, 400, 404}, (url, params)


def test_the_presenter_lists_recorded_runs_without_their_big_columns(client, series):
    talk = make_talk(series, "Presented")
    quadratic = get_demo("quadratic-stability")
    run, _ = request_run(
        quadratic, quadratic.params(steps=41), talk=talk, recorded_at_talk=True, limited=False
    )
    editor = User.objects.create_user("ed", "ed@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(editor)
    response = client.get(talk.url + "present/")
    assert response.status_code == 200
    [listed] = response.context["recorded_runs"]
    assert listed.pk == run.pk
    # A recorded run's replay is megabytes of JSON: the list must not load it.
    assert {"result", "replay", "figure"} <= listed.get_deferred_fields()
    assert f"{quadratic.title}, run {run.public_id}" in response.content.decode()
