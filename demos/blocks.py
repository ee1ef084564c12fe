"""The StreamField block an editor drops beside an abstract: a demo, default parameters, a caption.

The parameter form is generated from the demo's pydantic model (its JSON Schema gives each field's
kind, bounds, default and help text) and a submitted form is validated by that same model, so the
admin refuses exactly what the API refuses. A block deconstructs to its demo's slug alone (as
Wagtail's choosers do to a model's label) and builds its fields from the registry when it is
made, so changing a demo's defaults or bounds needs no migration.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from pydantic import ValidationError as ParamsError
from wagtail import blocks

from demos.models import DEFAULT_RUN_PRIORITY, DemoRun, run_key
from demos.registry import DEMOS, get_demo
from demos.runs import request_run
from demos.sims.base import Demo, DemoParams


def _bounds(schema: dict[str, Any]) -> dict[str, Any]:
    bounds = {}
    if "minimum" in schema or "exclusiveMinimum" in schema:
        bounds["min_value"] = schema.get("minimum", schema.get("exclusiveMinimum"))
    if "maximum" in schema or "exclusiveMaximum" in schema:
        bounds["max_value"] = schema.get("maximum", schema.get("exclusiveMaximum"))
    return bounds


def parameter_block(schema: dict[str, Any]) -> blocks.Block:
    """One form field for one parameter, from its JSON Schema."""
    common = {
        "label": schema.get("title"),
        "help_text": schema.get("description", ""),
        "default": schema.get("default"),
    }
    if "enum" in schema:
        return blocks.ChoiceBlock(choices=[(v, v) for v in schema["enum"]], **common)
    if schema.get("type") == "integer":
        return blocks.IntegerBlock(**common, **_bounds(schema))
    if schema.get("type") == "number":
        return blocks.FloatBlock(**common, **_bounds(schema))
    if schema.get("type") == "array":
        item = schema["items"]
        child = (
            blocks.IntegerBlock(**_bounds(item))
            if item.get("type") == "integer"
            else blocks.FloatBlock(**_bounds(item))
        )
        return blocks.ListBlock(
            child, min_num=schema.get("minItems"), max_num=schema.get("maxItems"), **common
        )
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
            (name, parameter_block(field))
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

    def params_of(self, value) -> DemoParams:
        """The demo's parameters from a block value (the form's values, as JSON)."""
        # Editors choose a talk's charts: theirs is the editors' time budget.
        return self.demo.params.model_validate_json(
            json.dumps(_plain(value["params"])),
            context={"seconds_budget": settings.DEMO_EDITOR_SECONDS},
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
            by_field: dict[str, ValidationError] = {}
            for item in error.errors(include_url=False):
                name = str(item["loc"][0]) if item["loc"] else "__all__"
                by_field.setdefault(name, ValidationError(item["msg"]))
            raise blocks.StructBlockValidationError(
                {"params": blocks.StructBlockValidationError(by_field)}
            ) from error
        return value

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
            params_schema=demo.params_schema,
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
