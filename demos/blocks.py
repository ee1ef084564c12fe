"""The StreamField block an editor drops beside an abstract: a demo, default parameters, a caption.

The parameter form is generated from the demo's pydantic model (its JSON Schema gives each field's
kind, bounds, default, title, unit and help text, as on the public page) and a submitted form is
validated by that same model, so the admin refuses exactly what the API refuses, in plain words.
A block deconstructs to its demo's slug alone (as Wagtail's choosers do to a model's label) and
builds its fields from the registry when it is made, so changing a demo's defaults or bounds
needs no migration.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from pydantic import ValidationError as ParamsError
from wagtail import blocks

from demos.languages import demo_schema
from demos.models import DEFAULT_RUN_PRIORITY, DemoRun, run_key
from demos.registry import DEMOS, get_demo
from demos.runs import request_run
from demos.sims.base import Demo, DemoParams, about_seconds

# A list typed in one box: numbers separated by commas (spaces or semicolons also do).
LIST_SEPARATORS = re.compile(r"[\s,;]+")


def number(value: float | int) -> str:
    """A number as a reader writes it: 0.1, not 0.1000; 1000, not 1e+03."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def cost_message(seconds: str, budget: str, title: str) -> str:
    """The editor's words for a run over budget, e.g. "about 40 s; at most 20 s: lower Steps"."""
    return f"about {seconds} s; at most {budget} s: lower {title}"


def field_label(schema: dict[str, Any], name: str = "") -> str:
    """The field's title with its unit, as the public page's controls show it ("Steps", not
    "Steps (steps)": the unit is added only where the title lacks it)."""
    title = schema.get("title") or name
    unit = schema.get("unit")
    return f"{title} ({unit})" if unit and unit.lower() not in title.lower() else title


def bounds_text(schema: dict[str, Any]) -> str:
    """The bounds in words: "1 to 1000", "above 0, at most 10", "at least 0"."""
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if "minimum" in schema and "maximum" in schema:
        return f"{number(low)} to {number(high)}"
    parts = []
    if low is not None:
        parts.append(f"{'at least' if 'minimum' in schema else 'above'} {number(low)}")
    if high is not None:
        parts.append(f"{'at most' if 'maximum' in schema else 'below'} {number(high)}")
    return ", ".join(parts)


def parameter_help(schema: dict[str, Any]) -> str:
    """The description, then the allowed values: what the form and the model accept."""
    description = schema.get("description", "").rstrip(".")
    if schema.get("type") == "array":
        count = f"{schema.get('minItems', 1)} to {schema.get('maxItems', 'any number of')} values"
        each = bounds_text(schema["items"])
        allowed = f"{count}, separated by commas" + (f"; each {each}" if each else "")
    elif "enum" in schema:
        allowed = "one of " + ", ".join(map(str, schema["enum"]))
    else:
        allowed = bounds_text(schema)
        unit = schema.get("unit")
        if allowed and unit:
            allowed += f" {unit}"
    return ". ".join(part[:1].upper() + part[1:] for part in (description, allowed) if part) + "."


def _bounds(schema: dict[str, Any]) -> dict[str, Any]:
    bounds = {}
    if "minimum" in schema or "exclusiveMinimum" in schema:
        bounds["min_value"] = schema.get("minimum", schema.get("exclusiveMinimum"))
    if "maximum" in schema or "exclusiveMaximum" in schema:
        bounds["max_value"] = schema.get("maximum", schema.get("exclusiveMaximum"))
    return bounds


