"""Template helpers for talk pages and listings: math in rich text, JSON-LD, times in a talk's
zone, and what a listing row shows (demos, speakers' photos)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django import template
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.safestring import mark_safe
from wagtail.images import get_image_model
from wagtail.rich_text import expand_db_html

from demos.blocks import DemoBlock
from seminar_site.html import script_json
from talks.mathtext import render_math
from talks.snippets import topic_name
from talks.when import format_moment
from talks.zones import zone_label

register = template.Library()

# A speaker's photo in a listing: shown at 40 px, rendered at twice that for sharp screens.
LISTING_PHOTO = "fill-80x80"


@register.filter
def richtext_math(value: str) -> str:
    """Wagtail rich text (already sanitized by Wagtail) with $…$ rendered as MathML."""
    return mark_safe(render_math(expand_db_html(value or "")))  # noqa: S308


@register.simple_tag
def json_ld(data: dict) -> str:
    """A <script type="application/ld+json"> that no string in `data` can break out of."""
    return script_json(data, "application/ld+json")


@register.filter
def utc_iso(value) -> str:
    """An instant as UTC ISO 8601, for <time datetime> and the local-time script."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else ""


@register.simple_tag
def query_with(request, **changes) -> str:
    """The current query string with some parameters replaced (keeps filters across pages)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return "?" + query.urlencode()


@register.filter(expects_localtime=True)
def talk_time(value: datetime | None, style: str) -> str:
    """A moment in the active language's layout named `style` (talks.when), in the zone of the
    enclosing {% timezone %} (or of a `|timezone:` filter before it), as Django's `date` does."""
    return format_moment(value, style) if value else ""


@register.filter
def topic(tag) -> str:
    """A topic's name in the active language."""
    return topic_name(tag)


@register.filter
def venue_zone(talk, moment: datetime | None = None) -> str:
    """The zone a talk's times are shown in, with its offset at `moment` (the talk's start)."""
    return zone_label(talk.zone, moment or talk.start)


@register.filter
def has_demos(talk) -> bool:
    """Whether a talk's body holds a demo, read from the body's JSON as loaded with the page:
    no block is built and no query made, so a listing can ask it of every row."""
    body = talk.body
    if not body:
        return False
    block_types = body.stream_block.child_blocks
    return any(isinstance(block_types.get(item["type"]), DemoBlock) for item in body.raw_data)


@register.filter
def all_talks_label(series) -> str:
    """The link to a series' listing: "All talks", naming the series only when its title says
    more than "Talks"."""
    title = " ".join(series.title.split())
    if title.casefold() in {"talks", "all talks"}:
        return "All talks"
    return f"All talks in {title}"


@register.simple_tag
def with_speaker_photos(talks: Iterable) -> list:
    """The talks of a listing as a list, with their speakers' photos and the photos' listing
    renditions fetched in two queries for all rows (not two per speaker).

    Talks from ``TalkPageQuerySet.for_listing()`` already carry their speakers; a query set is
    evaluated here once and the template reads the list.
    """
    rows = list(talks)
    renditions = get_image_model().get_rendition_model().objects.filter(filter_spec=LISTING_PHOTO)
    prefetch_related_objects(
        rows,
        "speaker_links__speaker__photo",
        Prefetch("speaker_links__speaker__photo__renditions", queryset=renditions),
    )
    return rows
