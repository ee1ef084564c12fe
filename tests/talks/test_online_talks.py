"""Online and hybrid talks: who sees the online link, when, and where it never appears."""

from datetime import timedelta

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from talks.calendar import build_calendar, talk_event
from talks.models import TalkPage
from tests.factories import make_talk

pytestmark = pytest.mark.django_db

ZOOM = "https://zoom.example.org/j/123456789?pwd=secret"
PUBLIC, BEFORE_START, SUBSCRIBERS = (v.value for v in TalkPage.OnlineVisibility)


def online_talk(series, visibility, start=None, status=TalkPage.Status.SCHEDULED, **fields):
    return make_talk(
        series,
        "Hybrid talk",
        start=start or timezone.now() + timedelta(days=3),
        minutes=60,
        online_url=ZOOM,
        online_visibility=visibility,
        status=status,
        **fields,
    )


# Moments around a talk at 12:00–13:00 whose link opens 15 minutes before.
START = timezone.now().replace(microsecond=0) + timedelta(days=3)
MOMENTS = {
    "a day before": START - timedelta(days=1),
    "16 minutes before": START - timedelta(minutes=16),
    "15 minutes before": START - timedelta(minutes=15),
    "during": START + timedelta(minutes=30),
    "at the end": START + timedelta(minutes=60),
    "after": START + timedelta(minutes=61),
}
SHOWN_TO_EVERYONE = {
    PUBLIC: set(MOMENTS),
    BEFORE_START: {"15 minutes before", "during", "at the end"},
    SUBSCRIBERS: set(),
}


@pytest.mark.parametrize("visibility", [PUBLIC, BEFORE_START, SUBSCRIBERS])
@pytest.mark.parametrize("moment", list(MOMENTS))
@pytest.mark.parametrize("cancelled", [False, True], ids=["scheduled", "cancelled"])
def test_online_link_visibility_matrix(series, visibility, moment, cancelled):
    status = TalkPage.Status.CANCELLED if cancelled else TalkPage.Status.SCHEDULED
    talk = online_talk(series, visibility, start=START, status=status)
    now = MOMENTS[moment]
    public_sees = not cancelled and moment in SHOWN_TO_EVERYONE[visibility]
    assert talk.online_link(now=now) == (ZOOM if public_sees else "")
    # A confirmed subscriber gets the link whatever its visibility, unless the talk is cancelled.
    assert talk.online_link(now=now, for_subscriber=True) == ("" if cancelled else ZOOM)


def test_no_url_no_link(series):
    talk = make_talk(series, online_visibility=PUBLIC)
    assert talk.online_link() == "" and talk.online_link(for_subscriber=True) == ""


def test_minutes_before_is_bounded(series):
    talk = online_talk(series, BEFORE_START)
    talk.online_minutes_before = 1441
    with pytest.raises(ValidationError) as error:
        talk.full_clean()
    assert "online_minutes_before" in error.value.message_dict
    talk.online_minutes_before = 1440
    talk.full_clean()


def test_a_visibility_without_a_link_is_allowed_and_harmless(series):
    talk = make_talk(series, online_visibility=SUBSCRIBERS)
    talk.full_clean()
    assert talk.online_link(for_subscriber=True) == ""


def test_public_page_shows_a_public_link(client, series):
    talk = online_talk(series, PUBLIC)
    html = client.get(talk.url).content.decode()
    assert 'href="https://zoom.example.org/j/123456789?pwd=secret"' in html
    assert "Join online" in html


def test_public_page_says_when_a_before_start_link_appears(client, series):
    talk = online_talk(series, BEFORE_START, online_minutes_before=20)
    html = client.get(talk.url).content.decode()
    assert "zoom.example.org" not in html
    assert "The online link appears here 20 minutes before the start." in html


def test_public_page_shows_a_before_start_link_in_its_window(client, series):
    talk = online_talk(series, BEFORE_START, start=timezone.now() + timedelta(minutes=10))
    assert "zoom.example.org" in client.get(talk.url).content.decode()


def test_public_page_never_shows_a_subscribers_link(client, series):
    talk = online_talk(series, SUBSCRIBERS, start=timezone.now() + timedelta(minutes=5))
    html = client.get(talk.url).content.decode()
    assert "zoom.example.org" not in html
    assert "The online link is sent to email subscribers." in html


