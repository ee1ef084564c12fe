"""Every demo by its slug: its parameters, its pure run function and its figure builder."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import ModuleType

import plotly.graph_objects as go

from demos.sims import (
    adversarial_vulnerability,
    edge_of_stability,
    gd_vs_sgd,
    homogeneous_margin,
    implicit_bias,
    quadratic_stability,
)
from demos.sims.base import DemoParams, DemoResult, ProgressCallback

SIMS_DIR = Path(__file__).parent / "sims"


@dataclass(frozen=True)
class Demo:
    slug: str
    title: str
    summary: str
    module: ModuleType  # a demos.sims module with Params, Result, run and figure

    @property
    def params(self) -> type[DemoParams]:
        return self.module.Params

    @property
    def result(self) -> type[DemoResult]:
        return self.module.Result

    @property
    def run(self) -> Callable[[DemoParams, ProgressCallback | None], DemoResult]:
        return self.module.run

    @property
    def figure(self) -> Callable[[DemoResult], go.Figure]:
        return self.module.figure

    @cached_property
    def params_schema(self) -> dict:
        """The parameters' JSON Schema: the API's, the admin form's and the controls' source."""
        return self.params.model_json_schema()

    @cached_property
    def code_version(self) -> str:
        """A digest of the simulation code, so stored runs are recomputed when it changes."""
        digest = hashlib.sha256()
        for path in sorted(SIMS_DIR.glob("*.py")):
            digest.update(path.read_bytes())
        return digest.hexdigest()[:12]


DEMOS: dict[str, Demo] = {
    demo.slug: demo
    for demo in (
        Demo(
            "quadratic-stability",
            "Gradient descent on a quadratic: the threshold 2/λ",
            "GD converges on a quadratic exactly when the step size is below 2/λ_max.",
            quadratic_stability,
        ),
        Demo(
            "edge-of-stability",
            "The edge of stability",
            "Full-batch GD on a small network: sharpness rises to 2/η and hovers there.",
            edge_of_stability,
        ),
        Demo(
            "implicit-bias",
            "Implicit bias toward the max margin",
            "GD on the logistic loss turns toward the max-margin separator, slowly.",
            implicit_bias,
        ),
        Demo(
            "homogeneous-margin",
            "Margins of homogeneous networks",
            "A ReLU network without biases keeps raising its normalized margin once it fits.",
            homogeneous_margin,
        ),
        Demo(
            "adversarial-vulnerability",
            "GD's solutions are not robust",
            "On nearly orthogonal data, GD's network flips far closer than a robust one must.",
            adversarial_vulnerability,
        ),
        Demo(
            "gd-vs-sgd",
            "GD versus SGD: sharpness at the end",
            "Same network, same epochs: the smaller the batch, the flatter the end point.",
            gd_vs_sgd,
        ),
    )
}


def get_demo(slug: str) -> Demo:
    """The demo with this slug; KeyError names the known ones."""
    try:
        return DEMOS[slug]
    except KeyError:
        raise KeyError(f"unknown demo {slug!r}; known demos: {', '.join(DEMOS)}") from None
