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
