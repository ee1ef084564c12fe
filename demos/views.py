"""Pages of the demos app: a run's permalink, which redraws exactly the chart of that run, its
data and a script to take away, and several runs of one demo compared on one chart."""

import logging
import re
import zoneinfo
from datetime import datetime

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext

from demos.blocks import number
from demos.downloads import COMPARE_LIMIT, figure_csv, overlay, reproduce_script
from demos.languages import demo_schema
from demos.models import DemoRun
from demos.runs import visible_run
from talks.pages import live_translation
from talks.when import format_moment
from talks.zones import zone_label

logger = logging.getLogger(__name__)


def shown(value) -> str:
    """A parameter's value as a reader writes it: 0.1, not 0.1000; a list with commas."""
    if isinstance(value, list):
        return ", ".join(shown(item) for item in value)
    return number(value) if isinstance(value, int | float) else str(value)


def parameter_rows(demo, params: dict) -> list[tuple[str, str, str]]:
    """A run's parameters as its page lists them: title, value, unit (the demo's schema).
    The seed is left out: the page names it once, among the run's facts."""
    properties = demo_schema(demo).get("properties", {})
    return [
        (
            properties.get(name, {}).get("title", name),
            shown(value),
            properties.get(name, {}).get("unit", ""),
        )
        for name, value in params.items()
        if name != "seed"
    ]


def moment(when: datetime | None, zone: zoneinfo.ZoneInfo) -> str:
    """ "25 Sep 2024, 16:30 (Asia/Shanghai, UTC+8)": the zone named, not an ambiguous "CST"."""
    if when is None:
        return ""
    return f"{format_moment(when.astimezone(zone), 'date_time')} ({zone_label(zone, when)})"


def shown_run(request, public_id: str) -> DemoRun:
    run = visible_run(request, public_id)
    if run is None:
        raise Http404("No such run.")
    return run


def compare_links(run: DemoRun) -> list[tuple[str, str]]:
    """Runs of the same demo worth comparing with this one: its talk's recorded runs and the
    talk's default run (label, compare address), finished and other than this one."""
    if not run.talk_id or not run.talk.is_public():
        return []
    others = (
        DemoRun.objects.for_display()
        .filter(talk_id=run.talk_id, demo_slug=run.demo_slug, status=DemoRun.Status.DONE)
        .exclude(pk=run.pk)
        .order_by("-recorded_at_talk", "created_at")[: COMPARE_LIMIT - 1]
    )
    compare = reverse("demo_compare")
    return [
        (
            (
                gettext("run %(id)s (recorded at the talk)")
                if other.recorded_at_talk
                else gettext("run %(id)s")
            )
            % {"id": other.public_id},
            f"{compare}?runs={other.public_id},{run.public_id}",
        )
        for other in others
    ]


def run_detail(request, public_id: str):
    run = shown_run(request, public_id)
    try:
        demo = run.demo
        talk = run.talk if run.talk and run.talk.is_public() else None
        if talk is not None:  # the talk in the reader's language where it is translated
            talk = live_translation(talk, get_language())
        # Times in the venue's zone: a run recorded at a talk is read against the talk's clock.
        zone = talk.zone if talk else zoneinfo.ZoneInfo("UTC")
        context = {
            "run": run,
            "replay": run.replay_in(get_language()),
            "demo": demo,
            "params": dict(run.params),
            "parameter_rows": parameter_rows(demo, dict(run.params)),
            "params_schema": demo_schema(demo),
            # Named only when public: a draft's or a restricted talk's title is not revealed.
            "talk": talk,
            "created": moment(run.created_at, zone),
            "finished": moment(run.finished_at, zone),
            "compare_links": compare_links(run) if run.status == DemoRun.Status.DONE else [],
        }
        return render(request, "demos/run_detail.html", context)
    except (KeyError, TypeError, ValueError) as error:
        # Its demo removed, or a row that older code or a hand edit left malformed.
        logger.warning("Run %s cannot be shown: %r", run.pk, error)
        return render(request, "demos/run_unavailable.html", {"run": run}, status=410)


def _attachment(text: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def run_csv(request, public_id: str):
    """The points of a finished run's chart, one per row."""
    run = shown_run(request, public_id)
    if run.status != DemoRun.Status.DONE or not isinstance(run.figure, dict):
        raise Http404("This run has no chart yet.")
    return _attachment(figure_csv(run.figure), "text/csv; charset=utf-8", f"run-{public_id}.csv")


def run_script(request, public_id: str):
    """A shell script that computes the run again with the run_demo command."""
    run = shown_run(request, public_id)
    return _attachment(reproduce_script(run), "text/x-shellscript", f"run-{public_id}.sh")


class CompareRefused(ValueError):
    """The runs asked for cannot be compared; the message says why, naming the field."""


def runs_to_compare(request) -> list[DemoRun]:
    """The runs named by ?runs= (ids or permalinks, separated by commas or spaces)."""
    text = request.GET.get("runs", "")
    if len(text) > 1000:
        raise CompareRefused(gettext("runs: too long; name at most four runs."))
    # A pasted permalink (https://…/runs/<id>/) counts as its id.
    ids = [re.sub(r"^.*/runs/([^/]+)/?$", r"\1", part) for part in re.split(r"[,\s]+", text)]
    ids = list(dict.fromkeys(part for part in ids if part))
    if len(ids) < 2:
        raise CompareRefused(gettext("runs: name at least two runs, e.g. ?runs=abc123,def456."))
    if len(ids) > COMPARE_LIMIT:
        raise CompareRefused(
            gettext("runs: at most %(limit)d runs can be compared at once.")
            % {"limit": COMPARE_LIMIT}
        )
    runs = []
    for public_id in ids:
        run = visible_run(request, public_id)
        if run is None:
            raise CompareRefused(
                gettext("runs: there is no run “%(id)s”.") % {"id": public_id[:64]}
            )
        if run.status != DemoRun.Status.DONE or not isinstance(run.figure, dict):
            raise CompareRefused(
                gettext("runs: run %(id)s has not finished, so it has no chart.")
                % {"id": public_id}
            )
        runs.append(run)
    if len({run.demo_slug for run in runs}) > 1:
        raise CompareRefused(gettext("runs: only runs of the same demo can be drawn on one chart."))
    return runs


def compare(request):
    try:
        runs = runs_to_compare(request)
        demo = runs[0].demo
    except CompareRefused as refused:
        context = {"error": str(refused), "runs_text": request.GET.get("runs", "")[:1000]}
        return render(request, "demos/compare.html", context, status=400)
    except KeyError:  # the demo is no longer on the site
        raise Http404("No such demo.") from None
    properties = demo_schema(demo).get("properties", {})
    names = list(dict.fromkeys(name for run in runs for name in run.params))
    table = []
    for name in names:
        values = [shown(run.params[name]) if name in run.params else "–" for run in runs]
        spec = properties.get(name, {})
        table.append((spec.get("title", name), spec.get("unit", ""), values, len(set(values)) > 1))
    context = {
        "demo": demo,
        "runs": runs,
        "figure": overlay(runs, get_language()),
        "table": table,
        "runs_text": ",".join(run.public_id for run in runs),
    }
    return render(request, "demos/compare.html", context)
