"""Template helpers for talk pages: math in rich text, JSON-LD, times in a talk's zone."""

from datetime import UTC

from django import template
from django.utils.safestring import mark_safe
from wagtail.rich_text import expand_db_html

from seminar_site.html import script_json
from talks.mathtext import render_math

register = template.Library()


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
