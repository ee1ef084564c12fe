"""The parameters of the implicit-bias demo (no numpy: the web tier validates them)."""

from pydantic import Field

from demos.sims.base import DemoParams, seed_field


class Params(DemoParams):
    examples: int = Field(
        60,
        ge=4,
        le=400,
        title="Examples",
        description="Number of points, labelled by a hidden line through the origin",
        json_schema_extra={"unit": "points"},
    )
    gap: float = Field(
        0.1,
        ge=0.02,
        le=0.5,
        title="Gap",
        description="Points closer than this to the hidden line are dropped, so the data are"
        " separable",
    )
    step_size: float = Field(
        1.0, gt=0, le=10, title="Step size η", description="Learning rate of gradient descent"
    )
    steps: int = Field(
        100_000,
        ge=10,
        le=200_000,
        title="Steps",
        description="Number of GD steps; the direction converges only like 1/log(steps)",
        json_schema_extra={"unit": "steps"},
    )
    start_norm: float = Field(
        0.0,
        ge=0,
        le=10,
        title="Starting norm",
        description="Length of the starting weight vector w(0)",
    )
    start_angle: float = Field(
        0.0,
        ge=-180,
        le=180,
        title="Starting angle",
        description="Direction of w(0)",
        json_schema_extra={"unit": "degrees"},
    )
    seed: int = seed_field()

    cost_budget = 2e7
    cost_field = "steps"

    def cost(self) -> float:
        return self.steps * self.examples
