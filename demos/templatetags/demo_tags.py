"""Template helpers for demos on pages: a finished run's figure as JSON for the chart script."""

from django import template
from django.core.cache import cache
from django.db.models.fields.json import KT
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from demos.models import FINISHED_CACHE_SECONDS
from seminar_site.html import script_json

register = template.Library()


@register.simple_tag
def run_figure_json(run) -> SafeString:
    """A finished run's figure as a JSON <script> element, built once: it never changes."""
    if run is None or run.status != run.Status.DONE:
        return SafeString("")
    language = get_language()
    key = f"demo-run-figure:{run.public_id}:{run.key}:{language}"
    # The cache holds the element's text; it was made safe by script_json when it was built.
    return mark_safe(
        cache.get_or_set(
            key, lambda: str(script_json(run.figure_in(language))), FINISHED_CACHE_SECONDS
        )
    )  # noqa: S308


@register.simple_tag
def run_summary(run) -> str:
    """A finished run's result in one sentence, as its figure states it (layout.meta.summary);
    read by itself, not with the whole figure, and kept as long as the figure is."""
    if run is None or run.status != run.Status.DONE:
        return ""

    language = get_language()

    def read() -> str:
        # The sentence in the page's language where the run was drawn in it, else in English.
        summaries = (
            type(run)
            .objects.filter(pk=run.pk)
            .values_list(
                KT(f"figure_translations__{language}__layout__meta__summary"),
                KT("figure__layout__meta__summary"),
            )
            .first()
        )
        return next((s for s in summaries or () if isinstance(s, str) and s), "")

    key = f"demo-run-summary:{run.public_id}:{run.key}:{language}"
    return cache.get_or_set(key, read, FINISHED_CACHE_SECONDS)


@register.simple_tag
def demo_messages() -> dict[str, str]:
    """What demos.js says to visitors, in the active language: the keys of its ENGLISH messages
    (static/js/demos.js), given to it as JSON by demos/includes/scripts.html. demos.js fills in
    the {names}; a key missing here stays in English."""
    return {
        "computing": gettext("The chart is being computed; it appears here when it is ready."),
        "noPlotly": gettext("The chart library did not load: reload the page to see this demo."),
        "seconds": gettext("{seconds} s"),
        "minutes": gettext("{minutes} min"),
        "frame": gettext("Frame"),
        "animation": gettext("{label}: animation"),
        "frameValue": gettext("{label}: {value}"),
        "play": gettext("▶ Play"),
        "pause": gettext("❚❚ Pause"),
        "tableCaption": gettext("The chart's lines"),
        "tableLine": gettext("Line"),
        "tablePoints": gettext("Points"),
        "tableX": gettext("x from … to"),
        "tableY": gettext("y first → last"),
        "tableRange": gettext("y lowest … highest"),
        "lineNumber": gettext("line {number}"),
        "unreachable": gettext("The server could not be reached."),
        "serverAnswered": gettext("The server answered {status}."),
        "unreadable": gettext("The server's answer could not be read."),
        "noRunUrl": gettext("This page does not say where to find its run."),
        "noRunsUrl": gettext("This page does not say where to ask for runs."),
        "broken": gettext(
            "Something went wrong while showing this demo: reload the page to try again."
        ),
        "runLink": gettext("run {id}"),
        "pressRun": gettext("{message} Press Run to try again."),
        "notValid": gettext("is not valid"),
        "fieldError": gettext("{field}: {message}"),
        "fieldTitle": gettext("{title} ({unit})"),
        "slider": gettext("{title} slider"),
        "pleaseWait": gettext("Please wait {duration} before asking for another run."),
        "asking": gettext("Asking for a run…"),
        "previousRun": gettext(" (the previous run, shown while run {id} is computed)"),
        "checkParameters": gettext("Check the parameters marked below."),
        "tryAgainIn": gettext("{message} You can try again in {duration}."),
        "runAgainNow": gettext("You can run it again now."),
        "noChart": gettext("No chart to show."),
        "noChartYet": gettext("No chart to show yet."),
        "runGone": gettext("This run no longer exists."),
        "cannotShow": gettext("This run cannot be shown: {message}"),
        "serverTrouble": gettext("The server is having trouble"),
        "lostContact": gettext("Lost contact with the server"),
        "gaveUp": gettext("{trouble}: gave up after {count} tries."),
        "retrying": gettext("{trouble}; trying again ({count} of {limit})…"),
        "runFailedBecause": gettext("This run failed: {error}"),
        "runFailed": gettext("This run failed."),
        "noWorker": gettext(
            "No worker is taking runs right now: this run has waited {duration} to start."
        ),
        "waiting": gettext("Waiting for a worker…"),
        "progress": gettext("Computing… {percent}%"),
        "computingChart": gettext("Computing the chart…"),
        "computedIn": gettext("computed in {seconds} s"),
        "compareWith": gettext("compare with run {id}"),
        "finished": gettext("Run {id} finished. {summary}"),
        "finishedIn": gettext("Run {id} finished in {seconds} s. {summary}"),
        "chartShowsIt": gettext("The chart shows it."),
        "recordedRun": gettext("{title}, run {id}"),
    }


@register.filter
def translated(text: str) -> str:
    """Words marked in demos/sims (a demo's title and summary) in the active language."""
    return gettext(text)
