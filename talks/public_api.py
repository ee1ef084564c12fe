"""The public talks API: read-only JSON of published, public talks at /api/talks, a router on the
site's one NinjaAPI (demos/api.py), so one OpenAPI description lists the demos and the talks.

Answers are stored like visitors' pages (seminar_site/page_cache.py): keyed by the content
generation, so a publication, an unpublication or an edited speaker shows at once. Bad query
values are a 422 naming the field, in the demos API's error shape.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from functools import reduce, wraps
from operator import or_
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponseBase
from django.utils.http import urlencode
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from pydantic import PlainSerializer, ValidationInfo, WithJsonSchema, field_validator

from demos.api import BadParameters, ErrorOut
from seminar_site import page_cache

from .filters import TalkFilter
from .models import Speaker, TalkIndexPage, TalkPage, Venue
from .pages import TalkPageQuerySet

MAX_LIMIT = 100
MAX_OFFSET = 100_000  # far beyond any archive; keeps the number inside the database's integers
EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)  # the listing's year filter's bounds
SLUG = r"^[-\w]+$"
MAX_ID = 2**63 - 1  # the database's largest id: a bigger number is simply not found

router = Router(tags=["talks"])

# Always with a numeric offset, "+00:00" too (pydantic would write "Z" for UTC): one form for
# every venue, which older ISO parsers read as well.
OffsetDateTime = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


# --- what may be asked ----------------------------------------------------------------------


class TalkQuery(Schema):
    """Which talks, in which order, which page of them."""

    when: Literal["upcoming", "past", "all"] = Field(
        "upcoming",
        description="upcoming: not yet ended, soonest first; past: ended, latest first; all.",
    )
    series: str | None = Field(
        None, max_length=255, pattern=SLUG, description="A series' slug, e.g. `talks`."
    )
    speaker: str | None = Field(
        None, max_length=200, pattern=SLUG, description="A speaker's slug (their page's address)."
    )
    topic: str | None = Field(None, max_length=100, pattern=SLUG, description="A topic's slug.")
    # "from" is a Python keyword: the attribute is from_, the query parameter "from".
    from_: date | None = Field(
        None,
        alias="from",
        ge=EARLIEST,
        le=LATEST,
        description="Talks starting on or after this date (YYYY-MM-DD) at their venue.",
    )
    to: date | None = Field(
        None,
        ge=EARLIEST,
        le=LATEST,
        description="Talks starting on or before this date (YYYY-MM-DD) at their venue.",
    )
    order: Literal["start", "-start"] | None = Field(
        None, description="By start time; by default `-start` for past talks, else `start`."
    )
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description=f"Talks per page, at most {MAX_LIMIT}.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many talks to skip.")

    @field_validator("to")
    @classmethod
    def not_before_from(cls, to: date | None, info: ValidationInfo) -> date | None:
        first = info.data.get("from_")
        if to and first and to < first:
            raise ValueError("must not be before `from`")
        return to


# --- the answer ------------------------------------------------------------------------------


class SpeakerOut(Schema):
    name: str
    slug: str
    position: str
    affiliation: str
    url: str

    @staticmethod
    def resolve_url(speaker: Speaker, context) -> str:
        return context["request"].build_absolute_uri(speaker.get_absolute_url())


class VenueOut(Schema):
    name: str
    room: str
    building: str
    address: str
    place: str  # room, building and address on one line
    time_zone: str  # IANA name; the talk's times carry its offset
    map_url: str


class SeriesOut(Schema):
    title: str
    slug: str
    url: str

    @staticmethod
    def resolve_url(series: TalkIndexPage, context) -> str:
        return series.get_full_url(context["request"])


class TopicOut(Schema):
    name: str
    slug: str


class TalkOut(Schema):
    id: int = Field(description="The talk's page id: stable for the life of the talk.")
    calendar_uid: str = Field(description="The UID of the talk's event in every iCal export.")
    title: str
    status: Literal["scheduled", "cancelled", "postponed"]
    start: OffsetDateTime | None = Field(description="ISO 8601 with the venue's UTC offset.")
    end: OffsetDateTime | None
    time_zone: str
    series: SeriesOut
    speakers: list[SpeakerOut]
    venue: VenueOut | None
    topics: list[TopicOut]
    abstract: str = Field(description="Plain text (math stays as its $…$ source).")
    url: str
    ics_url: str
    slides_url: str | None
    recording_url: str | None
    online_url: str | None = Field(description="Only a link its editors made public.")

    @staticmethod
    def resolve_calendar_uid(talk: TalkPage) -> str:
        return talk.calendar_uid()

    @staticmethod
    def resolve_start(talk: TalkPage) -> datetime | None:
        return talk.local_start

    @staticmethod
    def resolve_end(talk: TalkPage) -> datetime | None:
        return talk.local_end

    @staticmethod
    def resolve_time_zone(talk: TalkPage) -> str:
        return talk.zone.key

    @staticmethod
    def resolve_series(talk: TalkPage) -> TalkIndexPage:
        # with_series looked a page's series up with its neighbours'; one talk asks for its own.
        return getattr(talk, "series_page", None) or talk.get_parent().specific

    @staticmethod
    def resolve_topics(talk: TalkPage) -> list:
        return list(talk.topics.all())

    @staticmethod
    def resolve_abstract(talk: TalkPage) -> str:
        return talk.abstract_text

    @staticmethod
    def resolve_url(talk: TalkPage, context) -> str:
        return talk.get_full_url(context["request"])

    @staticmethod
    def resolve_ics_url(talk: TalkPage, context) -> str:
        return talk.get_full_url(context["request"]) + talk.reverse_subpage("ics")

    @staticmethod
    def resolve_slides_url(talk: TalkPage) -> str | None:
        return talk.slides_url or None

    @staticmethod
    def resolve_recording_url(talk: TalkPage) -> str | None:
        return talk.recording_url or None

    @staticmethod
    def resolve_online_url(talk: TalkPage) -> str | None:
        # Answers are stored and copied elsewhere, like a calendar: a link meant only for
        # subscribers, or only for shortly before the start, is never in them.
        return talk.calendar_online_link() or None


class TalkListOut(Schema):
    count: int = Field(description="Talks matching, over all pages.")
    limit: int
    offset: int
    next: str | None = Field(description="The next page's address, if any.")
    previous: str | None
    items: list[TalkOut]


# --- which talks -----------------------------------------------------------------------------


def public_talks() -> TalkPageQuerySet:
    return TalkPage.objects.live().public().in_default_language().for_listing()


def series_named(slug: str) -> list[TalkIndexPage]:
    """The public series with this slug (slugs are unique among siblings: there may be two)."""
    found = list(TalkIndexPage.objects.live().public().filter(slug=slug))
    if not found:
        raise BadParameters(422, [unknown("series", f"No public series has the slug “{slug}”.")])
    return found


def unknown(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message, "type": "unknown_choice"}


def starting_on_dates(talks, first: date | None, last: date | None):
    """Talks starting between these dates inclusive, each by its venue's calendar: a talk at
    07:00 in Shanghai on the 25th is on the 25th, though it is the 24th in UTC."""
    if not (first or last):
        return talks
    zones = set(Venue.objects.filter(talks__in=talks).values_list("time_zone", flat=True))
    by_zone = []
    for zone_name in zones | {None}:  # None: a talk without a venue is dated in UTC
        zone = ZoneInfo(zone_name or "UTC")
        condition = Q(venue__time_zone=zone_name) if zone_name else Q(venue__isnull=True)
        if first:
            condition &= Q(start__gte=datetime.combine(first, time.min, zone))
        if last:
            condition &= Q(start__lt=datetime.combine(last + timedelta(days=1), time.min, zone))
        by_zone.append(condition)
    return talks.filter(reduce(or_, by_zone))


def with_series(talks: list[TalkPage]) -> list[TalkPage]:
    """The talks, each with its series looked up in one query for all of them."""
    steplen = TalkPage.steplen
    paths = {talk.path[:-steplen] for talk in talks}
    series = {page.path: page for page in TalkIndexPage.objects.filter(path__in=paths)}
    for talk in talks:
        talk.series_page = series.get(talk.path[:-steplen])
    return talks


def matching_talks(query: TalkQuery, now: datetime | None = None) -> TalkPageQuerySet:
    """Every public talk the query asks for, in its order (ties by id, so pages never overlap)."""
    talks = public_talks()
    # The listing's own filters: speaker and topic slugs checked against public talks only,
    # so a draft's speaker or topic answers as an unknown one does.
    chosen = {name: getattr(query, name) for name in ("speaker", "topic") if getattr(query, name)}
    talk_filter = TalkFilter(chosen, queryset=talks)
    if not talk_filter.is_valid():
        raise BadParameters(
            422,
            [
                unknown(field, f"No public talk has the {field} “{chosen[field]}”.")
                for field in talk_filter.errors
            ],
        )
    talks = talk_filter.qs
    if query.series:
        talks = talks.filter(reduce(or_, (talks.child_of_q(s) for s in series_named(query.series))))
    talks = starting_on_dates(talks, query.from_, query.to)
    if query.when == "upcoming":
        talks = talks.upcoming(now)
    elif query.when == "past":
        talks = talks.past(now)
    order = query.order or ("-start" if query.when == "past" else "start")
    return talks.order_by(order, "-pk" if order.startswith("-") else "pk")


# --- stored like pages ------------------------------------------------------------------------


def stored_like_pages(view):
    """Serve and store the answer as the visitor page cache does (gzip, ETag, 304, the pages'
    Cache-Control), keyed by the content generation. The answer is the same for everyone (public
    talks only), so sessions do not matter; any site's script may read it (CORS)."""

    @wraps(view)
    def answer(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        address = hashlib.blake2b(
            f"{request.get_host()}{request.get_full_path()}".encode(), digest_size=20
        ).hexdigest()
        key = f"public-api:{page_cache.generation()}:{address}"
        stored = page_cache.pages().get(key)
        if stored is None:
            response = view(request, *args, **kwargs)
            response["Access-Control-Allow-Origin"] = "*"
            if response.status_code != 200:
                return response  # refusals are cheap and must say what was wrong each time
            stored = page_cache.StoredPage.of(response)
            page_cache.pages().set(key, stored, settings.PAGE_CACHE_SECONDS)
        return stored.response(request)

    return answer


def page_address(request: HttpRequest, offset: int) -> str:
    query = request.GET.copy()
    query["offset"] = str(offset)
    return request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.items()))}")


# --- endpoints --------------------------------------------------------------------------------


@router.get("", response={200: TalkListOut, 422: ErrorOut}, url_name="list_talks")
@decorate_view(stored_like_pages)
def list_talks(request, query: Query[TalkQuery]):
    """Published, public talks: upcoming (soonest first) by default, or past, or all; narrowed
    by series, speaker, topic and dates; `limit` and `offset` page through them."""
    talks = matching_talks(query)
    count = talks.count()
    end = query.offset + query.limit
    return {
        "count": count,
        "limit": query.limit,
        "offset": query.offset,
        "next": page_address(request, end) if end < count else None,
        "previous": page_address(request, max(query.offset - query.limit, 0))
        if query.offset
        else None,
        "items": with_series(list(talks[query.offset : end])),
    }


@router.get("/{int:talk_id}", response={200: TalkOut, 404: ErrorOut}, url_name="get_talk")
@decorate_view(stored_like_pages)
def get_talk(request, talk_id: int):
    """One published, public talk by its id; a draft's or a restricted talk's id is a 404."""
    talk = public_talks().filter(pk=talk_id).first() if 0 < talk_id <= MAX_ID else None
    if talk is None:
        raise HttpError(404, f"No public talk with id {talk_id}.")
    return talk
