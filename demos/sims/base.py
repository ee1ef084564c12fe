"""The contract every demo follows: strict bounded parameters, a time budget, progress reports,
and a description the web tier can read without importing the computation."""

import ast
import hashlib
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from demos.sims.words import N_

SEED_MAX = 2**31 - 1
# Seconds a run may take when the caller names no budget: a visitor's wait for a figure.
DEFAULT_SECONDS_BUDGET = 30.0


class DemoResult(BaseModel):
    """What a run returns: plain numbers and lists, so it serializes to JSON as is."""

    model_config = ConfigDict(extra="forbid")


ProgressCallback = Callable[[float, DemoResult | None], None]


class DemoParams(BaseModel):
    """Parameters a visitor may send: unknown keys, strings for numbers, NaN and inf are refused.

    A subclass sets ``cost_field`` and implements ``cost_terms()``: how many of each unit of work
    a run does (runs, steps, Hessian-vector products, examples x parameters per step...), keyed
    by the name of the constant in the subclass's module that holds the seconds one unit takes,
    fitted by bench/cost_model.py. ``cost()`` is then the run's predicted seconds. A parameter
    set predicted over the caller's budget is refused with an error on ``cost_field``, the knob
    a visitor most likely turned up; the budget comes with validation, as
    ``model_validate(data, context={"seconds_budget": seconds})`` (see ``seconds_budget``).
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)

    cost_field: ClassVar[str]

    def cost_terms(self) -> dict[str, float]:
        raise NotImplementedError

    def cost(self) -> float:
        """Predicted seconds on the reference machine (one thread): sum of count x seconds."""
        seconds = vars(sys.modules[type(self).__module__])
        return sum(seconds[name] * count for name, count in self.cost_terms().items())

    @model_validator(mode="after")
    def _within_budget(self, info: ValidationInfo) -> "DemoParams":
        budget = seconds_budget(info.context)
        if budget is None:
            return self
        seconds = self.cost()
        if seconds > budget:
            raise field_error(
                self,
                self.cost_field,
                "cost_budget",
                N_(
                    "this run would take about {seconds} s, over the budget of {budget} s;"
                    " lower this value (or another size parameter)"
                ),
                # pydantic fills in plain {names} only, so the numbers come formatted.
                seconds=about_seconds(seconds),
                budget=f"{budget:g}",
            )
        return self


def about_seconds(seconds: float) -> str:
    """Seconds to two significant digits, as cost errors say them: 0.031, 4.2, 40."""
    return f"{float(f'{seconds:.2g}'):g}"


def seconds_budget(context: Mapping[str, Any] | None) -> float | None:
    """The seconds a run may take, from the validation context: DEFAULT_SECONDS_BUDGET when the
    caller names none, None (no limit) for ``{"seconds_budget": None}`` or ``math.inf``."""
    if context is None or "seconds_budget" not in context:
        return DEFAULT_SECONDS_BUDGET
    budget = context["seconds_budget"]
    return None if budget is None or budget == math.inf else float(budget)


def partial_results(updates: int) -> int:
    """At most how many partial results a ProgressReporter (every 1%) builds when a run reports
    progress ``updates`` times: each takes time, so a cost model counts them."""
    return min(updates, 100) + 1


def seed_field(description: str = N_("Random seed: the same seed gives the same numbers")) -> Any:
    return Field(0, ge=0, le=SEED_MAX, title=N_("Seed"), description=description)


def field_error(
    params: BaseModel, field: str, kind: str, message: str, **context: Any
) -> ValidationError:
    """A validation error pinned to one field, for checks that look at several fields. Its
    context keeps the English ``message`` template, which the web tier translates."""
    detail = InitErrorDetails(
        type=PydanticCustomError(kind, message, {**context, "message_template": message}),
        loc=(field,),
        input=getattr(params, field),
    )
    return ValidationError.from_exception_data(type(params).__name__, [detail])


class ProgressReporter:
    """Calls ``progress(fraction, partial())`` each time another ``every`` of the work is done.

    ``partial`` is a function so that the partial result is built only when it is reported.
    """

    def __init__(self, progress: ProgressCallback | None, every: float = 0.01):
        self.progress = progress
        self.every = every
        self.last_reported = -1.0

    def __call__(self, fraction: float, partial: Callable[[], DemoResult | None]) -> None:
        if self.progress is None:
            return
        if fraction >= 1.0 or fraction - self.last_reported >= self.every:
            self.last_reported = fraction
            self.progress(min(fraction, 1.0), partial())


@dataclass(frozen=True)
class Demo:
    """A demo as the web tier knows it: slug, words and parameters, nothing that computes.

    The computation (``run``, ``Result``, ``figure``, with torch and plotting) lives in the
    package's ``compute`` module and is imported only when asked for, by the worker or the CLI.
    """

    slug: str
    title: str
    summary: str
    params: type[DemoParams]
    package: str  # the demo's package, e.g. "demos.sims.edge_of_stability"

    @cached_property
    def params_schema(self) -> dict:
        """The parameters' JSON Schema: the API's, the admin form's and the controls' source."""
        return self.params.model_json_schema()

    @cached_property
    def code_version(self) -> str:
        """A digest of this demo's own files and the shared modules they import, so its stored
        runs are recomputed when its code changes, and only then."""
        return source_digest(self.package)

    @cached_property
    def compute(self) -> ModuleType:
        return import_module(f"{self.package}.compute")

    @property
    def result(self) -> type[DemoResult]:
        return self.compute.Result

    @property
    def run(self) -> Callable[[DemoParams, ProgressCallback | None], DemoResult]:
        return self.compute.run

    @property
    def figure(self) -> Callable[[DemoResult], Any]:
        """Builds the result's plotly Figure."""
        return self.compute.figure


SIMS_DIR = Path(__file__).parent
SIMS_PACKAGE = __name__.rpartition(".")[0]  # "demos.sims"


def module_path(module: str, sims_dir: Path = SIMS_DIR) -> Path | None:
    """The file of a module under demos.sims (a package's __init__.py), or None if not one."""
    if not module.startswith(SIMS_PACKAGE + "."):
        return None
    base = sims_dir.joinpath(*module.removeprefix(SIMS_PACKAGE + ".").split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path, sims_dir: Path = SIMS_DIR) -> str:
    """The dotted name of a file under demos.sims (a package's __init__.py names the package)."""
    parts = path.relative_to(sims_dir).with_suffix("").parts
    return ".".join([SIMS_PACKAGE, *parts]).removesuffix(".__init__")


def imported_modules(path: Path, module: str) -> set[str]:
    """Every module a source file imports (absolute names; relative imports resolved)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import x / from ..y import z
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            # `from demos.sims import logistic` imports the module demos.sims.logistic.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def source_files(package: str, sims_dir: Path = SIMS_DIR) -> dict[str, Path]:
    """A demo package's files and, transitively, the shared sims modules they import, by name."""
    package_dir = module_path(package, sims_dir).parent
    pending = {module_name(path, sims_dir): path for path in package_dir.rglob("*.py")}
    files: dict[str, Path] = {}
    while pending:
        module, path = pending.popitem()
        files[module] = path
        for imported in imported_modules(path, module):
            imported_path = module_path(imported, sims_dir)
            if imported_path and imported not in files:
                pending[imported] = imported_path
    return files


def source_digest(package: str, sims_dir: Path = SIMS_DIR) -> str:
    digest = hashlib.sha256()
    for module, path in sorted(source_files(package, sims_dir).items()):
        digest.update(module.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
