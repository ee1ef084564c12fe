"""The JSON API: list demos with their parameter schemas, ask for runs, fetch a run and its figure.

Every answer to a bad request is a 4xx with a JSON body; errors about parameters name the field.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.utils import check_csrf
from pydantic import ValidationError

from demos.models import FINISHED_CACHE_SECONDS, MAX_ID, DemoRun
from demos.registry import DEMOS, Demo, get_demo
from demos.runs import RunRefused, recover_if_stale, request_run

MAX_BODY_BYTES = 16 * 1024  # parameters are a few numbers; anything bigger is not a request

api = NinjaAPI(
    title="Seminar demos API",
    version="1",
    description="Run the talks' demos: list them, ask for a run, poll it until its figure is in.",
    urls_namespace="api",
)
router = Router(tags=["demos"])


# --- schemas (what the OpenAPI spec documents) -----------------------------------------------


class DemoOut(Schema):
    slug: str
    title: str
    summary: str
    code_version: str
    params_schema: dict[str, Any]
    defaults: dict[str, Any]
    runs_url: str


class RunCreated(Schema):
    id: int
    status: str
    created: bool
    url: str
    permalink: str


class RunOut(Schema):
    id: int
    demo: str
    status: str
    progress: float
    params: dict[str, Any]
    seed: int | None
    recorded_at_talk: bool
    talk: int | None
    created_at: str
    finished_at: str | None
    seconds: float | None
    versions: dict[str, Any]
    error: str
    figure: dict[str, Any] | None  # partial while running, final when done
    result: dict[str, Any] | None  # when done
    url: str
    permalink: str


class ErrorItem(Schema):
    field: str
    message: str
    type: str


class ErrorOut(Schema):
    detail: str | list[ErrorItem]


# --- helpers ----------------------------------------------------------------------------------


def demo_summary(demo: Demo) -> dict[str, Any]:
    return {
        "slug": demo.slug,
        "title": demo.title,
        "summary": demo.summary,
        "code_version": demo.code_version,
        "params_schema": demo.params_schema,
        "defaults": demo.params().model_dump(mode="json"),
        "runs_url": reverse("api:create_run", kwargs={"slug": demo.slug}),
    }


def run_state(run: DemoRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "demo": run.demo_slug,
        "status": run.status,
        "progress": run.progress,
        "params": run.params,
        "seed": run.seed,
        "recorded_at_talk": run.recorded_at_talk,
        "talk": run.talk_id,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "seconds": run.seconds,
        "versions": run.versions,
        "error": run.error,
        "figure": run.figure,
        "result": run.result if run.status == DemoRun.Status.DONE else None,
        "url": run.api_url(),
        "permalink": run.get_absolute_url(),
    }


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in item["loc"]) or "body",
            "message": item["msg"],
            "type": item["type"],
        }
        for item in error.errors(include_url=False, include_input=False)
    ]


def client_fingerprint(request: HttpRequest) -> str:
    """Who is asking, for the rate limit: a salted hash of the address, never the address."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.DEMO_CLIENT_IP_HEADER:
        forwarded = request.META.get(settings.DEMO_CLIENT_IP_HEADER, "")
        # The last entry is the one our own proxy added; earlier ones the client can forge.
        address = forwarded.split(",")[-1].strip() or address
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]


def find_talk(talk_id: int | None):
    """The talk a run is asked for from, if any; an unknown id is a 404."""
    if talk_id is None:
        return None
    talk_model = DemoRun._meta.get_field("talk").related_model
    talk = talk_model.objects.filter(pk=talk_id).first() if 0 < talk_id <= MAX_ID else None
    if talk is None:
        raise HttpError(404, f"No talk with id {talk_id}.")
    return talk


def check_presenter(request: HttpRequest, talk) -> None:
    """Runs recorded at a talk are the talk's record: only its editors make them."""
    if talk is None:
        raise HttpError(422, "Recording at a talk needs the talk's id in ?talk=.")
    if not talk.permissions_for_user(request.user).can_edit():
        raise HttpError(403, "Only the talk's editors can record runs at the talk.")
    if check_csrf(request):
        raise HttpError(403, "CSRF check failed; reload the presenter view.")


# --- endpoints --------------------------------------------------------------------------------


@router.get("/demos", response=list[DemoOut], url_name="list_demos")
def list_demos(request):
    """Every demo with the JSON Schema of its parameters and their defaults."""
    return [demo_summary(demo) for demo in DEMOS.values()]


@router.post(
    "/demos/{slug}/runs",
    response={
        200: RunCreated,
        202: RunCreated,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
    },
    url_name="create_run",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The demo's parameters as a JSON object; omitted ones take defaults.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def create_run(request, slug: str, talk: int | None = None, live: bool = False):
    """Ask for a run. A stored run with the same parameters is returned at once (200);
    a new one is queued (202). Poll its `url` until `status` is `done` or `failed`.
    `?talk=<id>&live=true` records the run at that talk (editors only)."""
    try:
        demo = get_demo(slug)
    except KeyError as exc:
        return Status(404, {"detail": str(exc.args[0])})
    if len(request.body) > MAX_BODY_BYTES:
        return Status(413, {"detail": f"The parameters must fit in {MAX_BODY_BYTES} bytes."})
    try:
        params = demo.params.model_validate_json(request.body or b"{}")
    except ValidationError as error:
        errors = field_errors(error)
        if any(item["type"] == "json_invalid" for item in errors):
            return Status(400, {"detail": [{**item, "field": "body"} for item in errors]})
        return Status(422, {"detail": errors})
    talk_page = find_talk(talk)
    if live:
        check_presenter(request, talk_page)
    try:
        run, created = request_run(
            demo,
            params,
            client=client_fingerprint(request),
            talk=talk_page,
            recorded_at_talk=live,
            limited=not live,
        )
    except RunRefused as refused:
        response = JsonResponse({"detail": str(refused)}, status=refused.status)
        response["Retry-After"] = str(refused.retry_after)
        return response
    body = {
        "id": run.pk,
        "status": run.status,
        "created": created,
        "url": run.api_url(),
        "permalink": run.get_absolute_url(),
    }
    return Status(202 if created else 200, body)


@router.get("/runs/{int:run_id}", response={200: RunOut, 404: ErrorOut}, url_name="get_run")
def get_run(request, run_id: int):
    """A run's status and progress; its figure (partial while running) and, when done, result."""
    run = DemoRun.objects.defer("replay").with_id(run_id)
    if run is None:
        return Status(404, {"detail": f"No run with id {run_id}."})
    if run.status == DemoRun.Status.DONE:
        # A finished run never changes: its answer is built once per process.
        body = cache.get_or_set(
            f"demo-run-state:{run.pk}:{run.key}",
            lambda: json.dumps(run_state(run)),
            FINISHED_CACHE_SECONDS,
        )
        return HttpResponse(body, content_type="application/json")
    recover_if_stale(run)
    return Status(200, run_state(run))


api.add_router("/", router)


@api.exception_handler(NinjaValidationError)
def ninja_validation_error(request, exc: NinjaValidationError):
    """Bad path or query values, in the same shape as bad parameters."""
    errors = [
        {
            "field": ".".join(str(part) for part in item.get("loc", [])[1:]) or "body",
            "message": item.get("msg", "invalid"),
            "type": item.get("type", "invalid"),
        }
        for item in exc.errors
    ]
    return api.create_response(request, {"detail": errors}, status=422)
