"""JSON inside a page's <script> element, escaped by Django's own json_script."""

from typing import Any

from django.utils.html import json_script
from django.utils.safestring import SafeString, mark_safe

JSON_TYPE = 'type="application/json"'


def script_json(value: Any, mime: str = "application/json") -> SafeString:
    """``value`` as a <script type=mime> element that no string inside it can close.

    json_script escapes <, > and & in the JSON; only the element's type may differ (JSON-LD).
    """
    element = json_script(value)
    # The opening tag comes first, and the escaped JSON cannot contain a quote-delimited tag.
    return mark_safe(element.replace(JSON_TYPE, f'type="{mime}"', 1))  # noqa: S308