def test_cancelled_talk_shows_no_link_nor_notice(client, series):
    talk = online_talk(series, PUBLIC, status=TalkPage.Status.CANCELLED)
    html = client.get(talk.url).content.decode()
    assert "zoom.example.org" not in html and "Join online" not in html


def public_outputs(client, talk) -> str:
    """Everything a visitor can fetch about the talk: page, .ics of talk and series, Atom."""
    series = talk.get_parent().specific
    urls = [talk.url, talk.url + "calendar/", series.url, series.url + "calendar/"]
    return "".join(client.get(url).content.decode() for url in [*urls, series.url + "feed/"])


@pytest.mark.parametrize("visibility", [BEFORE_START, SUBSCRIBERS])
def test_no_public_calendar_or_feed_carries_a_link_that_is_not_public(client, series, visibility):
    # Inside the window: the page may show a before-start link, but nothing a client keeps does.
    talk = online_talk(series, visibility, start=timezone.now() + timedelta(minutes=5))
    series_url = series.url
    for url in (talk.url + "calendar/", series_url + "calendar/", series_url + "feed/"):
        assert "zoom.example.org" not in client.get(url).content.decode(), url
    assert "zoom.example.org" not in client.get(series_url).content.decode()
    if visibility == SUBSCRIBERS:
        assert "zoom.example.org" not in public_outputs(client, talk)


def test_public_link_is_in_the_public_calendar(client, series):
    talk = online_talk(series, PUBLIC)
    event = icalendar.Calendar.from_ical(client.get(talk.url + "calendar/").content).walk("VEVENT")[
        0
    ]
    assert f"Join online: {ZOOM}" in str(event["DESCRIPTION"])
    assert [str(c.uri) for c in event.conferences] == [ZOOM]
    assert str(event["URL"]) == talk.full_url


@pytest.mark.parametrize("visibility", [PUBLIC, BEFORE_START, SUBSCRIBERS])
def test_subscribers_calendar_carries_the_link(series, visibility):
    talk = online_talk(series, visibility)
    event = talk_event(talk, for_subscriber=True)
    assert ZOOM in str(event["DESCRIPTION"])
    assert [str(c.uri) for c in event.conferences] == [ZOOM]
    calendar = build_calendar([talk], "Mine", for_subscriber=True, alarm_minutes=60)
    assert ZOOM in calendar.to_ical().decode().replace("\r\n ", "")
    assert len(calendar.walk("VALARM")) == 1


def test_subscribers_calendar_of_a_cancelled_talk_has_no_link(series):
    talk = online_talk(series, SUBSCRIBERS, status=TalkPage.Status.CANCELLED)
    calendar = build_calendar([talk], "Mine", for_subscriber=True)
    assert "zoom.example.org" not in calendar.to_ical().decode().replace("\r\n ", "")


def test_structured_data_marks_a_hybrid_talk_without_leaking_the_link(client, series):
    talk = online_talk(series, SUBSCRIBERS)
    html = client.get(talk.url).content.decode()
    assert "MixedEventAttendanceMode" in html
    assert "zoom.example.org" not in html


def test_editor_sets_the_online_link_in_the_admin(client, series, moderator):
    from django.urls import reverse

    from tests.factories import make_speaker, make_venue
    from tests.talks.test_admin import talk_form

    speaker, venue = make_speaker(), make_venue()
    add_url = reverse("wagtailadmin_pages:add", args=("talks", "talkpage", series.pk))
    form = talk_form(speaker, venue, online_url=ZOOM, online_visibility=BEFORE_START)
    editor_page = client.get(add_url).content.decode()
    assert "Online or hybrid" in editor_page and "Subscribers only" in editor_page

    refused = client.post(add_url, form | {"online_minutes_before": "100000"})
    assert refused.status_code == 200
    assert "Ensure this value is less than or equal to 1440" in refused.content.decode()

    assert client.post(add_url, form | {"online_minutes_before": "30"}).status_code == 302
    talk = TalkPage.objects.get(slug="theoretical-basis")
    assert (talk.online_url, talk.online_visibility, talk.online_minutes_before) == (
        ZOOM,
        BEFORE_START,
        30,
    )


def test_a_new_online_link_bumps_the_calendar_sequence(series):
    talk = make_talk(series)
    assert talk.calendar_sequence == 0
    talk.online_url = ZOOM
    talk.save_revision().publish()
    talk.refresh_from_db()
    assert talk.calendar_sequence == 1  # subscribers' calendars pick up the new link
