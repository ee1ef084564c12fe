"""What every registered demo promises: progress reports, determinism, JSON-safe results."""

import json

import numpy as np
import pytest

from demos import registry
from demos.registry import DEMOS, get_demo

SMALL = {
    "quadratic-stability": {"steps": 300},
    "edge-of-stability": {"step_sizes": [0.1, 0.2], "steps": 120, "examples": 100},
    "implicit-bias": {"steps": 20_000},
    "homogeneous-margin": {"steps": 2000},
    "adversarial-vulnerability": {"dimensions": [20, 50], "examples": 10, "steps": 200},
    "gd-vs-sgd": {
        "batch_sizes": [10, 60],
        "epochs": 10,
        "examples": 60,
        "classes": 3,
        "hidden_width": 8,
    },
}


def test_every_demo_has_a_small_configuration_here():
    assert set(SMALL) == set(DEMOS)


@pytest.mark.parametrize("slug", SMALL)
def test_progress_is_reported_at_least_every_two_percent(slug):
    demo = get_demo(slug)
    reports = []
    result = demo.run(
        demo.params.model_validate(SMALL[slug]),
        lambda fraction, partial: reports.append((fraction, partial)),
    )
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert max(np.diff([0.0, *fractions])) <= 0.02
    assert all(isinstance(partial, demo.result) for _, partial in reports)
    assert reports[-1][1] == result


@pytest.mark.parametrize("slug", SMALL)
def test_same_parameters_give_the_same_result_and_figure(slug):
    demo = get_demo(slug)
    params = demo.params.model_validate(SMALL[slug])
    first, second = demo.run(params), demo.run(params)
    assert first == second
    assert demo.figure(first).to_json() == demo.figure(second).to_json()


@pytest.mark.parametrize("slug", SMALL)
def test_results_are_finite_json_that_round_trips(slug):
    demo = get_demo(slug)
    result = demo.run(demo.params.model_validate(SMALL[slug]))
    text = json.dumps(result.model_dump(mode="json"), allow_nan=False)
    assert demo.result.model_validate_json(text) == result


def test_code_version_changes_when_the_simulation_code_does(tmp_path, monkeypatch):
    for source in registry.SIMS_DIR.glob("*.py"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    monkeypatch.setattr(registry, "SIMS_DIR", tmp_path)
    module = get_demo("quadratic-stability").module
    before = registry.Demo("q", "", "", module).code_version
    assert registry.Demo("q", "", "", module).code_version == before
    with (tmp_path / "hessian.py").open("a") as source:
        source.write("# a change\n")
    assert registry.Demo("q", "", "", module).code_version != before
