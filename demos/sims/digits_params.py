"""The parameters of the demos that train an MLP on scikit-learn's digits, declared once.

Pydantic only, no torch: the web tier validates these parameters without the computation.
"""

from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field

from demos.sims.base import field_error
from demos.sims.words import N_

PIXELS = 64  # 8x8 images
# The rarest digit class in scikit-learn's data set has 174 images.
EXAMPLES_PER_CLASS = 174

StepSize = Annotated[float, Field(gt=0, le=1.0)]
HiddenWidth = Annotated[
    int,
    Field(
        ge=4,
        le=128,
        title=N_("Hidden width"),
        description=N_("Units in each hidden layer"),
        json_schema_extra={"unit": N_("units")},
    ),
]
HiddenLayers = Annotated[
    int, Field(ge=1, le=4, title=N_("Hidden layers"), description=N_("Number of hidden layers"))
]
Activation = Annotated[
    Literal["tanh", "relu", "elu"],
    Field(title=N_("Activation"), description=N_("Nonlinearity after each hidden layer")),
]
Classes = Annotated[
    int,
    Field(
        ge=2,
        le=10,
        title=N_("Classes"),
        description=N_("Train on the digits 0 to classes - 1"),
        json_schema_extra={"unit": N_("classes")},
    ),
]
TrainingExamples = Annotated[
    int,
    Field(
        ge=20,
        le=10 * EXAMPLES_PER_CLASS,
        title=N_("Training examples"),
        json_schema_extra={"unit": N_("examples")},
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
                N_("at most {available} examples for {classes} classes"),
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
