"""The cost models: predicted seconds, checked against the caller's budget at validation.

Whether the predictions match measured times is bench/cost_model.py's job, not a test's.
"""

import json
import math

import pytest
from pydantic import ValidationError

from demos.registry import DEMOS
from demos.sims.base import DEFAULT_SECONDS_BUDGET

GD_VS_SGD = DEMOS["gd-vs-sgd"].params
EDGE = DEMOS["edge-of-stability"].params
NO_BUDGET = {"seconds_budget": None}

# Both ran for minutes yet passed the old budget of work units, which counted no per-step cost.
# (Since the step sizes train side by side, gd-vs-sgd's body takes twice the examples to stay
# over the default budget: about 50 s predicted.)
HEAVY = {
    "gd-vs-sgd": {
        "batch_sizes": [1, 1, 1, 1, 1, 1],
        "step_sizes": [0.2, 0.1, 0.05],
        "epochs": 5000,
        "hidden_width": 4,
        "hidden_layers": 1,
        "classes": 2,
        "examples": 40,
    },
    "edge-of-stability": {
        "sharpness_every": 1,
        "steps": 10_000,
        "step_sizes": [0.05, 0.1, 0.15, 0.2],
        "hidden_width": 4,
    },
    # The cluster-label network has k·m units: 4,000 here, on 4,000 points in 1,000 dimensions.
    "feature-averaging": {
        "dimension": 1000,
        "clusters": 40,
        "points_per_cluster": 100,
        "width": 100,
        "steps": 10,
    },
}


def slugs(params_by_slug: dict) -> list[str]:
    return list(params_by_slug)


@pytest.mark.parametrize("slug", slugs(HEAVY))
def test_heavy_runs_are_refused_on_the_cost_field_at_the_default_budget(slug):
    params = DEMOS[slug].params
    for context in (None, {}, {"other": 1}):  # no budget named: the default
        with pytest.raises(ValidationError) as refused:
            params.model_validate_json(json.dumps(HEAVY[slug]), context=context)
        (error,) = refused.value.errors()
        assert error["type"] == "cost_budget"
        assert error["loc"] == (params.cost_field,)
        assert error["input"] == HEAVY[slug][params.cost_field]
        assert "would take about" in error["msg"]
        assert f"budget of {DEFAULT_SECONDS_BUDGET:g} s" in error["msg"]


@pytest.mark.parametrize("slug", slugs(HEAVY))
def test_heavy_runs_are_accepted_without_a_budget(slug):
    params = DEMOS[slug].params
    for budget in (None, math.inf):
        accepted = params.model_validate(HEAVY[slug], context={"seconds_budget": budget})
        assert accepted.cost() > DEFAULT_SECONDS_BUDGET
        assert (
            params.model_validate_json(json.dumps(HEAVY[slug]), context={"seconds_budget": budget})
            == accepted
        )


def test_a_larger_budget_accepts_more():
    body = HEAVY["edge-of-stability"]
    seconds = EDGE.model_validate(body, context=NO_BUDGET).cost()
    with pytest.raises(ValidationError):
        EDGE.model_validate(body, context={"seconds_budget": seconds * 0.99})
    assert EDGE.model_validate(body, context={"seconds_budget": seconds * 1.01}).cost() == seconds
    # and a smaller budget refuses what the default accepts
    defaults = EDGE()
    with pytest.raises(ValidationError) as refused:
        EDGE.model_validate(defaults.model_dump(), context={"seconds_budget": defaults.cost() / 2})
    assert refused.value.errors()[0]["loc"] == ("steps",)


@pytest.mark.parametrize("slug", DEMOS)
def test_defaults_are_well_within_the_default_budget(slug):
    params = DEMOS[slug].params
    assert 0 < params().cost() <= 2 / 3 * DEFAULT_SECONDS_BUDGET
    assert params.model_validate({}, context={"seconds_budget": DEFAULT_SECONDS_BUDGET})


@pytest.mark.parametrize("slug", DEMOS)
def test_the_cost_grows_with_the_cost_field(slug):
    """The field the error names is one that lowers the cost: more steps, more seconds."""
    params = DEMOS[slug].params
    name = params.cost_field
    spec = params.model_json_schema()["properties"][name]
    values = sorted({spec["minimum"], spec["default"], (spec["minimum"] + spec["maximum"]) // 2})
    values.append(spec["maximum"])
    costs = [params.model_validate({name: value}, context=NO_BUDGET).cost() for value in values]
    assert costs == sorted(costs) and len(set(costs)) == len(costs)


def test_steps_epochs_and_step_sizes_each_cost_more():
    base = EDGE.model_validate({"steps": 500}, context=NO_BUDGET)
    for more in (
        {"steps": 501},
        {"step_sizes": [*base.step_sizes, 0.3]},
        {"sharpness_every": base.sharpness_every - 1},
        {"hidden_width": base.hidden_width + 1},
        {"examples": base.examples + 1},
    ):
        assert EDGE.model_validate(base.model_dump() | more).cost() > base.cost()
    sgd = GD_VS_SGD.model_validate({"epochs": 100}, context=NO_BUDGET)
    for more in ({"epochs": 101}, {"step_sizes": [0.2, 0.1]}, {"hidden_layers": 3}):
        assert GD_VS_SGD.model_validate(sgd.model_dump() | more).cost() > sgd.cost()


def test_smaller_batches_cost_more_in_gd_vs_sgd():
    """The same epochs in more, smaller steps: each step has a cost of its own."""
    costs = [
        GD_VS_SGD.model_validate(
            {**HEAVY["gd-vs-sgd"], "batch_sizes": [batch], "epochs": 100}, context=NO_BUDGET
        ).cost()
        for batch in (1, 2, 5, 10, 20)
    ]
    assert costs == sorted(costs, reverse=True) and len(set(costs)) == len(costs)


@pytest.mark.parametrize("slug", DEMOS)
def test_every_term_has_its_fitted_seconds(slug):
    params = DEMOS[slug].params()
    module = __import__(type(params).__module__, fromlist=["_"])
    for name, count in params.cost_terms().items():
        assert name.startswith("SECONDS_PER_") and getattr(module, name) >= 0
        assert count >= 0


def test_a_gap_that_leaves_no_room_is_refused():
    """Points are drawn and those in a gap dropped: a gap that leaves almost no room would
    take unbounded time, so it is refused on the gap field."""
    margin = DEMOS["homogeneous-margin"].params
    with pytest.raises(ValidationError) as refused:
        margin.model_validate({"sectors": 8, "gap": 22.4999999})
    assert refused.value.errors()[0]["loc"] == ("gap",)
    assert margin.model_validate({"sectors": 8, "gap": 22.0}).gap == 22.0
