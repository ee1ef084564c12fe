"""The GD-versus-SGD demo's parameters (torch-free: the web tier validates them)."""

from typing import Annotated

from pydantic import Field, model_validator

from demos.sims.base import DemoParams, field_error, seed_field
from demos.sims.digits_params import (
    EXAMPLES_PER_CLASS,
    Activation,
    Classes,
    DigitsNetwork,
    HiddenLayers,
    HiddenWidth,
    StepSize,
    TrainingExamples,
)

BatchSize = Annotated[int, Field(ge=1, le=10 * EXAMPLES_PER_CLASS)]


class Params(DigitsNetwork, DemoParams):
    batch_sizes: list[BatchSize] = Field(
        [20, 50, 125, 500],
        min_length=1,
        max_length=6,
        title="Batch sizes",
        description="Examples per SGD step; the training set's size is full-batch GD",
    )
    step_sizes: list[StepSize] = Field(
        [0.2],
        min_length=1,
        max_length=3,
        title="Step sizes",
        description="Learning rates eta, each with every batch size",
    )
    epochs: int = Field(
        500,
        ge=1,
        le=5000,
        title="Epochs",
        description="Passes over the training set, the same for every batch size",
        json_schema_extra={"unit": "epochs"},
    )
    hidden_width: HiddenWidth = 32
    hidden_layers: HiddenLayers = 2
    activation: Activation = "tanh"
    classes: Classes = 10
    examples: TrainingExamples = Field(
        500, description="Size of the training set; the other digits of those classes test it"
    )
    seed: int = seed_field()

    cost_budget = 1e11
    cost_field = "epochs"

    @model_validator(mode="after")
    def _batches_fit(self) -> "Params":
        self.check_examples()
        if max(self.batch_sizes) > self.examples:
            raise field_error(
                self,
                "batch_sizes",
                "batch_too_large",
                "a batch cannot be larger than the {examples} training examples",
                examples=self.examples,
            )
        return self

    def cost(self) -> float:
        # Each epoch touches every example once per batch size and step size; small batches
        # pay a fixed cost per step too, counted as a batch of 32.
        per_epoch = sum(self.examples + 32 * (self.examples / b) for b in self.batch_sizes)
        return len(self.step_sizes) * self.epochs * per_epoch * self.parameter_count
