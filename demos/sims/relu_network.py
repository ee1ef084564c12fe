"""Two-layer ReLU networks f(x) = sum_j a_j relu(w_j . x) on the logistic loss (numpy), shared by
the demos that train one: outputs, and the loss's gradients in the hidden and output weights."""

from dataclasses import dataclass

import numpy as np

from demos.sims import logistic


def outputs(hidden: np.ndarray, output: np.ndarray, x: np.ndarray) -> np.ndarray:
    """f(x) for each row of x; ``hidden`` holds the w_j as rows, ``output`` the a_j."""
    return np.maximum(x @ hidden.T, 0) @ output


@dataclass(frozen=True)
class LogisticGradients:
    loss: float  # mean logistic loss
    hidden: np.ndarray  # d loss / d w_j, as rows
    output: np.ndarray  # d loss / d a_j
    margins: np.ndarray  # y_i f(x_i)


def logistic_gradients(
    hidden: np.ndarray, output: np.ndarray, points: np.ndarray, labels: np.ndarray
) -> LogisticGradients:
    """The mean logistic loss over (points, labels ±1), its gradients and the margins."""
    pre = points @ hidden.T
    activations = np.maximum(pre, 0)
    margins = labels * (activations @ output)
    slopes = -logistic.slope(margins) * labels / len(labels)
    return LogisticGradients(
        loss=logistic.loss(margins),
        hidden=((slopes[:, None] * output[None, :]) * (pre > 0)).T @ points,
        output=activations.T @ slopes,
        margins=margins,
    )
