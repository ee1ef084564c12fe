"""A finished run's data in forms people take away: its chart's points as CSV, a script that
computes it again, and several runs of one demo overlaid on one chart to compare them.

All of it is read from the stored figure and parameters: nothing here computes or imports the
computation, so the web tier serves it as it serves a page.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import shlex
from typing import Any

from django.utils.translation import gettext

from demos.models import DemoRun

CSV_COLUMNS = ["panel", "trace", "x", "y", "z"]
# Runs after the first are drawn with these, so that a run is told apart without colour.
COMPARE_DASHES = ["dash", "dot", "dashdot"]
COMPARE_LIMIT = 1 + len(COMPARE_DASHES)


def _panel(trace: dict) -> str:
    return f"{trace.get('xaxis', 'x')}{trace.get('yaxis', 'y')}"


def _points(trace: dict):
    """(x, y, z) rows of one trace: a line's points, or a heatmap's cells."""
    z = trace.get("z")
    if isinstance(z, list) and z and isinstance(z[0], list):
        xs = trace.get("x") or list(range(len(z[0])))
        ys = trace.get("y") or list(range(len(z)))
        for y, row in zip(ys, z, strict=False):
            for x, value in zip(xs, row, strict=False):
                yield x, y, value
        return
    xs, ys = trace.get("x"), trace.get("y")
    if not isinstance(xs, list) or not isinstance(ys, list):
        return
    for x, y in zip(xs, ys, strict=False):
        yield x, y, ""


def figure_csv(figure: dict) -> str:
    """Every point the chart draws, one per row: which panel and trace, then x, y (and z)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for index, trace in enumerate(figure.get("data", [])):
        if not isinstance(trace, dict):
            continue
        name = trace.get("name") or f"trace {index + 1}"
        for x, y, z in _points(trace):
            writer.writerow([_panel(trace), _cell(name), _cell(x), _cell(y), _cell(z)])
    return out.getvalue()


def _cell(value: Any) -> str:
    # A cell starting with =, +, - or @ is a formula to a spreadsheet; numbers are left as they
    # are, and text from a figure (trace names are ours, but stored JSON is data) is quoted.
    if value is None:
        return ""
    if isinstance(value, int | float):
        return repr(value)  # the shortest text that reads back as the same number
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def reproduce_script(run: DemoRun) -> str:
    """A shell script that computes this run again with the project's run_demo command."""
    settings = [
        "--set " + shlex.quote(f"{name}={json.dumps(value)}") for name, value in run.params.items()
    ]
    versions = ", ".join(f"{name} {value}" for name, value in (run.versions or {}).items())
    lines = [
        "#!/bin/sh",
        f"# Computes run {run.public_id} of the demo “{run.demo.title}” again: the same",
        "# parameters and seed give the same numbers with the same code and versions.",
        f"# Recorded with: {versions or 'versions not recorded'}.",
        "# Run it in a clone of the seminar site's repository, after `make run` or `make test`",
        "# has set up .venv. It writes the run as JSON and its chart as a page to open.",
        "set -e",
        f".venv/bin/python manage.py run_demo {shlex.quote(run.demo_slug)} \\",
        *(f"    {setting} \\" for setting in settings),
        f"    --out run-{run.public_id}.json --html run-{run.public_id}.html",
    ]
    return "\n".join(lines) + "\n"


def overlay(runs: list[DemoRun], language: str) -> dict:
    """One chart with the runs' lines on the first run's axes, told apart by dash and legend.

    Only lines and markers are overlaid: a second heatmap would hide the first, so from runs
    after the first those traces are left out (the caption says so).
    """
    # Imported here: plotting brings plotly.graph_objects, which pages need only for this.
    from demos.sims.plotting import screen_layouts, without_controls

    figures = [run.figure_in(language) for run in runs]
    layout = without_controls(copy.deepcopy(figures[0].get("layout", {})))
    layout["meta"].pop("summary", None)  # the first run's sentence, not the comparison's
    # Grouped by run, each group under its run's name; a click hides or shows a whole run.
    layout["legend"] = {
        **layout.get("legend", {}),
        "traceorder": "grouped",
        "groupclick": "togglegroup",
    }
    data = []
    for number, (run, figure) in enumerate(zip(runs, figures, strict=True)):
        for trace in figure.get("data", []):
            if not isinstance(trace, dict):
                continue
            is_line = trace.get("type", "scatter") in ("scatter", "scattergl")
            if number and not is_line:
                continue
            trace = copy.deepcopy(trace)
            label = gettext("run %(id)s") % {"id": run.public_id}
            trace["legendgroup"] = label
            trace["legendgrouptitle"] = {"text": label}
            if is_line and trace.get("name"):
                trace["showlegend"] = True  # each run's lines listed under its name
            if number and is_line:
                trace.setdefault("line", {})["dash"] = COMPARE_DASHES[number - 1]
                trace.setdefault("marker", {})["symbol"] = "circle-open"
            data.append(trace)
    # The phone layout made again: the legend has a row per run's lines now.
    layout["meta"].update(screen_layouts({"layout": layout, "data": data}))
    return {"data": data, "layout": layout}
