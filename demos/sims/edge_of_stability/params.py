"""The edge-of-stability demo's parameters (torch-free: the web tier validates them)."""

from pydantic import Field, model_validator

from demos.sims.base import DemoParams, seed_field
from demos.sims.digits_params import (
    Activation,
    Classes,
    DigitsNetwork,
    HiddenLayers,
    HiddenWidth,
    StepSize,
    TrainingExamples,
)


class Params(DigitsNetwork, DemoParams):
    step_sizes: list[StepSize] = Field(
        [0.05, 0.1, 0.2],
        min_length=1,
        max_length=4,
        title="Step sizes",
        description="Learning rates eta of full-batch GD, one run each, overlaid on one chart",
    )
    steps: int = Field(
        2000,
        ge=10,
        le=10_000,
        title="Steps",
        description="GD steps per step size",
        json_schema_extra={"unit": "steps"},
    )
    sharpness_every: int = Field(
        20,
        ge=1,
        le=500,
        title="Sharpness every",
        description="Estimate the sharpness every this many steps",
        json_schema_extra={"unit": "steps"},
    )
    hidden_width: HiddenWidth = 32
    hidden_layers: HiddenLayers = 2
    activation: Activation = "tanh"
    classes: Classes = 10
    examples: TrainingExamples = Field(
        500, description="Size of the training set, drawn from those classes"
    )
    seed: int = seed_field()

    cost_budget = 5e10
    cost_field = "steps"

    @model_validator(mode="after")
    def _enough_examples(self) -> "Params":
        self.check_examples()
        return self

    def cost(self) -> float:
        # A sharpness estimate takes a handful of HVPs, each about two gradients.
        per_step = 1 + 12 / self.sharpness_every
        runs = len(self.step_sizes)
        return runs * self.steps * per_step * self.parameter_count * self.examples
