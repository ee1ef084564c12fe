"""iCalendar (RFC 5545) output for one talk or a whole series, and the Google Calendar link."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from talks.snippets import topic_name

ICAL_STATUS = {"scheduled": "CONFIRMED", "cancelled": "CANCELLED", "postponed": "TENTATIVE"}
DESCRIPTION_LIMIT = 1500
MAX_ALARM_MINUTES = 7 * 24 * 60  # a week ahead is the earliest reminder a calendar needs


class CalendarOptionsForm(forms.Form):
    """What a visitor may ask of a calendar by query string: ``?alarm=30`` adds a reminder."""

    alarm = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_ALARM_MINUTES,
        help_text=gettext_lazy(
            "Minutes before each talk's start at which the calendar reminds you."
        ),
    )


def talk_description(talk, online_link: str = "") -> str:
    lines = []
    if online_link:
        lines.append(_("Join online: %(link)s") % {"link": online_link})
    if talk.speakers:
        speakers = "; ".join(speaker_line(s) for s in talk.speakers)
        lines.append(_("Speaker: %(speakers)s") % {"speakers": speakers})
    if talk.is_cancelled:
        lines.append(_("This talk is cancelled."))
    elif talk.is_postponed:
        lines.append(_("This talk is postponed; a new date will be announced."))
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


def talk_event(talk, request=None, for_subscriber: bool = False) -> icalendar.Event:
    """One talk as a VEVENT. Only a subscriber's calendar (for_subscriber) may carry an online
    link that is not public: a public calendar is fetched once and kept, so it carries a link
    only if everyone may always see it."""
    # Imported when a calendar is asked for: every talk page links to one, few fetch it, and
    # icalendar would cost each web worker about 4 MB.
    import icalendar

    online_link = talk.calendar_online_link(for_subscriber=for_subscriber)
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
        event.add("location", talk.translated_venue.place)
    event.add("description", talk_description(talk, online_link))
    event.add("url", talk.get_full_url(request))
    if online_link:
        # RFC 7986's CONFERENCE, for the clients that offer a "Join" button; others read the
        # link in the description.
        event.conferences = [
            icalendar.Conference(online_link, feature="AUDIO,VIDEO", label="Join online")
        ]
    topics = [topic_name(t) for t in talk.topics.all()]  # in the calendar's language
    if topics:
        event.add("categories", topics)
    return event


def reminder(minutes: int, talk) -> icalendar.Alarm:
    """A VALARM that shows a message ``minutes`` before the talk starts."""
    import icalendar  # see talk_event

    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _("Talk: %(title)s") % {"title": talk.title})
    alarm.add("trigger", -timedelta(minutes=minutes))  # relative to DTSTART
    return alarm


def build_calendar(
    talks: Iterable,
    name: str,
    request=None,
    for_subscriber: bool = False,
    alarm_minutes: int | None = None,
) -> icalendar.Calendar:
    """A calendar of the talks that have times, with a VTIMEZONE for each venue's zone and,
    with ``alarm_minutes``, a reminder before each talk not cancelled."""
    import icalendar  # see talk_event

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Seminar site//talks//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for talk in talks:
        if talk.start and talk.end:
            event = talk_event(talk, request, for_subscriber=for_subscriber)
            if alarm_minutes is not None and not talk.is_cancelled:
                event.add_component(reminder(alarm_minutes, talk))
            calendar.add_component(event)
    # Times keep their TZID; the zones' rules travel with them (1970–2038 by default, a few KB).
    calendar.add_missing_timezones()
    return calendar


def calendar_response(request, talks: Iterable, name: str, filename: str) -> HttpResponse:
    """The public .ics of these talks, or a 400 naming the query parameter that is wrong."""
    options = CalendarOptionsForm(request.GET)
    if not options.is_valid():
        return JsonResponse({"errors": options.errors.get_json_data()}, status=400)
    alarm_minutes = options.cleaned_data["alarm"]
    body = build_calendar(talks, name, request, alarm_minutes=alarm_minutes).to_ical()
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
        "details": talk_description(talk, talk.calendar_online_link())[:800]
        + "\n\n"
        + talk.get_full_url(),
        "location": talk.translated_venue.place if talk.venue else "",
        "ctz": talk.zone.key,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)
