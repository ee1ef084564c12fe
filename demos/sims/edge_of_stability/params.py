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
from demos.sims.words import N_

# Seconds per unit of work on the reference machine (this one, one thread), fitted by
# bench/cost_model.py --fit; a 0 means the other terms already account for that work.
SECONDS_PER_RUN = 0.0228  # loading the digits
SECONDS_PER_TRAJECTORY = 0.000402
# The step sizes are trained side by side: a step's per-call cost is paid once for all of them,
# its arithmetic and bookkeeping once for each.
SECONDS_PER_STEP = 2.83e-05
SECONDS_PER_STEP_LAYER = 4.85e-06
SECONDS_PER_TRAJECTORY_STEP = 0
SECONDS_PER_TRAJECTORY_STEP_EXAMPLE_PARAMETER = 7.42e-11
SECONDS_PER_ESTIMATE = 0.000135  # an estimate: the passes at the point, Lanczos, accuracy
SECONDS_PER_ESTIMATE_EXAMPLE_PARAMETER = 0
SECONDS_PER_HVP = 8.53e-05
SECONDS_PER_HVP_LAYER = 1.06e-05
SECONDS_PER_HVP_PARAMETER = 5.39e-09  # Lanczos's reorthogonalization
SECONDS_PER_HVP_EXAMPLE_PARAMETER = 1.64e-10
# Hessian-vector products per estimate (the top two eigenvalues at a checkpoint), which depend on
# the trajectory, so a prediction assumes many. bench/cost_model.py --fit prints a high
# percentile of those it measures (20 and 19 before issue 18, for the top eigenvalue alone);
# since the estimates are certified and find the second eigenvalue too, these are the counts of
# the check's worst case (step size 0.9 on a 16-wide, 3-layer network, 100 digits, sharpness
# every 3 steps), first and later-half mean, rounded up.
HVPS_FIRST_ESTIMATE = 30  # from the seed's random vector
HVPS_PER_ESTIMATE = 60  # warm started from the last eigenvectors


class Params(DigitsNetwork, DemoParams):
    step_sizes: list[StepSize] = Field(
        [0.05, 0.1, 0.2],
        min_length=1,
        max_length=4,
        title=N_("Step sizes"),
        description=N_("Learning rates η of full-batch GD, one run each, overlaid on one chart"),
    )
    steps: int = Field(
        2000,
        ge=10,
        le=10_000,
        title=N_("Steps"),
        description=N_("GD steps per step size"),
        json_schema_extra={"unit": N_("steps")},
    )
    sharpness_every: int = Field(
        20,
        ge=1,
        le=500,
        title=N_("Sharpness every"),
        description=N_("Estimate the sharpness every this many steps"),
        json_schema_extra={"unit": N_("steps")},
    )
    hidden_width: HiddenWidth = 32
    hidden_layers: HiddenLayers = 2
    activation: Activation = "tanh"
    classes: Classes = 10
    examples: TrainingExamples = Field(
        500, description=N_("Size of the training set, drawn from those classes")
    )
    seed: int = seed_field()

    cost_field = "steps"

    @model_validator(mode="after")
    def _enough_examples(self) -> "Params":
        self.check_examples()
        return self

    @property
    def estimates_per_step_size(self) -> int:
        """Sharpness estimates along one trajectory: every sharpness_every steps and the last."""
        return self.steps // self.sharpness_every + 1 + (self.steps % self.sharpness_every > 0)

    def cost_terms(self, hvps: float | None = None) -> dict[str, float]:
        """``hvps``: the Hessian-vector products a run took, where measured (by the bench's
        fit); otherwise they are predicted."""
        runs = len(self.step_sizes)
        steps = self.steps + 1
        estimates = runs * self.estimates_per_step_size
        if hvps is None:
            hvps = runs * HVPS_FIRST_ESTIMATE + (estimates - runs) * HVPS_PER_ESTIMATE
        return {
            "SECONDS_PER_RUN": 1,
            "SECONDS_PER_TRAJECTORY": runs,
            "SECONDS_PER_STEP": steps,
            "SECONDS_PER_STEP_LAYER": steps * self.layer_count,
            "SECONDS_PER_TRAJECTORY_STEP": runs * steps,
            "SECONDS_PER_TRAJECTORY_STEP_EXAMPLE_PARAMETER": runs * steps * self.example_parameters,
            "SECONDS_PER_ESTIMATE": estimates,
            "SECONDS_PER_ESTIMATE_EXAMPLE_PARAMETER": estimates * self.example_parameters,
            "SECONDS_PER_HVP": hvps,
            "SECONDS_PER_HVP_LAYER": hvps * self.layer_count,
            "SECONDS_PER_HVP_PARAMETER": hvps * self.parameter_count,
            "SECONDS_PER_HVP_EXAMPLE_PARAMETER": hvps * self.example_parameters,
        }
