"""Template helpers for demos on pages: a finished run's figure as JSON for the chart script."""

from django import template
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from demos.models import FINISHED_CACHE_SECONDS
from seminar_site.html import script_json

register = template.Library()


@register.simple_tag
def run_figure_json(run) -> SafeString:
    """A finished run's figure as a JSON <script> element, built once: it never changes."""
    if run is None or run.status != run.Status.DONE:
        return SafeString("")
    key = f"demo-run-figure:{run.public_id}:{run.key}"
    # The cache holds the element's text; it was made safe by script_json when it was built.
    return mark_safe(
        cache.get_or_set(key, lambda: str(script_json(run.figure)), FINISHED_CACHE_SECONDS)
    )  # noqa: S308
