"""A JSON answer for the demo block's form in the admin: the run time the demo's cost model
predicts for the parameters as typed, and what saving them would refuse, before the editor saves.

Registered under /admin/ (talks/editor_hooks.py), so only signed-in users with admin access reach
it; static/admin/js/demo_estimate.js posts to it when a parameter changes.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from demos.blocks import DemoBlock
from demos.registry import DEMOS


@require_POST
def estimate(request: HttpRequest, slug: str) -> JsonResponse:
    """``{"params": {name: value as typed}}`` -> DemoBlock.estimate's answer."""
    if slug not in DEMOS:
        return JsonResponse({"detail": f"No demo {slug!r}."}, status=404)
    try:
        params = json.loads(request.body)["params"]
    except (ValueError, KeyError, TypeError):
        params = None
    if not isinstance(params, dict):
        return JsonResponse({"detail": 'Send {"params": {name: value}} as JSON.'}, status=400)
    return JsonResponse(DemoBlock(slug).estimate(params))
