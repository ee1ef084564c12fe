"""The run_demo command end to end: parameters in, a JSON record of the run out."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from demos.registry import DEMOS

SMALL = {
    "quadratic-stability": ["steps=30", "step_size=0.25"],
    "edge-of-stability": ["steps=40", "step_sizes=[0.1,0.3]", "hidden_width=8", "examples=60"],
    "implicit-bias": ["steps=2000", "examples=30", "seed=3"],
}
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("slug", SMALL)
def test_run_demo_writes_the_run_as_json(slug, tmp_path):
    out = tmp_path / "run.json"
    settings = [arg for setting in SMALL[slug] for arg in ("--set", setting)]
    call_command("run_demo", slug, *settings, "--out", str(out))
    record = json.loads(out.read_text())
    assert record["slug"] == slug
    for setting in SMALL[slug]:
        key, value = setting.split("=")
        assert record["params"][key] == json.loads(value)
    DEMOS[slug].result.model_validate(record["result"])  # the whole result, round-tripped
    assert record["figure"]["data"] and record["figure"]["layout"]["title"]["text"]
    meta = record["meta"]
    assert meta["seconds"] > 0
    assert meta["versions"]["torch"].startswith("2.13")
    assert meta["versions"]["code"] == DEMOS[slug].code_version
    assert meta["seed"] == record["params"].get("seed")
    if slug == "edge-of-stability":
        assert meta["hvp_count"] == record["result"]["hvp_count"] > 0


def test_the_same_parameters_give_the_same_numbers(tmp_path):
    records = []
    for name in ("first.json", "second.json"):
        call_command("run_demo", "implicit-bias", "--set", "steps=500", "--out", tmp_path / name)
        records.append(json.loads((tmp_path / name).read_text()))
    assert records[0]["result"] == records[1]["result"]
    assert records[0]["figure"] == records[1]["figure"]


def test_html_output_is_a_standalone_page(tmp_path):
    page = tmp_path / "figure.html"
    call_command("run_demo", "quadratic-stability", "--out", tmp_path / "r.json", "--html", page)
    text = page.read_text()
    assert "Plotly.newPlot" in text
    assert '<script src="http' not in text  # plotly.js is inlined, no CDN


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["edge-of-stability", "--set", "step_sizes=[-0.1]"], "step_sizes"),
        (["edge-of-stability", "--set", "steps=lots"], "steps"),
        (["edge-of-stability", "--set", "steps=10000", "--set", "examples=1740"], "budget"),
        (["implicit-bias", "--set", "colour=red"], "colour"),
        (["implicit-bias", "--set", "steps"], "key=value"),
        (["implicit-bias", "--set", "steps=1", "--set", "steps=2"], "twice"),
        (["no-such-demo"], "known demos"),
        ([], "--list"),
    ],
)
def test_bad_input_is_a_clear_command_error(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("run_demo", *arguments)


def test_bad_input_exits_non_zero_with_the_message_on_stderr():
    completed = subprocess.run(
        [sys.executable, "manage.py", "run_demo", "quadratic-stability", "--set", "step_size=0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1
    assert "step_size: Input should be greater than 0" in completed.stderr


def test_list_shows_every_demo_and_its_parameters(capsys):
    call_command("run_demo", "--list")
    listing = capsys.readouterr().out
    for slug, demo in DEMOS.items():
        assert slug in listing
        for name in demo.params.model_fields:
            assert name in listing
