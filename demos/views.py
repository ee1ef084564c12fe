"""Pages of the demos app: a run's permalink, which redraws exactly the chart of that run."""

import logging

from django.http import Http404
from django.shortcuts import render

from demos.runs import visible_run

logger = logging.getLogger(__name__)


def shown(value) -> str:
    """A parameter's value as a reader writes it: 0.1, not 0.1000; a list with commas."""
    if isinstance(value, list):
        return ", ".join(shown(item) for item in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def parameter_rows(demo, params: dict) -> list[tuple[str, str, str]]:
    """A run's parameters as its page lists them: title, value, unit (the demo's schema).
    The seed is left out: the page names it once, among the run's facts."""
    properties = demo.params_schema.get("properties", {})
    return [
        (
            properties.get(name, {}).get("title", name),
            shown(value),
            properties.get(name, {}).get("unit", ""),
        )
        for name, value in params.items()
        if name != "seed"
    ]


def run_detail(request, public_id: str):
    run = visible_run(request, public_id)
    if run is None:
        raise Http404("No such run.")
    try:
        demo = run.demo
        context = {
            "run": run,
            "demo": demo,
            "params": dict(run.params),
            "parameter_rows": parameter_rows(demo, dict(run.params)),
            "params_schema": demo.params_schema,
            # Named only when public: a draft's or a restricted talk's title is not revealed.
            "talk": run.talk if run.talk and run.talk.is_public() else None,
        }
        return render(request, "demos/run_detail.html", context)
    except (KeyError, TypeError, ValueError) as error:
        # Its demo removed, or a row that older code or a hand edit left malformed.
        logger.warning("Run %s cannot be shown: %r", run.pk, error)
        return render(request, "demos/run_unavailable.html", {"run": run}, status=410)
