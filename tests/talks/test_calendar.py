"""The .ics output, parsed back by icalendar's own parser and checked field by field."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest

from talks.models import TalkPage
from tests.factories import make_speaker, make_talk, make_venue, shanghai

pytestmark = pytest.mark.django_db


def fetch_calendar(client, url) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].endswith('.ics"')
    return icalendar.Calendar.from_ical(response.content)


def only_event(calendar):
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


@pytest.fixture
def first_talk(series):
    venue = make_venue("Computer Building 313", address="Tsinghua University")
    speaker = make_speaker("Jian Li", affiliation="Tsinghua University")
    return make_talk(
        series,
        "Theoretical basis of deep learning",
        start=shanghai(2024, 9, 25, 16),
        minutes=90,
        venue=venue,
        speakers=[speaker],
        topics=["optimization"],
        abstract="<p>Sharpness.</p><p>Bias.</p>",
    )


def test_talk_ics_fields(client, first_talk):
    calendar = fetch_calendar(client, first_talk.url + "calendar/")
    assert calendar["VERSION"] == "2.0" and calendar["METHOD"] == "PUBLISH"
    event = only_event(calendar)

    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert start.astimezone(UTC) == datetime(2024, 9, 25, 8, 0, tzinfo=UTC)  # 16:00 CST is 08:00Z
    assert end.astimezone(UTC) == datetime(2024, 9, 25, 9, 30, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Theoretical basis of deep learning"
    assert str(event["UID"]) == f"talk-{first_talk.pk}@seminar.test"
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "Room 313, Computer Building, Tsinghua University"
    assert str(event["URL"]) == first_talk.full_url
    description = str(event["DESCRIPTION"])
    assert "Speaker: Jian Li, Tsinghua University" in description
    assert "Sharpness. Bias." in description
    assert [str(c) for c in event["CATEGORIES"].cats] == ["optimization"]

    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Asia/Shanghai"]


def test_uid_is_stable_and_sequence_bumps_when_the_talk_changes(client, first_talk):
    before = only_event(fetch_calendar(client, first_talk.url + "calendar/"))
    first_talk.start += timedelta(hours=1)
    first_talk.end += timedelta(hours=1)
    first_talk.title = "Moved talk"
    first_talk.save_revision().publish()

    after = only_event(fetch_calendar(client, first_talk.url + "calendar/"))
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert after.decoded("DTSTART").astimezone(UTC).hour == 9


def test_cancelled_talk_is_status_cancelled(client, first_talk):
    first_talk.status = TalkPage.Status.CANCELLED
    first_talk.save_revision().publish()
    event = only_event(fetch_calendar(client, first_talk.url + "calendar/"))
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1


def test_series_calendar_has_every_live_talk_with_each_zone(client, series, first_talk):
    london = make_venue("Lecture Theatre B", time_zone="Europe/London")
    make_talk(series, "London talk", start=datetime(2025, 4, 9, 14, tzinfo=UTC), venue=london)
    make_talk(series, "Draft talk", publish=False)

    calendar = fetch_calendar(client, series.url + "calendar/")
    summaries = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert summaries == ["London talk", "Theoretical basis of deep learning"]
    assert sorted(str(z["TZID"]) for z in calendar.walk("VTIMEZONE")) == [
        "Asia/Shanghai",
        "Europe/London",
    ]
    london_event = next(e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "London talk")
    assert london_event.decoded("DTSTART").utcoffset() == timedelta(hours=1)  # BST in April


def test_google_calendar_link(first_talk):
    query = parse_qs(urlsplit(first_talk.google_calendar_url()).query)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Theoretical basis of deep learning"]
    assert query["dates"] == ["20240925T080000Z/20240925T093000Z"]
    assert query["ctz"] == ["Asia/Shanghai"]


# --- time zones, reminders and the topic and speaker calendars (issue 16) ---------------------


def test_vtimezone_gives_shanghai_its_offset(client, first_talk):
    calendar = fetch_calendar(client, first_talk.url + "calendar/")
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Shanghai"
    # The rule in force for 2024 (the last one: China has had no summer time since 1991).
    latest = max(zone.walk("STANDARD"), key=lambda rule: rule.decoded("DTSTART"))
    assert latest["TZOFFSETTO"].td == timedelta(hours=8)
    # A calendar that reads only the VTIMEZONE (not its own tz database) gets 08:00 UTC.
    shanghai_rules = zone.to_tz()
    start = only_event(calendar).decoded("DTSTART").replace(tzinfo=shanghai_rules)
    assert start.astimezone(UTC) == datetime(2024, 9, 25, 8, 0, tzinfo=UTC)


def test_alarm_adds_a_reminder_before_the_start(client, first_talk):
    plain = only_event(fetch_calendar(client, first_talk.url + "calendar/"))
    assert plain.walk("VALARM") == []

    event = only_event(fetch_calendar(client, first_talk.url + "calendar/?alarm=30"))
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=30)
    assert "Theoretical basis of deep learning" in str(alarm["DESCRIPTION"])


def test_series_calendar_gives_each_talk_the_alarm_but_not_a_cancelled_one(client, series):
    make_talk(series, "On", topics=["optimization"])
    make_talk(series, "Off", status=TalkPage.Status.CANCELLED)
    calendar = fetch_calendar(client, series.url + "calendar/?alarm=1440")
    alarms = {str(e["SUMMARY"]): len(e.walk("VALARM")) for e in calendar.walk("VEVENT")}
    assert alarms == {"On": 1, "Off": 0}


@pytest.mark.parametrize("alarm", ["-5", "10081", "99999999999999999999", "soon", "3.5", "1e3"])
def test_a_bad_alarm_is_a_400_naming_the_field(client, first_talk, series, alarm):
    for url in (first_talk.url + "calendar/", series.url + "calendar/"):
        response = client.get(url, {"alarm": alarm})
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert list(response.json()["errors"]) == ["alarm"]


def test_alarm_bounds_are_accepted(client, first_talk):
    for minutes in (0, 10080):
        event = only_event(fetch_calendar(client, f"{first_talk.url}calendar/?alarm={minutes}"))
        assert event.walk("VALARM")[0].decoded("TRIGGER") == -timedelta(minutes=minutes)


@pytest.fixture
def two_speakers_two_topics(series):
    ada, bo = make_speaker("Ada Example"), make_speaker("Bo Sample")
    venue = make_venue()
    make_talk(series, "Ada on GD", speakers=[ada], topics=["optimization"], venue=venue)
    make_talk(series, "Bo on GD", speakers=[bo], topics=["optimization", "theory"], venue=venue)
    make_talk(series, "Bo on kernels", speakers=[bo], topics=["kernels"], venue=venue)
    return ada, bo


def summaries(calendar) -> list[str]:
    return sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))


def test_topic_calendar_has_only_that_topics_talks(client, series, two_speakers_two_topics):
    calendar = fetch_calendar(client, series.url + "calendar/?topic=optimization")
    assert summaries(calendar) == ["Ada on GD", "Bo on GD"]
    assert str(calendar["X-WR-CALNAME"]) == "Seminar: optimization"
    response = client.get(series.url + "calendar/?topic=optimization")
    assert response["Content-Disposition"] == 'attachment; filename="talks-optimization.ics"'


def test_speaker_calendar_has_only_that_speakers_talks(client, series, two_speakers_two_topics):
    calendar = fetch_calendar(client, series.url + "calendar/?speaker=bo-sample&alarm=15")
    assert summaries(calendar) == ["Bo on GD", "Bo on kernels"]
    assert str(calendar["X-WR-CALNAME"]) == "Seminar: Bo Sample"
    assert all(len(e.walk("VALARM")) == 1 for e in calendar.walk("VEVENT"))


def test_uid_is_the_same_in_every_feed(client, series, two_speakers_two_topics):
    def uids(url):
        return {
            str(e["SUMMARY"]): str(e["UID"]) for e in fetch_calendar(client, url).walk("VEVENT")
        }

    everything = uids(series.url + "calendar/")
    by_topic = uids(series.url + "calendar/?topic=optimization")
    by_speaker = uids(series.url + "calendar/?speaker=bo-sample")
    talk = TalkPage.objects.get(title="Bo on GD")
    one = uids(talk.url + "calendar/")
    assert everything["Bo on GD"] == by_topic["Bo on GD"] == by_speaker["Bo on GD"]
    assert one["Bo on GD"] == everything["Bo on GD"] == talk.calendar_uid()


@pytest.mark.parametrize(
    "query",
    [
        "topic=no-such-topic",
        "speaker=nobody",
        "year=abc",
        "year=99999",
        "topic=%00",
        "speaker=" + "x" * 5000,
    ],
)
def test_unknown_filter_is_a_404_as_on_the_listing(client, series, two_speakers_two_topics, query):
    assert client.get(f"{series.url}?{query}").status_code == 404
    assert client.get(f"{series.url}calendar/?{query}").status_code == 404


def test_a_speaker_of_another_series_is_unknown_here(client, series, two_speakers_two_topics):
    make_speaker("Cy Elsewhere")
    assert client.get(series.url + "calendar/?speaker=cy-elsewhere").status_code == 404


def test_filtered_listing_links_its_own_calendar(client, series, two_speakers_two_topics):
    html = client.get(series.url, {"topic": "optimization", "page": "1"}).content.decode()
    assert f'href="{series.url}calendar/?topic=optimization"' in html
    assert "calendar of these talks only" not in client.get(series.url).content.decode()
