"""What a visitor takes away from a run (its data as CSV, a script that computes it again) and
several runs of one demo compared on one chart."""

import csv
import io
import json
import shlex

import pytest
from django.core.management import call_command

from demos.downloads import COMPARE_LIMIT, figure_csv, overlay
from demos.registry import get_demo
from demos.runs import request_run
from demos.views import moment
from tests.demos.conftest import run_worker
from tests.factories import make_talk

pytestmark = pytest.mark.django_db

QUADRATIC = get_demo("quadratic-stability")


def finished(demo=QUADRATIC, **params):
    run, _ = request_run(demo, demo.params(**params), limited=False)
    run_worker()
    run.refresh_from_db()
    assert run.status == run.Status.DONE
    return run


def numbers(value):
    """Every number in a JSON value, in order."""
    if isinstance(value, dict):
        return [n for key in sorted(value) for n in numbers(value[key])]
    if isinstance(value, list):
        return [n for item in value for n in numbers(item)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


def test_the_csv_holds_every_point_the_chart_draws(client):
    run = finished(steps=30)
    response = client.get(f"/runs/{run.public_id}/data.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'filename="run-{run.public_id}.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    lines = [t for t in run.figure["data"] if isinstance(t.get("y"), list) and "z" not in t]
    assert len(rows) >= sum(len(t["y"]) for t in lines) > 0
    first = lines[0]
    drawn = [r for r in rows if r["trace"] == first["name"] and r["panel"] == "xy"]
    assert [float(r["y"]) for r in drawn][: len(first["y"])] == first["y"]  # exactly


def test_the_csv_of_a_run_not_finished_is_not_found_and_cells_never_become_formulas(client):
    run, _ = request_run(QUADRATIC, QUADRATIC.params(steps=31), limited=False)
    assert client.get(f"/runs/{run.public_id}/data.csv").status_code == 404
    assert client.get("/runs/nosuchrun1/data.csv").status_code == 404
    text = figure_csv({"data": [{"name": "=HYPERLINK(1)", "x": [1, "-2"], "y": [0.5, 1e-9]}]})
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["xy", "'=HYPERLINK(1)", "1", "0.5", ""]
    assert rows[2][2:4] == ["'-2", "1e-09"]


def test_the_script_computes_the_same_run_again(client, tmp_path, monkeypatch):
    run = finished(get_demo("implicit-bias"), steps=2000, seed=3)  # its data come from the seed
    response = client.get(f"/runs/{run.public_id}/reproduce.sh")
    assert response.status_code == 200
    script = response.content.decode()
    assert script.startswith("#!/bin/sh") and "run_demo implicit-bias" in script
    command = shlex.split(script.split("set -e\n", 1)[1].replace("\\\n", " "))
    assert command[:3] == [".venv/bin/python", "manage.py", "run_demo"]
    monkeypatch.chdir(tmp_path)
    call_command(*command[2:])
    record = json.loads((tmp_path / f"run-{run.public_id}.json").read_text())
    assert record["params"] == run.params
    assert numbers(record["result"]) == pytest.approx(numbers(run.result), rel=1e-6, abs=1e-9)


def test_two_runs_of_one_demo_on_one_chart(client):
    first, second = finished(step_size=0.1), finished(step_size=0.19)
    page = client.get(f"/runs/compare/?runs={first.public_id},{second.public_id}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="demo-static-chart' in html and "2 runs compared" in html
    # The row that differs is marked; the step sizes are shown as a reader writes them.
    assert '<tr class="differs"><th scope="row">' in html and "<td>0.19</td>" in html
    figure = overlay([first, second], "en")
    groups = {t["legendgroup"] for t in figure["data"]}
    assert groups == {f"run {first.public_id}", f"run {second.public_id}"}
    dashed = [t for t in figure["data"] if t["legendgroup"].endswith(second.public_id)]
    assert dashed and all(
        t["line"]["dash"] == "dash" for t in dashed if t.get("type", "scatter") == "scatter"
    )


@pytest.mark.parametrize(
    "runs, message",
    [
        ("", "name at least two runs"),
        ("onlyone", "name at least two runs"),
        (",".join(f"r{i}" for i in range(COMPARE_LIMIT + 1)), f"at most {COMPARE_LIMIT} runs"),
        ("nosuchrun1,nosuchrun2", "there is no run"),
        ("x" * 2000, "too long"),
    ],
)
def test_runs_that_cannot_be_compared_are_refused_with_a_reason(client, runs, message):
    page = client.get("/runs/compare/", {"runs": runs})
    assert page.status_code == 400 and "runs: " in page.content.decode()
    assert message in page.content.decode()


def test_only_finished_runs_of_one_demo_are_compared(client):
    done = finished()
    queued, _ = request_run(QUADRATIC, QUADRATIC.params(steps=33), limited=False)
    page = client.get("/runs/compare/", {"runs": f"{done.public_id} /runs/{queued.public_id}/"})
    assert page.status_code == 400 and "has not finished" in page.content.decode()
    implicit = get_demo("implicit-bias")
    other, _ = request_run(implicit, implicit.params(), limited=False)
    run_worker()
    page = client.get("/runs/compare/", {"runs": f"{done.public_id},{other.public_id}"})
    assert page.status_code == 400 and "same demo" in page.content.decode()


def test_a_run_page_offers_its_data_a_script_and_runs_of_its_talk_to_compare(client, series):
    talk = make_talk(series)
    recorded, _ = request_run(
        QUADRATIC, QUADRATIC.params(steps=40), talk=talk, recorded_at_talk=True, limited=False
    )
    mine, _ = request_run(QUADRATIC, QUADRATIC.params(steps=41), talk=talk, limited=False)
    run_worker()
    html = client.get(f"/runs/{mine.public_id}/").content.decode()
    assert (
        f"/runs/{mine.public_id}/data.csv" in html
        and f"/runs/{mine.public_id}/reproduce.sh" in html
    )
    assert f"/runs/compare/?runs={recorded.public_id},{mine.public_id}" in html
    assert "(recorded at the talk)" in html
    # Times in the venue's zone, named with its offset (not an ambiguous "CST").
    recorded_page = client.get(f"/runs/{recorded.public_id}/").content.decode()
    assert (
        moment(recorded.created_at, talk.zone) in recorded_page
        and "(Asia/Shanghai, UTC+8)" in recorded_page
    )
