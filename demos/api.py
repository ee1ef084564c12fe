"""The JSON API: list demos with their parameter schemas, ask for runs, fetch a run and its figure.

Every answer to a bad request is a 4xx with a JSON body; errors about parameters name the field.
The response schemas below serialize every answer; refusals go through one exception handler.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.crypto import salted_hmac
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth
from pydantic import ValidationError

from demos.models import FINISHED_CACHE_SECONDS, MAX_ID, DemoRun
from demos.registry import DEMOS, get_demo
from demos.runs import RunRefused, recover_if_stale, request_run
from demos.sims.base import Demo, DemoParams

MAX_BODY_BYTES = 16 * 1024  # parameters are a few numbers; anything bigger is not a request

api = NinjaAPI(
    title="Seminar demos API",
    version="1",
    description="Run the talks' demos: list them, ask for a run, poll it until its figure is in.",
    urls_namespace="api",
)
router = Router(tags=["demos"])


# --- schemas: they serialize every answer (and document it in the OpenAPI spec) ---------------


class DemoOut(Schema):
    slug: str
    title: str
    summary: str
    code_version: str
    params_schema: dict[str, Any]
    defaults: dict[str, Any]
    runs_url: str

    @staticmethod
    def resolve_defaults(demo: Demo) -> dict[str, Any]:
        return demo.params().model_dump(mode="json")

    @staticmethod
    def resolve_runs_url(demo: Demo) -> str:
        return reverse("api:create_run", kwargs={"slug": demo.slug})


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

    @staticmethod
    def resolve_demo(run: DemoRun) -> str:
        return run.demo_slug

    @staticmethod
    def resolve_talk(run: DemoRun) -> int | None:
        return run.talk_id

    @staticmethod
    def resolve_created_at(run: DemoRun) -> str:
        return run.created_at.isoformat()

    @staticmethod
    def resolve_finished_at(run: DemoRun) -> str | None:
        return run.finished_at.isoformat() if run.finished_at else None

    @staticmethod
    def resolve_result(run: DemoRun) -> dict[str, Any] | None:
        return run.result if run.status == DemoRun.Status.DONE else None

    @staticmethod
    def resolve_url(run: DemoRun) -> str:
        return run.api_url()

    @staticmethod
    def resolve_permalink(run: DemoRun) -> str:
        return run.get_absolute_url()


class ErrorItem(Schema):
    field: str
    message: str
    type: str


class ErrorOut(Schema):
    detail: str | list[ErrorItem]


RUN_ANSWERS = {
    200: RunCreated,
    202: RunCreated,
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
    503: ErrorOut,
}
PARAMETERS_BODY = {
    "requestBody": {
        "required": True,
        "description": "The demo's parameters as a JSON object; omitted ones take defaults.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


class BadParameters(Exception):
    """The body is not the demo's parameters: 400 for malformed JSON, else 422 per field."""

    def __init__(self, status: int, detail: list[dict[str, str]]):
        super().__init__(detail)
        self.status, self.detail = status, detail


