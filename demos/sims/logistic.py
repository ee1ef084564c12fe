"""The logistic loss of margins m = y f(x), shared by the demos trained on it."""

import numpy as np


def loss(margins: np.ndarray) -> float:
    """Mean of log(1 + e^-m), computed without overflow for margins of any size."""
    return float(np.logaddexp(0, -margins).mean())


def slope(margins: np.ndarray) -> np.ndarray:
    """-d/dm log(1 + e^-m) = sigmoid(-m), written with tanh so large margins cannot overflow."""
    return 0.5 * (1 - np.tanh(0.5 * margins))
