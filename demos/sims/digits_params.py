"""The parameters of the demos that train an MLP on scikit-learn's digits, declared once.

Pydantic only, no torch: the web tier validates these parameters without the computation.
"""

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field

from demos.sims.base import field_error

PIXELS = 64  # 8x8 images
# The rarest digit class in scikit-learn's data set has 174 images.
EXAMPLES_PER_CLASS = 174

StepSize = Annotated[float, Field(gt=0, le=1.0)]
HiddenWidth = Annotated[
    int,
    Field(
        ge=4,
        le=128,
        title="Hidden width",
        description="Units in each hidden layer",
        json_schema_extra={"unit": "units"},
    ),
]
HiddenLayers = Annotated[
    int, Field(ge=1, le=4, title="Hidden layers", description="Number of hidden layers")
]
Activation = Annotated[
    Literal["tanh", "relu", "elu"],
    Field(title="Activation", description="Nonlinearity after each hidden layer"),
]
Classes = Annotated[
    int,
    Field(
        ge=2,
        le=10,
        title="Classes",
        description="Train on the digits 0 to classes - 1",
        json_schema_extra={"unit": "classes"},
    ),
]
TrainingExamples = Annotated[
    int,
    Field(
        ge=20,
        le=10 * EXAMPLES_PER_CLASS,
        title="Training examples",
        json_schema_extra={"unit": "examples"},
    ),
]


class DigitsNetwork:
    """What the demos that train an MLP on the digits derive from hidden_width, hidden_layers,
    classes and examples (fields each demo's Params declares)."""

    def check_examples(self) -> None:
        available = self.classes * EXAMPLES_PER_CLASS
        if self.examples > available:
            raise field_error(
                self,
                "examples",
                "too_many_examples",
                "at most {available} examples for {classes} classes",
                available=available,
                classes=self.classes,
            )

    @property
    def layer_widths(self) -> list[int]:
        return [PIXELS] + [self.hidden_width] * self.hidden_layers + [self.classes]

    @property
    def parameter_count(self) -> int:
        return sum((fan_in + 1) * fan_out for fan_in, fan_out in pairwise(self.layer_widths))

    @property
    def layer_count(self) -> int:
        """Linear layers: each adds a few operations, a fixed cost, to every pass."""
        return self.hidden_layers + 1

    @property
    def example_parameters(self) -> int:
        """Examples x parameters: the multiply-adds of one pass over the training set."""
        return self.examples * self.parameter_count
