"""Run one demo from the command line: validate parameters, show progress, write the run as JSON."""

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import ValidationError

from demos.execution import execute
from demos.registry import DEMOS, get_demo

BAR_WIDTH = 30


def parse_assignments(assignments: list[str]) -> dict:
    """`key=value` pairs; a value is read as JSON when it parses (0.1, 3, [0.1, 0.2]), else text."""
    values: dict = {}
    for setting in assignments:
        key, separator, text = setting.partition("=")
        if not separator or not key:
            raise CommandError(f"--set expects key=value, got {setting!r}")
        if key in values:
            raise CommandError(f"--set {key} is given twice")
        try:
            values[key] = json.loads(text)
        except json.JSONDecodeError:
            values[key] = text
    return values


def describe_errors(error: ValidationError) -> str:
    lines = []
    for detail in error.errors():
        field = ".".join(str(part) for part in detail["loc"]) or "parameters"
        lines.append(f"  {field}: {detail['msg']}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Run a demo (see --list) and write its parameters, result, figure and timing as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="which demo; --list shows them")
        parser.add_argument(
            "--set",
            dest="assignments",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="set a parameter, e.g. --set steps=500 --set step_sizes=[0.1,0.2]",
        )
        parser.add_argument("--out", type=Path, help="write the JSON here instead of stdout")
        parser.add_argument("--html", type=Path, help="also write the figure as a standalone page")
        parser.add_argument("--list", action="store_true", help="list demos and their parameters")

    def handle(self, *args, **options) -> None:
        if options["list"]:
            self.list_demos()
            return
        if not options["slug"]:
            raise CommandError("name a demo to run, or use --list to see them")
        try:
            demo = get_demo(options["slug"])
        except KeyError as error:
            raise CommandError(error.args[0]) from None
        try:
            params = demo.params.model_validate(parse_assignments(options["assignments"]))
        except ValidationError as error:
            raise CommandError(
                f"invalid parameters for {demo.slug}:\n{describe_errors(error)}"
            ) from None

        started = time.monotonic()

        def progress(fraction: float, _partial) -> None:
            elapsed = time.monotonic() - started
            filled = int(BAR_WIDTH * fraction)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stderr.write(f"\r{demo.slug} [{bar}] {fraction:4.0%} {elapsed:5.1f} s", ending="")

        on_terminal = sys.stderr.isatty()
        execution = execute(demo, params, progress if on_terminal else None)
        if on_terminal:
            self.stderr.write("")
        record = execution.as_json()
        text = json.dumps(record, allow_nan=False)
        if options["out"]:
            options["out"].write_text(text)
            self.stderr.write(f"{demo.slug}: {execution.seconds:.2f} s, wrote {options['out']}")
        else:
            self.stdout.write(text)
        if options["html"]:
            execution.figure.write_html(options["html"], include_plotlyjs=True, auto_play=False)
            self.stderr.write(f"wrote {options['html']}")

    def list_demos(self) -> None:
        for demo in DEMOS.values():
            self.stdout.write(f"{demo.slug}: {demo.title}")
            self.stdout.write(f"  {demo.summary}")
            schema = demo.params.model_json_schema()
            for name, field in schema["properties"].items():
                bounds = _bounds(field)
                unit = f" {field['unit']}" if "unit" in field else ""
                self.stdout.write(
                    f"  --set {name}={json.dumps(field.get('default'))}{unit}{bounds}"
                    f"  {field.get('description', '')}"
                )
            self.stdout.write("")


def _bounds(field: dict) -> str:
    if "enum" in field:
        return f" (one of {', '.join(map(str, field['enum']))})"
    # A list's bounds are those of its items.
    bounded = field.get("items", {}) if field.get("type") == "array" else field
    low = bounded.get("minimum", bounded.get("exclusiveMinimum"))
    high = bounded.get("maximum", bounded.get("exclusiveMaximum"))
    if low is None and high is None:
        return ""
    opening = "(" if "exclusiveMinimum" in bounded else "["
    return f" {opening}{low}, {high}]"