class NumberListField(forms.CharField):
    """Numbers typed in one box, "0.05, 0.1, 0.2"; their count and bounds are the model's to
    check (DemoBlock.clean), so the admin refuses what the API refuses, in the same words."""

    def __init__(self, *, integers: bool = False, **kwargs):
        self.integers = integers
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(number(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[int | float]:
        if isinstance(value, list | tuple):
            return list(value)
        text = super().to_python(value).strip(" \t,;")
        return [self._number(token) for token in LIST_SEPARATORS.split(text)] if text else []

    def _number(self, token: str) -> int | float:
        try:
            value = int(token) if self.integers else float(token)
        except ValueError:
            kind = "a whole number" if self.integers else "a number"
            raise ValidationError(
                "“%(token)s” is not %(kind)s.",
                code="invalid",
                params={"token": token, "kind": kind},
            ) from None
        if not math.isfinite(value):
            raise ValidationError(
                "“%(token)s” is not a finite number.", code="invalid", params={"token": token}
            )
        return value


class NumberListBlock(blocks.FieldBlock):
    """A list parameter (step sizes, batch sizes) edited as one text box, stored as a JSON list.

    Reads what Wagtail's ListBlock stored before (``[{"type": "item", "value": ...}]``) too.
    """

    def __init__(self, required: bool = True, help_text: str | None = None, integers=False, **kw):
        self.field = NumberListField(
            integers=integers,
            required=required,
            help_text=help_text,
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        )
        super().__init__(**kw)

    def to_python(self, value: Any) -> list[int | float]:
        if isinstance(value, str):
            return self.field.to_python(value)
        items = value or []
        return [item["value"] if isinstance(item, dict) else item for item in items]

    def normalize(self, value: Any) -> list[int | float]:
        return self.to_python(value)

    def get_prep_value(self, value: Any) -> list[int | float]:
        return list(value or [])

    def get_searchable_content(self, value: Any) -> list[str]:
        return []

    class Meta:
        icon = "list-ul"
        default = []


def parameter_block(schema: dict[str, Any], name: str = "") -> blocks.Block:
    """One form field for one parameter, from its JSON Schema: labelled and described as on the
    public page (title, unit, description), with its bounds in the help text."""
    common = {
        "label": field_label(schema, name),
        "help_text": parameter_help(schema),
        "default": schema.get("default"),
    }
    if "enum" in schema:
        return blocks.ChoiceBlock(choices=[(v, v) for v in schema["enum"]], **common)
    if schema.get("type") == "integer":
        return blocks.IntegerBlock(**common, **_bounds(schema))
    if schema.get("type") == "number":
        return blocks.FloatBlock(**common, **_bounds(schema))
    if schema.get("type") == "array":
        return NumberListBlock(integers=schema["items"].get("type") == "integer", **common)
    raise TypeError(f"no form field for a parameter of schema {schema!r}")


class DemoBlock(blocks.StructBlock):
    """A demo's chart beside the abstract, computed for the editor's default parameters."""

    class Meta:
        demo_slug = None
        icon = "view"
        group = "Demos"
        template = "demos/blocks/demo_block.html"
        form_classname = "demo-block struct-block"

    def __init__(self, demo_slug: str | list | None = None, **kwargs):
        if not isinstance(demo_slug, str):
            # Migrations before talks 0006 froze the fields too: the slug is in the options.
            demo_slug = kwargs.pop("demo_slug")
        demo = get_demo(demo_slug)
        parameter_blocks = [
            (name, parameter_block(field, name))
            for name, field in demo.params_schema["properties"].items()
        ]
        child_blocks = [
            (
                "caption",
                blocks.CharBlock(
                    required=False,
                    max_length=300,
                    help_text="Shown under the chart, e.g. what to look for.",
                ),
            ),
            (
                "params",
                blocks.StructBlock(
                    parameter_blocks,
                    label="Default parameters",
                    help_text="The chart visitors see first, computed when the page is published.",
                ),
            ),
        ]
        kwargs.setdefault("label", f"Demo: {demo.title}")
        # The editor's script (static/admin/js/demo_estimate.js) finds the demo's form by it.
        kwargs.setdefault("form_attrs", {"data-demo-slug": demo_slug})
        super().__init__(child_blocks, demo_slug=demo_slug, **kwargs)

    def deconstruct(self):
        return ("demos.blocks.DemoBlock", (self.meta.demo_slug,), {})

    def deconstruct_with_lookup(self, lookup):
        return self.deconstruct()

    @classmethod
    def construct_from_lookup(cls, lookup, *args, **kwargs):
        if args and isinstance(args[0], str):
            return cls(*args, **kwargs)
        return super().construct_from_lookup(lookup, *args, **kwargs)

    @property
    def demo(self) -> Demo:
        return get_demo(self.meta.demo_slug)

    def params_of(self, value, seconds_budget: float | None = None) -> DemoParams:
        """The demo's parameters from a block value (the form's values, as JSON)."""
        # Editors choose a talk's charts: theirs is the editors' time budget.
        budget = settings.DEMO_EDITOR_SECONDS if seconds_budget is None else seconds_budget
        return self.demo.params.model_validate_json(
            json.dumps(_plain(value["params"])), context={"seconds_budget": budget}
        )

    def shown_params(self, value) -> DemoParams:
        """The parameters whose chart the block shows: the editor's, or the demo's defaults if
        they were saved before the demo's bounds changed and no longer validate."""
        try:
            return self.params_of(value)
        except ParamsError:
            return self.demo.params()

    def default_run_key(self, value) -> str:
        return run_key(self.demo, self.shown_params(value))

    def clean(self, value):
        value = super().clean(value)
        try:
            self.params_of(value)
        except ParamsError as error:
            by_field, general = self.refusals(error)
            raise blocks.StructBlockValidationError(
                {
                    "params": blocks.StructBlockValidationError(
                        {name: ValidationError(message) for name, message in by_field.items()},
                        non_block_errors=general,
                    )
                }
            ) from error
        return value

    def refusals(self, error: ParamsError) -> tuple[dict[str, str], list[str]]:
        """The model's refusal in the editor's words: a message per field (the first one),
        and those about no one field."""
        properties = self.demo.params_schema["properties"]
        by_field: dict[str, str] = {}
        general: list[str] = []
        for item in error.errors(include_url=False):
            if not item["loc"] or str(item["loc"][0]) not in properties:
                general.append(item["msg"])
                continue
            name = str(item["loc"][0])
            if item["type"] == "cost_budget":
                context = item["ctx"]
                title = properties[name].get("title", name)
                message = cost_message(context["seconds"], context["budget"], title)
            else:
                message = _plain_words(item)
                if len(item["loc"]) > 1:  # one number of a list
                    message = f"{_shown(item['input'])}: {message}"
            by_field.setdefault(name, message)
        return by_field, general

    def estimate(self, form_values: Mapping[str, Any]) -> dict[str, Any]:
        """The run time the cost model predicts for parameters as typed in the form (strings,
        by parameter name), and what saving them would refuse, in the same words as clean().

        ``{"seconds": 4.2 or None, "budget": 60.0, "errors": [{"field", "title", "message"}],
        "summary": "about 4.2 s (at most 60 s)"}``; seconds are None where the form or the
        model refuses the parameters before their cost can be predicted.
        """
        params_block = self.child_blocks["params"]
        properties = self.demo.params_schema["properties"]
        budget = float(settings.DEMO_EDITOR_SECONDS)
        values: dict[str, Any] = {}
        by_field: dict[str, str] = {}
        general: list[str] = []
        for name, block in params_block.child_blocks.items():
            try:
                values[name] = block.clean(form_values.get(name))
            except ValidationError as refused:
                by_field[name] = " ".join(refused.messages)
        seconds = None
        if not by_field:
            try:
                params = self.params_of({"params": values}, seconds_budget=math.inf)
            except ParamsError as error:
                by_field, general = self.refusals(error)
            else:
                seconds = params.cost()
                if seconds > budget:
                    title = properties[params.cost_field].get("title", params.cost_field)
                    by_field[params.cost_field] = cost_message(
                        about_seconds(seconds), f"{budget:g}", title
                    )
        errors = [
            {"field": name, "title": properties[name].get("title", name), "message": message}
            for name, message in by_field.items()
        ] + [{"field": None, "title": "", "message": message} for message in general]
        return {
            "seconds": seconds,
            "budget": budget,
            "errors": errors,
            "summary": _summary(seconds, budget, errors),
        }

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        demo = self.demo
        params = self.shown_params(value)
        key = run_key(demo, params)
        # A page with several demos looks their runs up at once (shared_runs) and passes them.
        known = (parent_context or {}).get("demo_runs")
        if known is not None and key in known:
            run = known[key]
        else:
            run = DemoRun.objects.for_display().filter(key=key, recorded_at_talk=False).first()
        context.update(
            demo=demo,
            params=params.model_dump(mode="json"),
            params_schema=demo_schema(demo),
            run=run,
        )
        return context


def shared_runs(children) -> dict[str, DemoRun]:
    """The stored runs of these demo blocks (StreamField children), by key, in one query."""
    keys = [child.block.default_run_key(child.value) for child in children]
    runs = DemoRun.objects.for_display().filter(key__in=keys, recorded_at_talk=False)
    return {run.key: run for run in runs}


def queue_default_runs(talk, children) -> list[tuple[DemoRun, bool]]:
    """Each demo block's default run, queued unless stored: ``(run, created)`` per block.

    Publishing a talk and deploying new demo code (``warm_demo_runs``) both call this, so no
    visitor waits for a chart the editor chose.
    """
    return [
        request_run(
            child.block.demo,
            child.block.shown_params(child.value),
            talk=talk,
            limited=False,
            priority=DEFAULT_RUN_PRIORITY,
        )
        for child in children
    ]


def demo_block(demo: Demo) -> DemoBlock:
    return DemoBlock(demo.slug)


def demo_blocks() -> list[tuple[str, DemoBlock]]:
    """One block type per demo, for a StreamField's block menu."""
    return [(f"demo_{slug.replace('-', '_')}", demo_block(demo)) for slug, demo in DEMOS.items()]


def _plain(value: Any) -> Any:
    """A block value as plain JSON-able data (StructValue and ListValue unwrapped)."""
    if isinstance(value, blocks.StructValue | dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, blocks.list_block.ListValue | list | tuple):
        return [_plain(item) for item in value]
    return value


def _shown(value: Any) -> str:
    return number(value) if isinstance(value, int | float) else str(value)


# Pydantic's messages for bounds, as the help texts word them.
PLAIN_WORDS = {
    "greater_than": "must be above {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be below {lt}",
    "less_than_equal": "must be at most {le}",
}


def _plain_words(item: dict[str, Any]) -> str:
    context = item.get("ctx", {})
    if item["type"] in PLAIN_WORDS:
        return PLAIN_WORDS[item["type"]].format(**{k: _shown(v) for k, v in context.items()})
    if item["type"] in {"too_short", "too_long"}:
        limit = context["min_length" if item["type"] == "too_short" else "max_length"]
        most = "at least" if item["type"] == "too_short" else "at most"
        return f"give {most} {limit} value{'' if limit == 1 else 's'}"
    return item["msg"]


def _summary(seconds: float | None, budget: float, errors: list[dict[str, Any]]) -> str:
    """One line for the editor: the estimate, or what to change (each message with its field's
    title, unless it names it already, as the cost message does)."""
    if errors:
        return "; ".join(
            f"{error['title']}: {error['message']}"
            if error["title"] and error["title"] not in error["message"]
            else error["message"]
            for error in errors
        )
    return f"about {about_seconds(seconds)} s (at most {budget:g} s)"
