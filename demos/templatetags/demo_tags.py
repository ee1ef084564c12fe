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


@register.simple_tag
def run_summary(run) -> str:
    """A finished run's result in one sentence, as its figure states it (layout.meta.summary);
    read by itself, not with the whole figure, and kept as long as the figure is."""
    if run is None or run.status != run.Status.DONE:
        return ""

    def read() -> str:
        summary = (
            type(run)
            .objects.filter(pk=run.pk)
            .values_list("figure__layout__meta__summary", flat=True)
            .first()
        )
        return summary if isinstance(summary, str) else ""

    key = f"demo-run-summary:{run.public_id}:{run.key}"
    return cache.get_or_set(key, read, FINISHED_CACHE_SECONDS)
