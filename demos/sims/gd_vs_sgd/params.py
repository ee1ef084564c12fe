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
from demos.sims.words import N_

# Seconds per unit of work on the reference machine (this one, one thread), fitted by
# bench/cost_model.py --fit; a 0 means the other terms already account for that work.
SECONDS_PER_RUN = 0.0199  # loading the digits
SECONDS_PER_TRAINING = 0  # per step size and batch size
SECONDS_PER_TRAINING_PARAMETER = 1.83e-07  # accuracy on the held-out digits
SECONDS_PER_TRAINING_EXAMPLE_PARAMETER = 0  # loss and accuracy on the training set
# At one batch size the step sizes are trained side by side on the same batches: shuffling and
# a step's per-call cost are paid once for all of them, its arithmetic once for each.
SECONDS_PER_EPOCH = 1.07e-05  # shuffling
SECONDS_PER_STEP = 2.35e-06
SECONDS_PER_STEP_LAYER = 8.33e-06
SECONDS_PER_TRAINING_STEP = 7.4e-06
SECONDS_PER_EPOCH_EXAMPLE_PARAMETER = 1e-10  # an epoch's arithmetic, whatever the batch size
SECONDS_PER_HVP = 3.49e-06  # the final sharpness's Hessian-vector products
SECONDS_PER_HVP_LAYER = 7.32e-05
SECONDS_PER_HVP_EXAMPLE_PARAMETER = 1.68e-10
# Hessian-vector products per final sharpness (from a random start, so it varies): a high
# percentile of those bench/cost_model.py --fit measured.
HVPS_PER_SHARPNESS = 18

BatchSize = Annotated[int, Field(ge=1, le=10 * EXAMPLES_PER_CLASS)]


class Params(DigitsNetwork, DemoParams):
    batch_sizes: list[BatchSize] = Field(
        [20, 50, 125, 500],
        min_length=1,
        max_length=6,
        title=N_("Batch sizes"),
        description=N_("Examples per SGD step; the training set's size is full-batch GD"),
    )
    step_sizes: list[StepSize] = Field(
        [0.2],
        min_length=1,
        max_length=3,
        title=N_("Step sizes"),
        description=N_("Learning rates η, each with every batch size"),
    )
    epochs: int = Field(
        500,
        ge=1,
        le=5000,
        title=N_("Epochs"),
        description=N_("Passes over the training set, the same for every batch size"),
        json_schema_extra={"unit": N_("epochs")},
    )
    hidden_width: HiddenWidth = 32
    hidden_layers: HiddenLayers = 2
    activation: Activation = "tanh"
    classes: Classes = 10
    examples: TrainingExamples = Field(
        500, description=N_("Size of the training set; the other digits of those classes test it")
    )
    seed: int = seed_field()

    cost_field = "epochs"

    @model_validator(mode="after")
    def _batches_fit(self) -> "Params":
        self.check_examples()
        if max(self.batch_sizes) > self.examples:
            raise field_error(
                self,
                "batch_sizes",
                "batch_too_large",
                N_("a batch cannot be larger than the {examples} training examples"),
                examples=self.examples,
            )
        return self

    def cost_terms(self, hvps: float | None = None) -> dict[str, float]:
        """``hvps``: the Hessian-vector products a run took, where measured (by the bench's
        fit); otherwise they are predicted."""
        trainings = len(self.step_sizes) * len(self.batch_sizes)
        epochs = len(self.batch_sizes) * self.epochs
        steps = self.epochs * sum(-(-self.examples // batch) for batch in self.batch_sizes)
        if hvps is None:
            hvps = trainings * HVPS_PER_SHARPNESS
        return {
            "SECONDS_PER_RUN": 1,
            "SECONDS_PER_TRAINING": trainings,
            "SECONDS_PER_TRAINING_PARAMETER": trainings * self.parameter_count,
            "SECONDS_PER_TRAINING_EXAMPLE_PARAMETER": trainings * self.example_parameters,
            "SECONDS_PER_EPOCH": epochs,
            "SECONDS_PER_STEP": steps,
            "SECONDS_PER_STEP_LAYER": steps * self.layer_count,
            "SECONDS_PER_TRAINING_STEP": len(self.step_sizes) * steps,
            "SECONDS_PER_EPOCH_EXAMPLE_PARAMETER": (
                trainings * self.epochs * self.example_parameters
            ),
            "SECONDS_PER_HVP": hvps,
            "SECONDS_PER_HVP_LAYER": hvps * self.layer_count,
            "SECONDS_PER_HVP_EXAMPLE_PARAMETER": hvps * self.example_parameters,
        }
