"""The contract every demo follows: strict bounded parameters, a cost budget, progress reports."""

from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

SEED_MAX = 2**31 - 1


class DemoResult(BaseModel):
    """What a run returns: plain numbers and lists, so it serializes to JSON as is."""

    model_config = ConfigDict(extra="forbid")


ProgressCallback = Callable[[float, DemoResult | None], None]


class DemoParams(BaseModel):
    """Parameters a visitor may send: unknown keys, strings for numbers, NaN and inf are refused.

    A subclass sets ``cost_budget`` and ``cost_field`` and implements ``cost()`` (an estimate of
    the work, e.g. steps x parameters x examples); a parameter set over the budget is refused
    with an error on ``cost_field``, the knob a visitor most likely turned up.
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)

    cost_budget: ClassVar[float]
    cost_field: ClassVar[str]

    def cost(self) -> float:
        raise NotImplementedError

    @model_validator(mode="after")
    def _within_budget(self) -> "DemoParams":
        cost = self.cost()
        if cost > self.cost_budget:
            raise field_error(
                self,
                self.cost_field,
                "cost_budget",
                "this run would cost {cost} units of work, over the budget of {budget};"
                " lower this value (or another size parameter)",
                # pydantic fills in plain {names} only, so the numbers come formatted.
                cost=f"{cost:.3g}",
                budget=f"{self.cost_budget:.3g}",
            )
        return self


def seed_field(description: str = "Random seed: the same seed gives the same numbers") -> Any:
    return Field(0, ge=0, le=SEED_MAX, description=description)


def field_error(
    params: BaseModel, field: str, kind: str, message: str, **context: Any
) -> ValidationError:
    """A validation error pinned to one field, for checks that look at several fields."""
    detail = InitErrorDetails(
        type=PydanticCustomError(kind, message, context),
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
