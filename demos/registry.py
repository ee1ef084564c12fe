"""Every demo by its slug, as the web tier knows it: title, summary, torch-free Params, version.

Each demo is a package under demos/sims/ whose __init__ declares ``demo`` (a ``Demo``); its
computation (``compute``: run, Result, figure) is imported only by the worker and the CLI.
Adding a demo is a new package and one line here.
"""

from importlib import import_module

from demos.sims.base import Demo

DEMO_PACKAGES = (
    "quadratic_stability",
    "edge_of_stability",
    "implicit_bias",
    "homogeneous_margin",
    "adversarial_vulnerability",
    "feature_averaging",
    "gd_vs_sgd",
)

DEMOS: dict[str, Demo] = {
    demo.slug: demo for demo in (import_module(f"demos.sims.{name}").demo for name in DEMO_PACKAGES)
}


def get_demo(slug: str) -> Demo:
    """The demo with this slug; KeyError names the known ones."""
    try:
        return DEMOS[slug]
    except KeyError:
        raise KeyError(f"unknown demo {slug!r}; known demos: {', '.join(DEMOS)}") from None
