"""The parameters of the feature-averaging demo, and the work a run does (no torch: the web tier
validates them)."""

from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from demos.sims.base import DemoParams, seed_field
from demos.sims.words import N_

# Seconds per unit of work on the reference machine (this one, one thread), fitted by
# bench/cost_model.py --fit --demos feature-averaging (on a host busy with another test run: its
# reference runs took 0.248 s against REFERENCE_SECONDS_AT_FIT 0.258 s); a 0 means the other
# terms already account for that work.
SECONDS_PER_RUN = 0
SECONDS_PER_POINT_INPUT = 6.62e-07  # drawing the points: training, held-out, each sweep's
SECONDS_PER_STEP = 1.49e-05  # a GD step's per-call cost, per training (main, each sweep's)
SECONDS_PER_NETWORK_STEP = 3.02e-05  # and per network it trains (two side by side in the main one)
SECONDS_PER_STEP_POINT_OUTPUT = 3.32e-09  # its softmax
SECONDS_PER_STEP_POINT_UNIT = 3.5e-09  # its activations and their slopes
SECONDS_PER_STEP_POINT_INPUT = 0  # and its reading of the points, however few the units
SECONDS_PER_STEP_UNIT_INPUT = 1.4e-09  # its update of the weights, whatever the points
SECONDS_PER_STEP_POINT_UNIT_INPUT = 2.42e-11  # its two matrix products
SECONDS_PER_RECORD = 0.00217  # a network's record, snapshot or final: the batched calls
SECONDS_PER_RECORD_OUTPUT = 0  # its alignment, output by output
SECONDS_PER_EVALUATION_INPUT = 2.28e-09  # one point to evaluate: the point on its ray
SECONDS_PER_EVALUATION_OUTPUT = 0  # one point's prediction: the top outputs
SECONDS_PER_EVALUATION_UNIT = 1.54e-10  # through one hidden unit: the ReLU
SECONDS_PER_EVALUATION_UNIT_INPUT = 1.68e-11  # and its product

# What a run does, fixed so that its cost follows from the parameters alone.
TEST_POINTS_PER_CLUSTER = 10  # held-out points per cluster, attacked for the accuracy curve
SCAN_RADII = 128  # radii on a grid out to the reach, where a ray's first flip is looked for
BISECTIONS = 16  # halvings of the grid cell where it flips: 2⁻¹⁶ of √d/32
DEEPFOOL_STEPS = 10  # steps of the gradient attack, each a forward and a backward pass
DIRECTIONS = 3  # attacks: the averaged feature, the nearest opposite center, DeepFool's ray
# Point evaluations per attacked point: each direction's scan and bisection, and DeepFool's
# passes (a backward pass counted as two forward ones).
EVALUATIONS_PER_POINT = DIRECTIONS * (SCAN_RADII + BISECTIONS) + 3 * DEEPFOOL_STEPS
PARTIALS = 26  # snapshots of the networks while they train (when progress is reported), at most
SNAPSHOT_DIRECTIONS = 2  # a snapshot attacks the centers along the two fixed directions only
RECORD_PASSES = 2  # a record's passes over the training points: accuracies, alignment

# Every k is even and at most d: the centers are k orthogonal directions, half of each label.
MAX_CLUSTERS = 40
Clusters = Annotated[int, Field(ge=2, le=MAX_CLUSTERS, multiple_of=2)]


