"""iCalendar (RFC 5545) output for one talk or a whole series, and the Google Calendar link."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils import timezone

ICAL_STATUS = {"scheduled": "CONFIRMED", "cancelled": "CANCELLED", "postponed": "TENTATIVE"}
DESCRIPTION_LIMIT = 1500


def talk_description(talk) -> str:
    lines = []
    if talk.speakers:
        lines.append("Speaker: " + "; ".join(speaker_line(s) for s in talk.speakers))
    if talk.is_cancelled:
        lines.append("This talk is cancelled.")
    elif talk.is_postponed:
        lines.append("This talk is postponed; a new date will be announced.")
    abstract = talk.abstract_text
    if len(abstract) > DESCRIPTION_LIMIT:
        abstract = abstract[:DESCRIPTION_LIMIT].rsplit(" ", 1)[0] + " …"
    if abstract:
        lines.append(abstract)
    return "\n\n".join(lines)


def speaker_line(speaker) -> str:
    return ", ".join(p for p in (speaker.name, speaker.affiliation) if p)


if TYPE_CHECKING:
    import icalendar


def talk_event(talk, request=None) -> icalendar.Event:
    # Imported when a calendar is asked for: every talk page links to one, few fetch it, and
    # icalendar would cost each web worker about 4 MB.
    import icalendar

    event = icalendar.Event()
    event.add("uid", talk.calendar_uid())
    event.add("sequence", talk.calendar_sequence)
    event.add("dtstamp", (talk.last_published_at or timezone.now()).astimezone(UTC))
    if talk.last_published_at:
        event.add("last-modified", talk.last_published_at.astimezone(UTC))
    event.add("summary", talk.title)
    # Local time with TZID (and a VTIMEZONE below) keeps the venue's wall clock across DST rules.
    event.add("dtstart", talk.local_start)
    event.add("dtend", talk.local_end)
    event.add("status", ICAL_STATUS[talk.status])
    if talk.venue:
        event.add("location", talk.venue.place)
    event.add("description", talk_description(talk))
    event.add("url", talk.get_full_url(request))
    topics = [t.name for t in talk.topics.all()]
    if topics:
        event.add("categories", topics)
    return event


def build_calendar(talks: Iterable, name: str, request=None) -> icalendar.Calendar:
    import icalendar  # see talk_event

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Seminar site//talks//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for talk in talks:
        if talk.start and talk.end:
            calendar.add_component(talk_event(talk, request))
    calendar.add_missing_timezones()
    return calendar


def calendar_response(request, talks: Iterable, name: str, filename: str) -> HttpResponse:
    body = build_calendar(talks, name, request).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.ics"'
    return response


def google_calendar_url(talk) -> str:
    def stamp(value):
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    query = {
        "action": "TEMPLATE",
        "text": talk.title,
        "dates": f"{stamp(talk.start)}/{stamp(talk.end)}",
        "details": talk_description(talk)[:800] + "\n\n" + talk.get_full_url(),
        "location": talk.venue.place if talk.venue else "",
        "ctz": talk.zone.key,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)
