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
    residual: float  # ||H v - value v|| of the Lanczos pair, before any certification
    products: int  # Hessian-vector products spent
    # The second Ritz vector of the last subspace: the guard for the next estimate along a
    # trajectory (None when the subspace had one dimension).
    runner_up: torch.Tensor | None = None


# Rounds of Lanczos a certification may restart; each finds a larger eigenvalue than the last,
# and the guard is almost always passed at once.
CERTIFICATION_ROUNDS = 3


def top_eigenpair(
    hvp: Callable[[torch.Tensor], torch.Tensor],
    start: torch.Tensor,
    tolerance: float = 1e-3,
    min_steps: int = 2,
    max_steps: int = 60,
    guard: torch.Tensor | None = None,
) -> Eigenpair:
    """The largest eigenvalue of a symmetric operator by Lanczos with full reorthogonalization.

    Stops when the Ritz pair's residual ||H v - value v|| is at most ``tolerance * |value|``,
    which bounds the distance from the value to *an* eigenvalue by that much (usually far less:
    the error is at most residual^2 / spectral gap). Starting from the previous top eigenvector
    along a trajectory, a few products suffice; ``min_steps`` >= 2 makes sure the Krylov space
    grows past the start, so a start that is close to a lower eigenvector is not accepted.

    That is not enough where the top two eigenvalues cross: the old top vector is then an
    eigenvector of the second one, and the new top one is nearly orthogonal to it, so Lanczos
    converges to the second eigenvalue. ``guard`` (the last estimate's runner-up vector) certifies
    the result for one more product: the Rayleigh-Ritz step on the Krylov space plus the guard
    finds a larger eigenvalue if the guard holds one, and Lanczos then restarts from its vector.
    """
    vector = start.detach().numpy()
    products = 0
    for _ in range(CERTIFICATION_ROUNDS):
        basis, tridiagonal, residual, steps = _lanczos(hvp, vector, tolerance, min_steps, max_steps)
        products += steps
        ritz_values, ritz_vectors = np.linalg.eigh(tridiagonal)
        outside = None if guard is None else _orthogonal_part(guard.detach().numpy(), basis)
        if outside is None:
            return _eigenpair(ritz_values, ritz_vectors, basis, residual, products)
        # The Rayleigh-Ritz matrix on the Krylov basis and the guard: basis^T H guard comes
        # from the guard's product alone, since H is symmetric.
        product = hvp(torch.from_numpy(outside)).numpy()
        products += 1
        enlarged = np.vstack([basis, outside])
        coupling = basis @ product
        matrix = np.block(
            [
                [tridiagonal, coupling[:, None]],
                [coupling[None, :], np.array([[float(outside @ product)]])],
            ]
        )
        values, vectors = np.linalg.eigh(matrix)
        pair = _eigenpair(values, vectors, enlarged, residual, products)
        if values[-1] <= ritz_values[-1] + tolerance * abs(ritz_values[-1]):
            break
        # The guard held a larger eigenvalue: start again from the best vector found, guarded
        # by the runner-up (the vector Lanczos had converged to).
        vector, guard = pair.vector.numpy(), pair.runner_up
    return pair


