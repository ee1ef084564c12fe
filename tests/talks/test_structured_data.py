"""The schema.org Event a talk page gives search engines, built without a request."""

import pytest

from talks.models import TalkPage
from talks.structured_data import talk_event
from tests.factories import make_speaker, make_talk, make_venue, shanghai

pytestmark = pytest.mark.django_db


def test_a_talk_is_an_event_in_the_venues_zone_with_its_speakers(series):
    ada = make_speaker("Ada Example", position="Professor", affiliation="Example University")
    bo = make_speaker("Bo Sample")
    venue = make_venue(time_zone="Europe/London", address="1 Example Road")
    talk = make_talk(
        series,
        "Postponed talk",
        start=shanghai(2024, 9, 25, 16),
        minutes=90,
        speakers=[ada, bo],
        venue=venue,
        status=TalkPage.Status.POSTPONED,
    )
    data = talk_event(talk, None)
    assert data["eventStatus"] == "https://schema.org/EventPostponed"
    assert (data["startDate"], data["endDate"]) == (
        "2024-09-25T09:00:00+01:00",
        "2024-09-25T10:30:00+01:00",
    )
    assert data["performer"] == [
        {
            "@type": "Person",
            "name": "Ada Example",
            "jobTitle": "Professor",
            "affiliation": {"@type": "Organization", "name": "Example University"},
        },
        {"@type": "Person", "name": "Bo Sample"},
    ]
    assert data["location"] == {
        "@type": "Place",
        "name": "Room 313",
        "address": "Room 313, Computer Building, 1 Example Road",
    }
    assert data["url"].endswith(talk.url)
