"""schema.org JSON-LD for search engines: a talk as an Event, with its speakers and place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for hints only: talks.pages imports this module
    from django.http import HttpRequest

    from .pages import TalkPage
    from .snippets import Speaker

# Keyed by the stored status value, as calendar.ICAL_STATUS is, so this module needs no models.
EVENT_STATUS = {
    "scheduled": "https://schema.org/EventScheduled",
    "cancelled": "https://schema.org/EventCancelled",
    "postponed": "https://schema.org/EventPostponed",
}


def talk_event(talk: TalkPage, request: HttpRequest | None) -> dict:
    """The talk as a schema.org Event, times in the venue's zone."""
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": talk.title,
        "url": talk.get_full_url(request),
        "description": talk.abstract_text,
        "eventStatus": EVENT_STATUS[talk.status],
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "performer": [performer(speaker) for speaker in talk.speakers],
    }
    if talk.start:
        data["startDate"] = talk.local_start.isoformat()
    if talk.end:
        data["endDate"] = talk.local_end.isoformat()
    if talk.venue:
        data["location"] = {
            "@type": "Place",
            "name": talk.translated_venue.name,
            "address": talk.translated_venue.place,
        }
    if talk.online_url and not talk.is_cancelled:
        # Hybrid: the room and the online link. A link not public is replaced by the talk's page,
        # which says how to get it.
        online = {"@type": "VirtualLocation", "url": talk.online_link() or data["url"]}
        data["eventAttendanceMode"] = "https://schema.org/MixedEventAttendanceMode"
        data["location"] = [data["location"], online] if "location" in data else online
    return data


def performer(speaker: Speaker) -> dict:
    person = {"@type": "Person", "name": speaker.name}
    if speaker.position:
        person["jobTitle"] = speaker.position
    if speaker.affiliation:
        person["affiliation"] = {"@type": "Organization", "name": speaker.affiliation}
    same_as = [url for url in (speaker.homepage, speaker.orcid_url) if url]
    if same_as:
        person["sameAs"] = same_as
    return person
