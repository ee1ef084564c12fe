"""The digits shared by the demos that train an MLP: one draw, training and held-out apart."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from demos.sims.digits import DIVERGENCE_FACTOR, draw_digits, has_diverged
from demos.sims.edge_of_stability.params import Params


@pytest.mark.parametrize(("classes", "examples", "seed"), [(10, 500, 0), (3, 60, 7), (2, 300, 1)])
def test_held_out_digits_are_never_training_digits(classes, examples, seed):
    params = Params(classes=classes, examples=examples, seed=seed)
    split = draw_digits(params, held_out=500)
    assert len(set(split.indices)) == examples
    assert not set(split.indices) & set(split.held_out_indices)
    labels = load_digits().target
    assert set(labels[split.indices]) | set(labels[split.held_out_indices]) <= set(range(classes))
    available = int((labels < classes).sum())
    assert len(split.held_out_indices) == min(500, available - examples)
    assert np.array_equal(split.labels.numpy(), labels[split.indices])


def test_the_same_seed_draws_the_same_digits_and_another_seed_others():
    first, again = draw_digits(Params(seed=3)), draw_digits(Params(seed=3))
    assert np.array_equal(first.indices, again.indices)
    assert not np.array_equal(first.indices, draw_digits(Params(seed=4)).indices)


def test_one_divergence_rule():
    assert has_diverged(float("nan"), 1.0) and has_diverged(float("inf"), 1.0)
    assert has_diverged(1.01 * DIVERGENCE_FACTOR, 1.0)
    assert not has_diverged(0.99 * DIVERGENCE_FACTOR, 1.0)
