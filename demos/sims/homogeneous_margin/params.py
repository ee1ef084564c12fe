"""The parameters of the homogeneous-margin demo (no numpy: the web tier validates them)."""

from pydantic import Field, model_validator

from demos.sims.base import DemoParams, field_error, partial_results, seed_field
from demos.sims.words import N_

# Seconds per unit of work on the reference machine (this one, one thread), fitted by
# bench/cost_model.py --fit; a 0 means the other terms already account for that work.
SECONDS_PER_RUN = 0.000883
SECONDS_PER_STEP = 2.38e-05
SECONDS_PER_STEP_EXAMPLE = 2.33e-08
SECONDS_PER_STEP_EXAMPLE_UNIT = 2.41e-09
SECONDS_PER_PARTIAL_EXAMPLE = 2.97e-07  # a partial result holds the points
SECONDS_PER_PARTIAL_UNIT = 1.34e-06  # and the weights at up to 20 steps
# Points are drawn uniformly and those in a gap dropped, so a sector must keep this much room
# between its two gaps: narrower, and drawing the points would take unbounded time.
MIN_ROOM = 1.0  # degrees


class Params(DemoParams):
    examples: int = Field(
        40,
        ge=4,
        le=400,
        title=N_("Examples"),
        description=N_("Number of points; the label alternates between angular sectors"),
        json_schema_extra={"unit": N_("points")},
    )
    sectors: int = Field(
        4,
        ge=2,
        le=8,
        title=N_("Sectors"),
        description=N_(
            "The plane is cut into this many equal angular sectors of alternating label"
        ),
    )
    gap: float = Field(
        10.0,
        ge=0,
        le=30,
        title=N_("Gap"),
        description=N_("Points closer than this to a sector's edge are dropped"),
        json_schema_extra={"unit": N_("degrees")},
    )
    width: int = Field(
        20,
        ge=2,
        le=200,
        title=N_("Hidden width"),
        description=N_("ReLU units in the hidden layer (no biases anywhere)"),
        json_schema_extra={"unit": N_("units")},
    )
    init_scale: float = Field(
        0.5,
        gt=0,
        le=5,
        title=N_("Initial scale"),
        description=N_("Standard deviation of the initial weights"),
    )
    step_size: float = Field(
        0.5,
        gt=0,
        le=10,
        title=N_("Step size η"),
        description=N_("Learning rate of gradient descent"),
    )
    steps: int = Field(
        50_000,
        ge=10,
        le=500_000,
        title=N_("Steps"),
        description=N_("Number of GD steps; the margin grows on a log scale of steps"),
        json_schema_extra={"unit": N_("steps")},
    )
    seed: int = seed_field()

    cost_field = "steps"

    def cost_terms(self) -> dict[str, float]:
        partials = partial_results(self.steps)
        return {
            "SECONDS_PER_RUN": 1,
            "SECONDS_PER_STEP": self.steps,
            "SECONDS_PER_STEP_EXAMPLE": self.steps * self.examples,
            "SECONDS_PER_STEP_EXAMPLE_UNIT": self.steps * self.examples * self.width,
            "SECONDS_PER_PARTIAL_EXAMPLE": partials * self.examples,
            "SECONDS_PER_PARTIAL_UNIT": partials * self.width,
        }

    @model_validator(mode="after")
    def _room_between_gaps(self) -> "Params":
        sector = 360 / self.sectors
        if sector - 2 * self.gap < MIN_ROOM:
            raise field_error(
                self,
                "gap",
                "gap_too_wide",
                N_("with {sectors} sectors of {sector}° the gap must be at most {most}°"),
                sectors=self.sectors,
                sector=f"{sector:g}",
                most=f"{(sector - MIN_ROOM) / 2:g}",
            )
        return self
