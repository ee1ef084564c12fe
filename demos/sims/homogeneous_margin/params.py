"""The parameters of the homogeneous-margin demo (no numpy: the web tier validates them)."""

from pydantic import Field, model_validator

from demos.sims.base import DemoParams, field_error, seed_field


class Params(DemoParams):
    examples: int = Field(
        40,
        ge=4,
        le=400,
        title="Examples",
        description="Number of points; the label alternates between angular sectors",
        json_schema_extra={"unit": "points"},
    )
    sectors: int = Field(
        4,
        ge=2,
        le=8,
        title="Sectors",
        description="The plane is cut into this many equal angular sectors of alternating label",
    )
    gap: float = Field(
        10.0,
        ge=0,
        le=30,
        title="Gap",
        description="Points closer than this to a sector's edge are dropped",
        json_schema_extra={"unit": "degrees"},
    )
    width: int = Field(
        20,
        ge=2,
        le=200,
        title="Hidden width",
        description="ReLU units in the hidden layer (no biases anywhere)",
        json_schema_extra={"unit": "units"},
    )
    init_scale: float = Field(
        0.5,
        gt=0,
        le=5,
        title="Initial scale",
        description="Standard deviation of the initial weights",
    )
    step_size: float = Field(
        0.5, gt=0, le=10, title="Step size η", description="Learning rate of gradient descent"
    )
    steps: int = Field(
        50_000,
        ge=10,
        le=500_000,
        title="Steps",
        description="Number of GD steps; the margin grows on a log scale of steps",
        json_schema_extra={"unit": "steps"},
    )
    seed: int = seed_field()

    cost_budget = 2e9
    cost_field = "steps"

    def cost(self) -> float:
        return self.steps * self.examples * self.width

    @model_validator(mode="after")
    def _room_between_gaps(self) -> "Params":
        sector = 360 / self.sectors
        if 2 * self.gap >= sector:
            raise field_error(
                self,
                "gap",
                "gap_too_wide",
                "with {sectors} sectors of {sector}° the gap must be under {half}°",
                sectors=self.sectors,
                sector=f"{sector:g}",
                half=f"{sector / 2:g}",
            )
        return self
