"""What every registered demo promises: progress reports, determinism, JSON-safe results."""

import json

import numpy as np
import pytest

from demos.registry import DEMOS, get_demo
from demos.sims.base import SIMS_DIR, source_digest, source_files

SMALL = {
    "quadratic-stability": {"steps": 300},
    "edge-of-stability": {"step_sizes": [0.1, 0.2], "steps": 120, "examples": 100},
    "implicit-bias": {"steps": 20_000},
    "homogeneous-margin": {"steps": 2000},
    "adversarial-vulnerability": {"dimensions": [20, 50], "examples": 10, "steps": 200},
    "feature-averaging": {"steps": 200, "points_per_cluster": 5, "sweep_clusters": [4]},
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
    # A demo reports no partial result until there is something to draw; the task draws every
    # one it reports, so each must make a figure.
    partials = [partial for _, partial in reports if partial is not None]
    assert all(isinstance(partial, demo.result) for partial in partials)
    assert reports[-1][1] == result
    for partial in partials[:: max(1, len(partials) // 20)]:
        assert demo.figure(partial).data


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


def copy_of_sims(tmp_path):
    for source in SIMS_DIR.rglob("*.py"):
        copy = tmp_path / source.relative_to(SIMS_DIR)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(source.read_bytes())
    return tmp_path


def test_a_demos_version_follows_its_own_code_and_the_shared_code_it_uses(tmp_path):
    sims = copy_of_sims(tmp_path)
    eos, quadratic = "demos.sims.edge_of_stability", "demos.sims.quadratic_stability"
    before = {package: source_digest(package, sims) for package in (eos, quadratic)}
    assert before == {package: source_digest(package, sims) for package in (eos, quadratic)}
    # A comment in one demo stales that demo's runs only.
    with (sims / "edge_of_stability" / "compute.py").open("a") as source:
        source.write("# a change\n")
    assert source_digest(eos, sims) != before[eos]
    assert source_digest(quadratic, sims) == before[quadratic]
    # A shared module stales the demos that import it, and only those.
    changed_eos = source_digest(eos, sims)
    with (sims / "hessian.py").open("a") as source:
        source.write("# a change\n")
    assert source_digest(eos, sims) != changed_eos
    assert source_digest(quadratic, sims) == before[quadratic]
    with (sims / "plotting.py").open("a") as source:
        source.write("# a change\n")
    assert source_digest(quadratic, sims) != before[quadratic]


@pytest.mark.parametrize("slug", SMALL)
def test_a_demo_shares_code_only_through_shared_modules(slug):
    """Demos never import a sibling demo: what two need lives in a shared sims module."""
    demo = get_demo(slug)
    files = source_files(demo.package)
    own = {name for name in files if name == demo.package or name.startswith(demo.package + ".")}
    others = {d.package for d in DEMOS.values()} - {demo.package}
    assert not {name for name in files if name.rpartition(".")[0] in others or name in others}
    assert {f"{demo.package}.params", f"{demo.package}.compute"} <= own
    # The shared modules it uses are plain modules of demos.sims.
    assert all(name.count(".") == 2 for name in set(files) - own)