# --- helpers ----------------------------------------------------------------------------------


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
    """Who is asking, for the rate limit: a keyed hash of the address, never the address."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.DEMO_CLIENT_IP_HEADER:
        forwarded = request.META.get(settings.DEMO_CLIENT_IP_HEADER, "")
        # The last entry is the one our own proxy added; earlier ones the client can forge.
        address = forwarded.split(",")[-1].strip() or address
    return salted_hmac("demos.api.client_fingerprint", address).hexdigest()[:32]


def find_demo(slug: str) -> Demo:
    try:
        return get_demo(slug)
    except KeyError as exc:
        raise HttpError(404, str(exc.args[0])) from None


def find_talk(talk_id: int | None):
    """The talk a run is asked for from, if any; an unknown id is a 404."""
    if talk_id is None:
        return None
    talk_model = DemoRun._meta.get_field("talk").related_model
    talk = talk_model.objects.filter(pk=talk_id).first() if 0 < talk_id <= MAX_ID else None
    if talk is None:
        raise HttpError(404, f"No talk with id {talk_id}.")
    return talk


def read_params(request: HttpRequest, demo: Demo) -> DemoParams:
    if len(request.body) > MAX_BODY_BYTES:
        raise HttpError(413, f"The parameters must fit in {MAX_BODY_BYTES} bytes.")
    try:
        return demo.params.model_validate_json(request.body or b"{}")
    except ValidationError as error:
        errors = field_errors(error)
        if any(item["type"] == "json_invalid" for item in errors):
            raise BadParameters(400, [{**item, "field": "body"} for item in errors]) from None
        raise BadParameters(422, errors) from None


def created(run: DemoRun, is_new: bool) -> Status:
    answer = RunCreated(
        id=run.pk,
        status=run.status,
        created=is_new,
        url=run.api_url(),
        permalink=run.get_absolute_url(),
    )
    return Status(202 if is_new else 200, answer)


# --- endpoints --------------------------------------------------------------------------------


@router.get("/demos", response=list[DemoOut], url_name="list_demos")
def list_demos(request):
    """Every demo with the JSON Schema of its parameters and their defaults."""
    return list(DEMOS.values())


@router.post(
    "/demos/{slug}/runs",
    response=RUN_ANSWERS,
    url_name="create_run",
    openapi_extra=PARAMETERS_BODY,
)
def create_run(request, slug: str, talk: int | None = None):
    """Ask for a run. A stored run with the same parameters is returned at once (200);
    a new one is queued (202). Poll its `url` until `status` is `done` or `failed`.
    `?talk=<id>` says which talk's page asked (the run is not recorded at the talk)."""
    demo = find_demo(slug)
    params = read_params(request, demo)
    run, is_new = request_run(
        demo, params, client=client_fingerprint(request), talk=find_talk(talk)
    )
    return created(run, is_new)


@router.post(
    "/talks/{int:talk_id}/demos/{slug}/runs",
    response=RUN_ANSWERS,
    url_name="create_presenter_run",
    auth=django_auth,  # the editor's session, with Django's CSRF check
    openapi_extra=PARAMETERS_BODY,
)
def create_presenter_run(request, talk_id: int, slug: str):
    """The presenter's run at the talk, recorded with it for replay (the talk's editors only).
    It goes ahead of visitors' runs and is never refused by their limits."""
    demo = find_demo(slug)
    talk = find_talk(talk_id)
    if not talk.permissions_for_user(request.auth).can_edit():
        raise HttpError(403, "Only the talk's editors can record runs at the talk.")
    params = read_params(request, demo)
    run, is_new = request_run(demo, params, talk=talk, recorded_at_talk=True, limited=False)
    return created(run, is_new)


@router.get("/runs/{int:run_id}", response={200: RunOut, 404: ErrorOut}, url_name="get_run")
def get_run(request, run_id: int):
    """A run's status and progress; its figure (partial while running) and, when done, result."""
    run = DemoRun.objects.defer("replay").with_id(run_id)
    if run is None:
        raise HttpError(404, f"No run with id {run_id}.")
    if run.status != DemoRun.Status.DONE:
        recover_if_stale(run)
        return run
    # A finished run never changes: the schema serializes it once per process.
    body = cache.get_or_set(
        f"demo-run-state:{run.pk}:{run.key}",
        lambda: RunOut.from_orm(run).model_dump_json(),
        FINISHED_CACHE_SECONDS,
    )
    return HttpResponse(body, content_type="application/json")


api.add_router("/", router)


@api.exception_handler(RunRefused)
def run_refused(request, refused: RunRefused):
    """New work refused for now (rate limit 429, full queue 503): when to try again."""
    response = api.create_response(request, {"detail": str(refused)}, status=refused.status)
    response["Retry-After"] = str(refused.retry_after)
    return response


@api.exception_handler(BadParameters)
def bad_parameters(request, error: BadParameters):
    return api.create_response(request, {"detail": error.detail}, status=error.status)


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
