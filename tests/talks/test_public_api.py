"""The public talks API (/api/talks): what a department's site reads, which talks it may see,
its filters and pages, refusals that name the field, and answers stored like visitors' pages."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.models import PageViewRestriction

from talks.models import TalkIndexPage, TalkPage
from tests.factories import make_speaker, make_talk, make_venue, shanghai

pytestmark = pytest.mark.django_db

LIST = "/api/talks"


@pytest.fixture(autouse=True)
def own_generation(settings, tmp_path):
    """A generation stamp of this test's own: another test run on this machine (the same
    in-memory database name, so by default the same stamp file) must not start a new one."""
    settings.PAGE_CACHE_STAMP_FILE = str(tmp_path / "pages.stamp")


def listed(client, **query) -> dict:
    response = client.get(LIST, query)
    assert response.status_code == 200, response.content
    return response.json()


def titles(client, **query) -> list[str]:
    return [item["title"] for item in listed(client, **query)["items"]]


def make_series(series: TalkIndexPage, title: str, slug: str) -> TalkIndexPage:
    other = TalkIndexPage(title=title, slug=slug)
    series.get_parent().add_child(instance=other)
    other.save_revision().publish()
    return other


# --- what a talk looks like -------------------------------------------------------------------


def test_a_talk_has_its_details_with_times_in_the_venues_zone(client, series):
    speaker = make_speaker("Jian Li", affiliation="Tsinghua University", position="Professor")
    talk = make_talk(
        series,
        title="Gradient descent at the edge",
        start=shanghai(2099, 9, 25, 16),
        minutes=90,
        speakers=[speaker],
        topics=["optimization"],
        abstract="<p>Why $\\eta < 2/\\lambda$ matters.</p><p>Second <b>part</b>.</p>",
        slides_url="https://example.org/slides.pdf",
    )
    body = listed(client)
    assert (body["count"], body["limit"], body["offset"]) == (1, 20, 0)
    assert body["next"] is None and body["previous"] is None
    [item] = body["items"]
    assert item == {
        "id": talk.pk,
        "calendar_uid": f"talk-{talk.pk}@seminar.test",
        "title": "Gradient descent at the edge",
        "status": "scheduled",
        "start": "2099-09-25T16:00:00+08:00",
        "end": "2099-09-25T17:30:00+08:00",
        "time_zone": "Asia/Shanghai",
        "series": {"title": "Seminar", "slug": "talks", "url": "http://testserver/talks/"},
        "speakers": [
            {
                "name": "Jian Li",
                "slug": "jian-li",
                "position": "Professor",
                "affiliation": "Tsinghua University",
                "url": "http://testserver/speakers/jian-li/",
            }
        ],
        "venue": {
            "name": "Room 313",
            "room": "313",
            "building": "Computer Building",
            "address": "",
            "place": "Room 313, Computer Building",
            "time_zone": "Asia/Shanghai",
            "map_url": "",
        },
        "topics": [{"name": "optimization", "slug": "optimization"}],
        "abstract": "Why $\\eta < 2/\\lambda$ matters. Second part.",
        "url": "http://testserver/talks/gradient-descent-at-the-edge/",
        "ics_url": "http://testserver/talks/gradient-descent-at-the-edge/calendar/",
        "slides_url": "https://example.org/slides.pdf",
        "recording_url": None,
        "online_url": None,
    }
    # The same talk by its id; its links lead where they say.
    assert client.get(f"{LIST}/{talk.pk}").json() == item
    calendar = client.get(item["ics_url"].removeprefix("http://testserver"))
    assert calendar["Content-Type"].startswith("text/calendar")
    assert item["calendar_uid"].encode() in calendar.content
    assert (
        client.get(item["speakers"][0]["url"].removeprefix("http://testserver")).status_code == 200
    )


def test_times_carry_the_offset_of_each_venue_and_season(client, series):
    london = make_venue("Lecture theatre", time_zone="Europe/London")
    make_talk(series, title="Winter", start=shanghai(2099, 1, 10), venue=london)
    make_talk(series, title="Summer", start=shanghai(2099, 7, 10), venue=london)
    starts = {item["title"]: item["start"] for item in listed(client)["items"]}
    # 16:00 in Shanghai is 08:00 in London in winter (UTC+0), 09:00 in summer (UTC+1).
    assert starts == {"Winter": "2099-01-10T08:00:00+00:00", "Summer": "2099-07-10T09:00:00+01:00"}


def test_a_cancelled_talk_says_so(client, series):
    make_talk(series, status=TalkPage.Status.CANCELLED, recording_url="https://example.org/v")
    [item] = listed(client)["items"]
    assert item["status"] == "cancelled" and item["recording_url"] == "https://example.org/v"


def test_only_a_public_online_link_is_given(client, series):
    make_talk(
        series, title="Open", online_url="https://zoom.example/j/1", online_visibility="public"
    )
    for visibility in ("subscribers", "before_start"):
        make_talk(
            series,
            title=visibility,
            online_url="https://zoom.example/j/2",
            online_visibility=visibility,
            online_minutes_before=1440,
            start=timezone.now() + timedelta(minutes=30),  # inside the before-start window
        )
    links = {item["title"]: item["online_url"] for item in listed(client)["items"]}
    assert links == {"Open": "https://zoom.example/j/1", "subscribers": None, "before_start": None}


# --- which talks --------------------------------------------------------------------------------


def test_drafts_private_and_unpublished_talks_never_appear(client, series):
    make_talk(series, title="Public")
    draft = make_talk(series, title="Draft", publish=False)
    private = make_talk(series, title="Private")
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    members = make_talk(series, title="Members")
    PageViewRestriction.objects.create(page=members, restriction_type="login")
    withdrawn = make_talk(series, title="Withdrawn")
    withdrawn.unpublish()
    assert titles(client, when="all") == ["Public"]
    for hidden in (draft, private, members, withdrawn):
        response = client.get(f"{LIST}/{hidden.pk}")
        assert response.status_code == 404 and response.json()["detail"]


def test_a_draft_talks_speaker_and_topic_are_unknown(client, series):
    make_talk(series, title="Public", speakers=[make_speaker("Ada Example")])
    secret = make_speaker("Not Announced")
    make_talk(series, title="Draft", speakers=[secret], topics=["secret-topic"], publish=False)
    for field, value in (("speaker", secret.slug), ("topic", "secret-topic")):
        response = client.get(LIST, {field: value})
        assert response.status_code == 422
        assert [error["field"] for error in response.json()["detail"]] == [field]


def test_upcoming_soonest_first_past_latest_first(client, series):
    now = timezone.now()
    for title, days in (
        ("Next month", 30),
        ("Next week", 7),
        ("Last week", -7),
        ("Last year", -365),
    ):
        make_talk(series, title=title, start=now + timedelta(days=days))
    make_talk(series, title="Now", start=now - timedelta(minutes=10))  # in progress: upcoming
    assert titles(client) == ["Now", "Next week", "Next month"]
    assert titles(client, when="past") == ["Last week", "Last year"]
    assert titles(client, when="all") == [
        "Last year",
        "Last week",
        "Now",
        "Next week",
        "Next month",
    ]
    assert titles(client, when="past", order="start") == ["Last year", "Last week"]
    assert titles(client, order="-start") == ["Next month", "Next week", "Now"]


def test_each_filter_and_all_together(client, series):
    ada, bo = make_speaker("Ada Example"), make_speaker("Bo Other")
    colloquium = make_series(series, "Colloquium", "colloquium")
    make_talk(series, title="Ada on GD", speakers=[ada], topics=["gd"], start=shanghai(2099, 3, 1))
    make_talk(series, title="Bo on GD", speakers=[bo], topics=["gd"], start=shanghai(2099, 4, 1))
    make_talk(
        colloquium, title="Ada on SVM", speakers=[ada], topics=["svm"], start=shanghai(2099, 5, 1)
    )
    make_talk(series, title="Ada and Bo", speakers=[ada, bo], start=shanghai(2099, 6, 1))
    assert titles(client, series="colloquium") == ["Ada on SVM"]
    assert titles(client, speaker="bo-other") == ["Bo on GD", "Ada and Bo"]
    assert titles(client, topic="gd") == ["Ada on GD", "Bo on GD"]
    assert titles(client, **{"from": "2099-04-01", "to": "2099-05-01"}) == [
        "Bo on GD",
        "Ada on SVM",
    ]
    assert titles(client, **{"from": "2099-05-02"}) == ["Ada and Bo"]
    assert titles(client, to="2099-03-31") == ["Ada on GD"]
    assert titles(client, series="talks", speaker="ada-example", topic="gd") == ["Ada on GD"]
    assert titles(client, series="talks", speaker="ada-example", to="2099-05-31") == ["Ada on GD"]
    # A speaker who has talks elsewhere is known: this combination simply has none.
    assert titles(client, series="colloquium", speaker="bo-other") == []


def test_dates_are_the_venues_calendar_dates(client, series):
    # 07:00 on the 25th in Shanghai is 23:00 on the 24th in UTC: it is the 25th's talk.
    make_talk(series, title="Early", start=shanghai(2099, 9, 25, 7))
    assert titles(client, **{"from": "2099-09-25", "to": "2099-09-25"}) == ["Early"]
    assert titles(client, to="2099-09-24") == []


def test_pages_are_bounded_and_link_to_each_other(client, series):
    start = shanghai(2099, 1, 1)
    for n in range(5):
        make_talk(series, title=f"Talk {n}", start=start + timedelta(days=n))
    first = listed(client, limit=2)
    assert [i["title"] for i in first["items"]] == ["Talk 0", "Talk 1"]
    assert first["count"] == 5 and first["previous"] is None
    second = client.get(first["next"].removeprefix("http://testserver")).json()
    assert [i["title"] for i in second["items"]] == ["Talk 2", "Talk 3"]
    assert second["offset"] == 2 and second["limit"] == 2
    last = client.get(second["next"].removeprefix("http://testserver")).json()
    assert [i["title"] for i in last["items"]] == ["Talk 4"] and last["next"] is None
    back = client.get(last["previous"].removeprefix("http://testserver")).json()
    assert back["items"] == second["items"]
    assert listed(client, limit=100, offset=5)["items"] == []


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**30}, "offset"),
        ({"from": "2024-02-30"}, "from"),
        ({"from": "99999-01-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2024-03-02", "to": "2024-03-01"}, "to"),
        ({"series": "no-such-series"}, "series"),
        ({"speaker": "nobody"}, "speaker"),
        ({"speaker": "a\x00b"}, "speaker"),
        ({"topic": "nothing"}, "topic"),
        ({"when": "soon"}, "when"),
        ({"order": "title"}, "order"),
    ],
)
def test_bad_values_are_refused_naming_the_field(client, series, query, field):
    make_talk(series)
    response = client.get(f"{LIST}?{urlencode(query)}")
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [error["field"] for error in errors] == [field]
    assert all(error["message"] and error["type"] for error in errors)


def test_an_unknown_or_absurd_id_is_a_json_404(client, series):
    for talk_id in (123456, 10**30):
        response = client.get(f"{LIST}/{talk_id}")
        assert response.status_code == 404 and "detail" in response.json()


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(
        ["when", "series", "speaker", "topic", "from", "to", "order", "limit", "offset"]
    ),
    value=st.text(max_size=40),
)
def test_any_value_is_answered_without_a_server_error(client, series, name, value):
    response = client.get(LIST, {name: value})
    assert response.status_code in (200, 422)
    assert response["Content-Type"] == "application/json; charset=utf-8"


# --- described and stored -------------------------------------------------------------------------


def test_the_openapi_description_lists_talks_beside_demos(client):
    spec = client.get("/api/openapi.json").json()
    assert {"/api/talks", "/api/talks/{talk_id}", "/api/demos"} <= set(spec["paths"])
    parameters = {p["name"] for p in spec["paths"]["/api/talks"]["get"]["parameters"]}
    assert parameters == {
        "when",
        "series",
        "speaker",
        "topic",
        "from",
        "to",
        "order",
        "limit",
        "offset",
    }
    assert spec["paths"]["/api/talks"]["get"]["tags"] == ["talks"]


def test_answers_are_stored_until_a_publication(client, series):
    talk = make_talk(series, title="Before")
    first = client.get(LIST)
    assert first["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert first["Access-Control-Allow-Origin"] == "*"  # any department's page may read it
    # Changed without a publication (no signal): the stored answer is served.
    TalkPage.objects.filter(pk=talk.pk).update(title="Changed quietly")
    assert titles(client) == ["Before"]
    assert client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    talk = TalkPage.objects.get(pk=talk.pk)
    talk.title = "After"
    talk.save_revision().publish()
    assert titles(client) == ["After"]
    assert client.get(f"{LIST}/{talk.pk}").json()["title"] == "After"
    talk.unpublish()
    assert titles(client) == []
    assert client.get(f"{LIST}/{talk.pk}").status_code == 404


def test_an_edited_speaker_shows_at_once(client, series):
    talk = make_talk(series)
    assert listed(client)["items"][0]["speakers"][0]["name"] == "Ada Example"
    speaker = talk.speakers[0]
    speaker.name = "Ada Renamed"
    speaker.save()
    assert listed(client)["items"][0]["speakers"][0]["name"] == "Ada Renamed"


def test_refusals_are_not_stored(client, series):
    assert client.get(LIST, {"speaker": "ada-example"}).status_code == 422
    make_talk(series)  # Ada Example's first talk
    assert titles(client, speaker="ada-example") == ["A talk"]


def test_a_page_of_talks_costs_the_same_queries_however_long(client, series):
    for n in range(12):
        make_talk(series, title=f"Talk {n}", topics=["gd"], start=shanghai(2099, 1, 1 + n))
    counts = []
    for limit in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            assert len(listed(client, limit=limit)["items"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]
