"""Hessian tools: Hessian-vector products, a warm-started Lanczos top eigenpair, a dense reference.

Losses are functions of one flat parameter vector, so a product, an eigenvector and the dense
Hessian all live in the same coordinates.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

LossFn = Callable[[torch.Tensor], torch.Tensor]


class HessianVectorProduct:
    """v -> H v at one point, by double backward through a gradient built once with its graph.

    Pass ``gradient`` when the caller has already computed it with ``create_graph=True``, so
    the product costs one backward pass and nothing else. Calls are counted; a subclass with a
    faster exact method (digits.MLPHessianVectorProduct) overrides ``product``.
    """

    def __init__(
        self,
        loss_fn: LossFn | None,
        theta: torch.Tensor,
        gradient: torch.Tensor | None = None,
    ):
        if gradient is None:
            theta = theta.detach().requires_grad_(True)
            (gradient,) = torch.autograd.grad(loss_fn(theta), theta, create_graph=True)
        self.theta = theta
        self.gradient = gradient
        self.count = 0

    @property
    def dimension(self) -> int:
        return self.theta.numel()

    def __call__(self, vector: torch.Tensor) -> torch.Tensor:
        self.count += 1
        return self.product(vector)

    def product(self, vector: torch.Tensor) -> torch.Tensor:
        # d(g . v)/d(theta) = H v, since H is symmetric.
        (product,) = torch.autograd.grad(
            self.gradient, self.theta, grad_outputs=vector, retain_graph=True
        )
        return product.detach()


@dataclass(frozen=True)
class Eigenpair:
    value: float
    vector: torch.Tensor
    residual: float  # ||H v - value v|| for the unit vector v
    products: int  # Hessian-vector products spent


def top_eigenpair(
    hvp: Callable[[torch.Tensor], torch.Tensor],
    start: torch.Tensor,
    tolerance: float = 1e-3,
    min_steps: int = 2,
    max_steps: int = 60,
) -> Eigenpair:
    """The largest eigenvalue of a symmetric operator by Lanczos with full reorthogonalization.

    Stops when the Ritz pair's residual ||H v - value v|| is at most ``tolerance * |value|``,
    which bounds the distance from the value to an eigenvalue by that much (usually far less:
    the error is at most residual^2 / spectral gap). Starting from the previous top eigenvector
    along a trajectory, a few products suffice; ``min_steps`` >= 2 makes sure the Krylov space
    grows past the start, so a start that is close to a lower eigenvector is not accepted.
    """
    # The Krylov basis in numpy, one row per step, filled in place: the loop's own arithmetic
    # is on vectors of a few thousand numbers, where torch's per-call cost would dominate.
    dimension = start.numel()
    first = start.detach().numpy()
    basis = np.empty((min(max_steps, dimension) + 1, dimension), dtype=first.dtype)
    basis[0] = first / np.linalg.norm(first)
    alphas: list[float] = []
    betas: list[float] = []
    products = 0
    for step in range(1, max_steps + 1):
        q = basis[step - 1]
        w = hvp(torch.from_numpy(q)).numpy()
        products += 1
        alphas.append(float(w @ q))
        # Twice is enough to keep the basis orthogonal to working precision.
        filled = basis[:step]
        for _ in range(2):
            w = w - (filled @ w) @ filled
        beta = float(np.linalg.norm(w))
        ritz_values, ritz_vectors = np.linalg.eigh(_tridiagonal(alphas, betas))
        value = float(ritz_values[-1])
        coefficients = ritz_vectors[:, -1]
        residual = beta * abs(float(coefficients[-1]))
        exhausted = beta <= 1e-12 * max(abs(value), 1.0) or step == dimension
        if (step >= min_steps and residual <= tolerance * abs(value)) or exhausted:
            break
        betas.append(beta)
        basis[step] = w / beta
    vector = torch.from_numpy(coefficients.astype(basis.dtype) @ basis[: len(alphas)])
    return Eigenpair(value, vector / vector.norm(), residual, products)


class EigenvectorTracker:
    """Warm starts for a top eigenvector that moves slowly along a trajectory.

    The next start is the last eigenvector nudged half a step further along its latest motion.
    Measured on the default edge-of-stability run (bench/sharpness.py), this saves about one
    product per estimate over the plain last eigenvector and avoids its rare misses where the
    top two eigenvalues nearly cross; a full extrapolation step overshoots and misses again.
    """

    EXTRAPOLATION = 0.5

    def __init__(self, first_start: torch.Tensor):
        self.current = first_start
        self.previous: torch.Tensor | None = None

    def start(self) -> torch.Tensor:
        if self.previous is None:
            return self.current
        return self.current + self.EXTRAPOLATION * (self.current - self.previous)

    def update(self, vector: torch.Tensor) -> None:
        # Eigenvectors have no sign: align each with the last so the motion is meaningful.
        if float(vector @ self.current) < 0:
            vector = -vector
        self.previous, self.current = self.current, vector


def _tridiagonal(alphas: list[float], betas: list[float]) -> np.ndarray:
    matrix = np.diag(alphas)
    if betas:
        off = np.asarray(betas)
        matrix += np.diag(off, 1) + np.diag(off, -1)
    return matrix


def dense_hessian(loss_fn: LossFn, theta: torch.Tensor) -> torch.Tensor:
    """The full Hessian of a small model: the reference for the tests and the benchmark."""
    return torch.autograd.functional.hessian(loss_fn, theta.detach())