class Params(DemoParams):
    dimension: int = Field(
        100,
        ge=MAX_CLUSTERS,
        le=1000,
        title=N_("Dimension d"),
        description=N_("Input dimension; the cluster centers are orthogonal, each of norm √d"),
    )
    clusters: Clusters = Field(
        10,
        title=N_("Clusters k"),
        description=N_("Number of clusters, even: the first k/2 are labelled +1, the others −1"),
        json_schema_extra={"unit": N_("clusters")},
    )
    points_per_cluster: int = Field(
        20,
        ge=1,
        le=100,
        title=N_("Points per cluster"),
        description=N_("Training points drawn around each center"),
        json_schema_extra={"unit": N_("points")},
    )
    noise: float = Field(
        0.1,
        ge=0,
        le=0.5,
        title=N_("Noise"),
        description=N_(
            "Standard deviation of each coordinate of a point around its center, whose"
            " norm is √d (so the noise's norm is about this fraction of the center's)"
        ),
    )
    width: int = Field(
        20,
        ge=1,
        le=100,
        title=N_("Hidden width m"),
        description=N_(
            "ReLU units per output (per label, or per cluster), output weights fixed at"
            " 1/m; the hidden weights start small and are trained"
        ),
        json_schema_extra={"unit": N_("units")},
    )
    step_size: float = Field(
        0.5,
        gt=0,
        le=10,
        title=N_("Step size η"),
        description=N_("Learning rate of gradient descent"),
    )
    steps: int = Field(
        3000,
        ge=10,
        le=20_000,
        title=N_("Steps"),
        description=N_(
            "Full-batch GD steps on the cross-entropy (logistic) loss, for each network"
        ),
        json_schema_extra={"unit": N_("steps")},
    )
    sweep_clusters: list[Clusters] = Field(
        [2, 4, 20],
        min_length=1,
        max_length=5,
        title=N_("Sweep over k"),
        description=N_(
            "Other cluster counts k at which a network is trained on the ±1 labels"
            " alone (the other parameters the same), for the flip radius against k"
        ),
    )
    seed: int = seed_field()

    cost_field = "steps"

    @property
    def swept(self) -> list[int]:
        """The sweep's cluster counts besides k, ascending, each once."""
        return sorted(set(self.sweep_clusters) - {self.clusters})

    def phase_terms(self) -> list[dict[str, float]]:
        """The work of each phase in turn, keyed by the constant holding a unit's seconds: the
        two networks' training (side by side, with their snapshots), their attacks, then each
        sweep network's training and attack."""
        d, m, k, per = self.dimension, self.width, self.clusters, self.points_per_cluster
        main = Shape(points=k * per, outputs=2 + k, units=(2 + k) * m, dimension=d)
        snapshots = _records(
            PARTIALS,
            main,
            SNAPSHOT_DIRECTIONS * k * (SCAN_RADII + BISECTIONS) + RECORD_PASSES * main.points,
            networks=2,
        )
        attacked = k * (1 + TEST_POINTS_PER_CLUSTER)  # the clean centers and held-out points
        phases = [
            _sum(
                {
                    "SECONDS_PER_RUN": 1,
                    "SECONDS_PER_POINT_INPUT": k * (per + TEST_POINTS_PER_CLUSTER) * d,
                },
                _training(self.steps, main, networks=2),
                snapshots,
            ),
            _records(
                1, main, attacked * EVALUATIONS_PER_POINT + RECORD_PASSES * main.points, networks=2
            ),
        ]
        for clusters in self.swept:
            alone = Shape(points=clusters * per, outputs=2, units=2 * m, dimension=d)
            phases.append(
                _sum(
                    {"SECONDS_PER_POINT_INPUT": clusters * per * d},
                    _training(self.steps, alone, networks=1),
                    _records(
                        1,
                        alone,
                        clusters * EVALUATIONS_PER_POINT + RECORD_PASSES * alone.points,
                        networks=1,
                    ),
                )
            )
        return phases

    def cost_terms(self) -> dict[str, float]:
        return _sum(*self.phase_terms())

    def phase_seconds(self) -> list[float]:
        """Predicted seconds of each phase of ``phase_terms``: the run's progress follows them."""
        constants = globals()
        return [
            sum(constants[name] * count for name, count in terms.items())
            for terms in self.phase_terms()
        ]


@dataclass(frozen=True)
class Shape:
    """What a training's cost depends on: its points, and its networks' outputs and units (of
    both networks where two train side by side), in d dimensions."""

    points: int
    outputs: int
    units: int
    dimension: int


def _training(steps: int, shape: Shape, networks: int) -> dict[str, float]:
    point_steps = steps * shape.points
    return {
        "SECONDS_PER_STEP": steps,
        "SECONDS_PER_NETWORK_STEP": steps * networks,
        "SECONDS_PER_STEP_POINT_OUTPUT": point_steps * shape.outputs,
        "SECONDS_PER_STEP_POINT_UNIT": point_steps * shape.units,
        "SECONDS_PER_STEP_POINT_UNIT_INPUT": point_steps * shape.units * shape.dimension,
        "SECONDS_PER_STEP_UNIT_INPUT": steps * shape.units * shape.dimension,
        "SECONDS_PER_STEP_POINT_INPUT": point_steps * shape.dimension,
    }


def _records(times: int, shape: Shape, evaluations: int, networks: int) -> dict[str, float]:
    """``times`` records of the ``networks`` of ``shape``, each evaluating ``evaluations``
    points (the attacks' points are built for each network: their inputs count per network)."""
    return {
        "SECONDS_PER_RECORD": times * networks,
        "SECONDS_PER_EVALUATION_INPUT": times * networks * evaluations * shape.dimension,
        "SECONDS_PER_RECORD_OUTPUT": times * shape.outputs,
        "SECONDS_PER_EVALUATION_OUTPUT": times * evaluations * shape.outputs,
        "SECONDS_PER_EVALUATION_UNIT": times * evaluations * shape.units,
        "SECONDS_PER_EVALUATION_UNIT_INPUT": times * evaluations * shape.units * shape.dimension,
    }


def _sum(*terms: dict[str, float]) -> dict[str, float]:
    total: dict[str, float] = {}
    for part in terms:
        for name, count in part.items():
            total[name] = total.get(name, 0) + count
    return total
