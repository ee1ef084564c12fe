"""Every demo's parameters: bounded, described, strict, and within a time budget."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from demos.registry import DEMOS
from demos.sims.base import DEFAULT_SECONDS_BUDGET

ALL_PARAMS = [demo.params for demo in DEMOS.values()]
NOT_A_NUMBER = [None, "text", "0.1", True, [], {}, math.nan, math.inf, -math.inf]


def schema_fields(params):
    return params.model_json_schema()["properties"]


def out_of_bounds(spec: dict) -> st.SearchStrategy:
    """Numbers just past (and far past) a numeric field's bounds, and NaN and infinities."""
    numbers = st.integers if spec["type"] == "integer" else st.floats
    strategies = []
    if "minimum" in spec:
        low = spec["minimum"]
        strategies.append(
            st.integers(max_value=low - 1)
            if spec["type"] == "integer"
            else st.floats(max_value=low, exclude_max=True)
        )
    if "exclusiveMinimum" in spec:
        strategies.append(numbers(max_value=spec["exclusiveMinimum"]))
    if "maximum" in spec:
        high = spec["maximum"]
        strategies.append(
            st.integers(min_value=high + 1)
            if spec["type"] == "integer"
            else st.floats(min_value=high, exclude_min=True)
        )
    return st.one_of(*strategies)


def bad_values(spec: dict) -> st.SearchStrategy:
    wrong_type = st.sampled_from(NOT_A_NUMBER)
    if "enum" in spec:
        return st.one_of(
            wrong_type.filter(lambda v: v is not None),
            st.text().filter(lambda text: text not in spec["enum"]),
            st.integers(),
        )
    if spec["type"] == "array":
        item = spec["items"]
        valid_item = st.just(item.get("maximum", 1.0))
        return st.one_of(
            st.just([]),
            st.lists(valid_item, min_size=spec["maxItems"] + 1, max_size=spec["maxItems"] + 3),
            out_of_bounds(item).map(lambda value: [value]),
            st.sampled_from(NOT_A_NUMBER[:4]).map(lambda value: [value]),
            st.sampled_from(["0.1", 0.1, None]),
        )
    if spec["type"] == "integer":
        wrong_type = st.one_of(wrong_type, st.just(2.5), st.just(3.0))
        if "multipleOf" in spec:  # between two allowed values: an odd number of clusters
            wrong_type = st.one_of(wrong_type, st.just(spec["minimum"] + spec["multipleOf"] // 2))
    return st.one_of(wrong_type, out_of_bounds(spec))


@st.composite
def one_bad_field(draw):
    params = draw(st.sampled_from(ALL_PARAMS))
    fields = schema_fields(params)
    name = draw(st.sampled_from(sorted(fields)))
    return params, name, draw(bad_values(fields[name]))


def error_fields(error: ValidationError) -> set[str]:
    return {str(detail["loc"][0]) for detail in error.errors()}


@pytest.mark.parametrize("params", ALL_PARAMS, ids=lambda p: p.__module__.rsplit(".", 1)[-1])
def test_every_parameter_has_a_default_a_description_and_bounds(params):
    params()  # the defaults are valid
    for name, spec in schema_fields(params).items():
        assert "default" in spec and spec.get("description"), name
        if spec.get("type") in ("integer", "number"):
            assert {"minimum", "exclusiveMinimum"} & spec.keys(), name
            assert "maximum" in spec, name
        elif spec.get("type") == "array":
            assert "maxItems" in spec and "maximum" in spec["items"], name
        else:
            assert "enum" in spec, name


@settings(max_examples=300, deadline=None)
@given(one_bad_field())
def test_a_bad_value_is_refused_with_an_error_naming_its_field(case):
    params, name, value = case
    with pytest.raises(ValidationError) as caught:
        params.model_validate({name: value})
    assert error_fields(caught.value) == {name}
    assert all(detail["msg"] for detail in caught.value.errors())


@settings(max_examples=100, deadline=None)
@given(
    params=st.sampled_from(ALL_PARAMS),
    key=st.text(min_size=1, max_size=30),
    value=st.one_of(st.integers(), st.text(), st.none()),
)
def test_unknown_keys_are_refused(params, key, value):
    if key in schema_fields(params):
        return
    with pytest.raises(ValidationError) as caught:
        params.model_validate({key: value})
    assert error_fields(caught.value) == {key}
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("params", ALL_PARAMS, ids=lambda p: p.__module__.rsplit(".", 1)[-1])
def test_non_finite_numbers_in_json_are_refused(params):
    for name, spec in schema_fields(params).items():
        huge = "[1e999]" if spec.get("type") == "array" else "1e999"  # JSON for infinity
        with pytest.raises(ValidationError) as caught:
            params.model_validate_json(f'{{"{name}": {huge}}}')
        assert error_fields(caught.value) == {name}


@st.composite
def sizes_within_bounds(draw, params):
    """Each integer parameter anywhere within its bounds (the others at their defaults)."""
    values = {}
    for name, spec in schema_fields(params).items():
        if spec.get("type") == "integer" and name != "seed":
            value = draw(st.integers(spec["minimum"], spec["maximum"]))
            values[name] = value - value % spec.get("multipleOf", 1)  # k is even
    return values


def largest_sizes(params) -> dict[str, int]:
    return {
        name: spec["maximum"]
        for name, spec in schema_fields(params).items()
        if spec.get("type") == "integer" and name != "seed"
    }


@pytest.mark.parametrize(
    "slug",
    [
        "edge-of-stability",
        "homogeneous-margin",
        "adversarial-vulnerability",
        "gd-vs-sgd",
        "feature-averaging",
    ],
)
def test_the_largest_sizes_are_over_budget_and_the_error_names_the_field(slug):
    params = DEMOS[slug].params
    with pytest.raises(ValidationError) as caught:
        params.model_validate(largest_sizes(params))
    (detail,) = caught.value.errors()
    assert detail["loc"] == (params.cost_field,)
    assert detail["type"] == "cost_budget"
    assert f"budget of {DEFAULT_SECONDS_BUDGET:g} s" in detail["msg"]


@pytest.mark.parametrize("slug", ["quadratic-stability", "implicit-bias"])
def test_where_the_bounds_alone_keep_a_run_within_budget_the_largest_sizes_are_accepted(slug):
    params = DEMOS[slug].params
    assert params.model_validate(largest_sizes(params)).cost() <= DEFAULT_SECONDS_BUDGET


@settings(max_examples=100, deadline=None)
@given(data=st.data(), params=st.sampled_from(ALL_PARAMS))
def test_every_accepted_parameter_set_is_within_budget(data, params):
    values = data.draw(sizes_within_bounds(params))
    try:
        accepted = params.model_validate(values)
    except ValidationError as error:
        # Besides the budget, only the checks across fields may refuse sizes within bounds:
        # more examples than the chosen classes have, a batch bigger than the training set.
        assert error_fields(error) <= {params.cost_field, "examples", "batch_sizes"}
    else:
        assert accepted.cost() <= DEFAULT_SECONDS_BUDGET
