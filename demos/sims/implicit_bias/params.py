"""The parameters of the implicit-bias demo (no numpy: the web tier validates them)."""

from pydantic import Field

from demos.sims.base import DemoParams, partial_results, seed_field
from demos.sims.words import N_

# Seconds per unit of work on the reference machine (this one, one thread), fitted by
# bench/cost_model.py --fit; a 0 means the other terms already account for that work.
SECONDS_PER_RUN = 0
SECONDS_PER_EXAMPLE = 0  # drawing the points, finding the max-margin direction
SECONDS_PER_STEP = 6.03e-06
SECONDS_PER_STEP_EXAMPLE = 8.32e-09
SECONDS_PER_PARTIAL = 0.000265  # a partial result: loss and angle at the checkpoints so far
SECONDS_PER_PARTIAL_EXAMPLE = 7.45e-07


class Params(DemoParams):
    examples: int = Field(
        60,
        ge=4,
        le=400,
        title=N_("Examples"),
        description=N_("Number of points, labelled by a hidden line through the origin"),
        json_schema_extra={"unit": N_("points")},
    )
    gap: float = Field(
        0.1,
        ge=0.02,
        le=0.5,
        title=N_("Gap"),
        description=N_(
            "Points closer than this to the hidden line are dropped, so the data are separable"
        ),
    )
    step_size: float = Field(
        1.0,
        gt=0,
        le=10,
        title=N_("Step size η"),
        description=N_("Learning rate of gradient descent"),
    )
    steps: int = Field(
        100_000,
        ge=10,
        le=200_000,
        title=N_("Steps"),
        description=N_("Number of GD steps; the direction converges only like 1/log(steps)"),
        json_schema_extra={"unit": N_("steps")},
    )
    start_norm: float = Field(
        0.0,
        ge=0,
        le=10,
        title=N_("Starting norm"),
        description=N_("Length of the starting weight vector w(0)"),
    )
    start_angle: float = Field(
        0.0,
        ge=-180,
        le=180,
        title=N_("Starting angle"),
        description=N_("Direction of w(0)"),
        json_schema_extra={"unit": N_("degrees")},
    )
    seed: int = seed_field()

    cost_field = "steps"

    def cost_terms(self) -> dict[str, float]:
        partials = partial_results(self.steps)
        return {
            "SECONDS_PER_RUN": 1,
            "SECONDS_PER_EXAMPLE": self.examples,
            "SECONDS_PER_STEP": self.steps,
            "SECONDS_PER_STEP_EXAMPLE": self.steps * self.examples,
            "SECONDS_PER_PARTIAL": partials,
            "SECONDS_PER_PARTIAL_EXAMPLE": partials * self.examples,
        }