def _lanczos(
    hvp: Callable[[torch.Tensor], torch.Tensor],
    start: np.ndarray,
    tolerance: float,
    min_steps: int,
    max_steps: int,
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Lanczos from ``start`` until the top Ritz pair's residual passes: the orthonormal basis
    (one row per step), the tridiagonal matrix H restricted to it, the residual and the steps."""
    # The Krylov basis in numpy, one row per step, filled in place: the loop's own arithmetic
    # is on vectors of a few thousand numbers, where torch's per-call cost would dominate.
    dimension = start.size
    basis = np.empty((min(max_steps, dimension) + 1, dimension), dtype=start.dtype)
    basis[0] = start / np.linalg.norm(start)
    alphas: list[float] = []
    betas: list[float] = []
    for step in range(1, max_steps + 1):
        q = basis[step - 1]
        w = hvp(torch.from_numpy(q)).numpy()
        alphas.append(float(w @ q))
        # Twice is enough to keep the basis orthogonal to working precision.
        filled = basis[:step]
        for _ in range(2):
            w = w - (filled @ w) @ filled
        beta = float(np.linalg.norm(w))
        tridiagonal = _tridiagonal(alphas, betas)
        ritz_values, ritz_vectors = np.linalg.eigh(tridiagonal)
        value = float(ritz_values[-1])
        residual = beta * abs(float(ritz_vectors[-1, -1]))
        exhausted = beta <= 1e-12 * max(abs(value), 1.0) or step == dimension
        if (step >= min_steps and residual <= tolerance * abs(value)) or exhausted:
            break
        betas.append(beta)
        basis[step] = w / beta
    return basis[: len(alphas)], tridiagonal, residual, len(alphas)


def _orthogonal_part(guard: np.ndarray, basis: np.ndarray) -> np.ndarray | None:
    """The guard's unit component outside the basis's span; None if it has almost none (the
    Krylov space already holds it)."""
    guard = guard.astype(basis.dtype, copy=False)
    for _ in range(2):
        guard = guard - (basis @ guard) @ basis
    norm = float(np.linalg.norm(guard))
    return guard / norm if norm > 1e-3 else None


def _eigenpair(
    values: np.ndarray, vectors: np.ndarray, basis: np.ndarray, residual: float, products: int
) -> Eigenpair:
    """The top Ritz pair of the subspace spanned by ``basis``'s rows, and its runner-up."""

    def ritz_vector(column: int) -> torch.Tensor:
        vector = vectors[:, column].astype(basis.dtype) @ basis
        return torch.from_numpy(vector / np.linalg.norm(vector))

    runner_up = ritz_vector(-2) if len(values) > 1 else None
    return Eigenpair(float(values[-1]), ritz_vector(-1), residual, products, runner_up)


class EigenvectorTracker:
    """Warm starts for a top eigenvector that moves slowly along a trajectory.

    The next start is the last eigenvector nudged half a step further along its latest motion.
    Measured on the default edge-of-stability run (bench/sharpness.py), this saves about one
    product per estimate over the plain last eigenvector; a full extrapolation step overshoots.
    Neither start alone is safe where the top eigenvalues cross: SharpnessTracker adds the guard.
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


class SharpnessTracker:
    """Top-eigenvalue estimates along a trajectory: each warm-started from the last eigenvector
    (EigenvectorTracker) and certified against the last runner-up (top_eigenpair's guard)."""

    def __init__(self, first_start: torch.Tensor, tolerance: float):
        self.vectors = EigenvectorTracker(first_start)
        self.tolerance = tolerance
        self.guard: torch.Tensor | None = None

    def estimate(self, hvp: Callable[[torch.Tensor], torch.Tensor]) -> Eigenpair:
        top = top_eigenpair(hvp, self.vectors.start(), self.tolerance, guard=self.guard)
        self.vectors.update(top.vector)
        self.guard = top.runner_up
        return top


class Deflated:
    """H with a unit vector's direction removed, (I - v v^T) H (I - v v^T): its top eigenvalue is
    H's second when v is H's top eigenvector."""

    def __init__(self, hvp: Callable[[torch.Tensor], torch.Tensor], vector: torch.Tensor):
        self.hvp = hvp
        self.vector = vector

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` without its component along the removed direction."""
        vector = self.vector.to(x.dtype)
        return x - (vector @ x) * vector

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.project(self.hvp(self.project(x)))


class SecondEigenvalueTracker:
    """The second eigenvalue along a trajectory, as the top of H deflated by the certified top
    eigenvector: warm-started from the last second eigenvector and certified against the top
    estimate's runner-up, which is where a swap of the second and third shows first."""

    def __init__(self, first_start: torch.Tensor, tolerance: float):
        self.first_start = first_start
        self.tolerance = tolerance
        self.vector: torch.Tensor | None = None

    def estimate(self, hvp: Callable[[torch.Tensor], torch.Tensor], top: Eigenpair) -> Eigenpair:
        if self.vector is not None:
            start, guard = self.vector, top.runner_up
        else:  # the first estimate: the top's runner-up is the best start there is
            start = self.first_start if top.runner_up is None else top.runner_up
            guard = None
        deflated = Deflated(hvp, top.vector)
        second = top_eigenpair(deflated, deflated.project(start), self.tolerance, guard=guard)
        self.vector = second.vector
        return second


def _tridiagonal(alphas: list[float], betas: list[float]) -> np.ndarray:
    matrix = np.diag(alphas)
    if betas:
        off = np.asarray(betas)
        matrix += np.diag(off, 1) + np.diag(off, -1)
    return matrix


def dense_hessian(loss_fn: LossFn, theta: torch.Tensor) -> torch.Tensor:
    """The full Hessian of a small model: the reference for the tests and the benchmark."""
    return torch.autograd.functional.hessian(loss_fn, theta.detach())
