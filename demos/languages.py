"""The demos' words that the web tier shows, in the active language: each demo's title and
summary and its parameters' titles, descriptions and units (marked with N_ in demos/sims and
translated here, when shown), and the field errors the API answers bad parameters with.

A chart's own words are not here: the worker draws each figure in every language
(demos/execution.py).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext, gettext_noop

from demos.sims.base import Demo

SCHEMA_WORDS = ("title", "description", "unit")

# pydantic's English messages for the errors a visitor's parameters can meet, by error type,
# as templates: a message that matches one is answered in the active language with the same
# values; any other stays as pydantic wrote it.
FIELD_MESSAGES: dict[str, tuple[str, ...]] = {
    "less_than_equal": (gettext_noop("Input should be less than or equal to {le}"),),
    "less_than": (gettext_noop("Input should be less than {lt}"),),
    "greater_than": (gettext_noop("Input should be greater than {gt}"),),
    "greater_than_equal": (gettext_noop("Input should be greater than or equal to {ge}"),),
    "multiple_of": (gettext_noop("Input should be a multiple of {multiple_of}"),),
    "int_parsing": (
        gettext_noop("Input should be a valid integer, unable to parse string as an integer"),
    ),
    "int_from_float": (
        gettext_noop("Input should be a valid integer, got a number with a fractional part"),
    ),
    "int_type": (gettext_noop("Input should be a valid integer"),),
    "float_parsing": (
        gettext_noop("Input should be a valid number, unable to parse string as a number"),
    ),
    "float_type": (gettext_noop("Input should be a valid number"),),
    "finite_number": (gettext_noop("Input should be a finite number"),),
    "bool_type": (gettext_noop("Input should be a valid boolean"),),
    "bool_parsing": (gettext_noop("Input should be a valid boolean, unable to interpret input"),),
    "extra_forbidden": (gettext_noop("Extra inputs are not permitted"),),
    "missing": (gettext_noop("Field required"),),
    "json_invalid": (gettext_noop("Invalid JSON: {error}"),),
    "too_short": (
        gettext_noop(
            "{field_type} should have at least {min_length} item after validation,"
            " not {actual_length}"
        ),
        gettext_noop(
            "{field_type} should have at least {min_length} items after validation,"
            " not {actual_length}"
        ),
    ),
    "too_long": (
        gettext_noop(
            "{field_type} should have at most {max_length} item after validation,"
            " not {actual_length}"
        ),
        gettext_noop(
            "{field_type} should have at most {max_length} items after validation,"
            " not {actual_length}"
        ),
    ),
}


# What a failed run says (stored in English by the worker, DemoRun.error), as templates.
RUN_ERRORS = (
    gettext_noop("Stopped at the time limit of {limit} s; choose fewer steps or a smaller model."),
    gettext_noop("The server was too busy to finish this run; ask for it again."),
    gettext_noop("The simulation stopped with an error; the site's maintainers can see why."),
    gettext_noop("The worker computing this run stopped ({attempts} attempts)."),
)


def schema_in_language(schema: Any) -> Any:
    """A parameters' JSON Schema with its titles, descriptions and units translated."""
    if isinstance(schema, dict):
        return {
            key: gettext(value)
            if key in SCHEMA_WORDS and isinstance(value, str)
            else schema_in_language(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [schema_in_language(item) for item in schema]
    return schema


def demo_schema(demo: Demo) -> dict:
    """``demo``'s parameters' schema in the active language."""
    return schema_in_language(demo.params_schema)


def field_message(kind: str, message: str, template: str | None = None) -> str:
    """A validation error's ``message`` (pydantic's English, of type ``kind``) in the active
    language; ``template`` is a custom error's own English template (its ``message_template``)."""
    templates = (template,) if template else FIELD_MESSAGES.get(kind, ())
    for english in templates:
        values = _values(english, message)
        if values is not None:
            return gettext(english).format(**values)
    return message


def run_error(message: str) -> str:
    """A failed run's stored (English) reason in the active language."""
    for english in RUN_ERRORS:
        values = _values(english, message)
        if values is not None:
            return gettext(english).format(**values)
    return message


def _values(template: str, message: str) -> dict[str, str] | None:
    """The values ``message`` gives ``template``'s {placeholders}, or None if it is not one."""
    parts = re.split(r"\{(\w+)\}", template)
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    match = re.fullmatch(pattern, message, flags=re.DOTALL)
    return match.groupdict() if match else None
