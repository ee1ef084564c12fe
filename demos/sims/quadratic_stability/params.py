"""The parameters of the quadratic-stability demo (no numpy: the web tier validates them)."""

from pydantic import Field

from demos.sims.base import DemoParams, partial_results
from demos.sims.words import N_

# Seconds per unit of work on the reference machine (this one, one thread), fitted by
# bench/cost_model.py --fit; a 0 means the other terms already account for that work.
SECONDS_PER_RUN = 0.000272
SECONDS_PER_STEP = 2.08e-05
SECONDS_PER_PARTIAL_STEP = 9.27e-07  # each partial result holds every step so far


class Params(DemoParams):
    curvature_1: float = Field(
        1.0,
        gt=0,
        le=100,
        title=N_("λ₁"),
        description=N_("Curvature of the loss along the first axis"),
    )
    curvature_2: float = Field(
        10.0,
        gt=0,
        le=100,
        title=N_("λ₂"),
        description=N_("Curvature of the loss along the second axis"),
    )
    step_size: float = Field(
        0.18,
        gt=0,
        le=10,
        title=N_("Step size η"),
        description=N_("Learning rate of gradient descent"),
    )
    steps: int = Field(
        40,
        ge=1,
        le=1000,
        title=N_("Steps"),
        description=N_("Number of GD steps"),
        json_schema_extra={"unit": N_("steps")},
    )
    start_1: float = Field(
        -4.0, ge=-10, le=10, title=N_("x₁(0)"), description=N_("Starting point, first coordinate")
    )
    start_2: float = Field(
        2.0, ge=-10, le=10, title=N_("x₂(0)"), description=N_("Starting point, second coordinate")
    )

    # Every step is a few flops; the bound on steps is the real limit.
    cost_field = "steps"

    def cost_terms(self) -> dict[str, float]:
        return {
            "SECONDS_PER_RUN": 1,
            "SECONDS_PER_STEP": self.steps,
            "SECONDS_PER_PARTIAL_STEP": partial_results(self.steps) * self.steps,
        }
