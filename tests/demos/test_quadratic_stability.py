"""GD on a quadratic against its closed form and its exact stability threshold."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.sims.quadratic_stability import compute as quadratic


def test_iterates_equal_the_closed_form():
    params = quadratic.Params(
        curvature_1=1.5, curvature_2=7.0, step_size=0.2, steps=60, start_1=3.0, start_2=-2.0
    )
    result = quadratic.run(params)
    steps = np.arange(params.steps + 1)[:, None]
    factors = 1 - params.step_size * np.array([params.curvature_1, params.curvature_2])
    closed_form = factors**steps * np.array([params.start_1, params.start_2])
    np.testing.assert_allclose(np.array(result.iterates), closed_form, rtol=1e-9, atol=1e-12)
    # Along the second axis 1/lambda < eta < 2/lambda: the sign flips every step.
    assert np.all(np.diff(np.sign(np.array(result.iterates)[:, 1])) != 0)


@pytest.mark.parametrize("ratio, diverges", [(0.98, False), (1.02, True)])
def test_divergence_on_either_side_of_two_over_lambda_max(ratio, diverges):
    threshold = 2 / 8.0
    params = quadratic.Params(
        curvature_1=0.5, curvature_2=8.0, step_size=ratio * threshold, steps=1000
    )
    result = quadratic.run(params)
    assert result.threshold == pytest.approx(threshold)
    assert result.diverged is diverges
    assert (result.loss[-1] < result.loss[0]) is not diverges


@settings(max_examples=60, deadline=None)
@given(
    curvatures=st.tuples(st.floats(0.1, 100), st.floats(0.1, 100)),
    ratio=st.one_of(st.floats(0.05, 0.97), st.floats(1.03, 3.0)),
)
def test_diverges_exactly_when_the_step_size_exceeds_two_over_lambda_max(curvatures, ratio):
    step_size = ratio * 2 / max(curvatures)
    params = quadratic.Params(
        curvature_1=curvatures[0],
        curvature_2=curvatures[1],
        step_size=min(step_size, 10.0),
        steps=1000,
        start_1=1.0,
        start_2=1.0,
    )
    assert quadratic.run(params).diverged is (params.step_size > 2 / max(curvatures))


def test_a_diverging_run_stops_before_overflowing():
    result = quadratic.run(quadratic.Params(curvature_2=100.0, step_size=10.0, steps=1000))
    assert result.diverged
    assert len(result.iterates) < 1000
    assert np.all(np.isfinite(result.loss))


def test_figure_marks_the_threshold_and_uses_a_log_loss_axis():
    figure = quadratic.figure(quadratic.run(quadratic.Params()))
    assert figure.layout.yaxis2.type == "log"
    threshold_lines = [s for s in figure.layout.shapes if s.line.dash == "dash"]
    assert threshold_lines[0].x0 == pytest.approx(2 / 10.0)
