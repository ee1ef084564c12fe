"""Pages of the demos app: a run's permalink, which redraws exactly the chart of that run."""

from django.http import Http404
from django.shortcuts import render

from demos.models import DemoRun


def run_detail(request, run_id: int):
    run = DemoRun.objects.select_related("talk").with_id(run_id)
    if run is None:
        raise Http404("No such run.")
    demo = run.demo
    context = {
        "run": run,
        "demo": demo,
        "params": run.params,
        "params_schema": demo.params_schema,
        "talk": run.talk if run.talk and run.talk.live else None,
    }
    return render(request, "demos/run_detail.html", context)
