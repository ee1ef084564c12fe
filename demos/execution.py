"""One run of a demo with its record: parameters, result, figure, timing and versions.

Imports the demo's computation (torch, plotting): only the worker and the CLI use this module.
"""

import json
import platform
import time
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from typing import Any

import plotly.graph_objects as go
from django.conf import settings
from django.utils import translation

from demos.sims.base import Demo, DemoParams, DemoResult, ProgressCallback
from demos.sims.words import speaking

LIBRARIES = ("torch", "numpy", "scipy", "scikit-learn", "plotly", "pydantic")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    versions.update({name: version(name) for name in LIBRARIES})
    return versions


@dataclass(frozen=True)
class Execution:
    demo: Demo
    params: DemoParams
    result: DemoResult
    seconds: float

    @cached_property
    def figure(self) -> go.Figure:
        return self.demo.figure(self.result)

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.demo.slug,
            "params": self.params.model_dump(mode="json"),
            "result": self.result.model_dump(mode="json"),
            "figure": json.loads(self.figure.to_json()),
            "meta": {
                "seconds": round(self.seconds, 6),
                "hvp_count": getattr(self.result, "hvp_count", 0),
                "versions": {**library_versions(), "code": self.demo.code_version},
                "seed": getattr(self.params, "seed", None),
            },
        }


def other_languages() -> list[str]:
    """The site's languages besides the default one, in which figures are drawn again."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def figure_in(demo: Demo, result: DemoResult, language: str) -> dict[str, Any]:
    """``result``'s figure as JSON with its words in ``language``, from the site's catalog."""
    with translation.override(language), speaking(translation.gettext):
        return json.loads(demo.figure(result).to_json())


def translated_figures(demo: Demo, result: DemoResult) -> dict[str, dict[str, Any]]:
    """``result``'s figure in each other language, by language code."""
    return {language: figure_in(demo, result, language) for language in other_languages()}


def execute(demo: Demo, params: DemoParams, progress: ProgressCallback | None = None) -> Execution:
    started = time.perf_counter()
    result = demo.run(params, progress)
    return Execution(demo, params, result, time.perf_counter() - started)
