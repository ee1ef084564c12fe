"""The JSON API: list demos with their parameter schemas, ask for runs, fetch a run and its figure.

Every answer to a bad request is a 4xx with a JSON body; errors about parameters name the field.
The response schemas below serialize every answer; refusals go through one exception handler.
Runs are asked for with JSON from our own pages (or any non-browser client): a form or plain-text
body is a 415 and a browser's cross-site request a 403, so no other site can make its visitors'
browsers queue runs. A busy database is a 503 to retry, never a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language, gettext
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth
from pydantic import ValidationError

from demos.languages import demo_schema, field_message
from demos.models import FINISHED_CACHE_SECONDS, MAX_ID, PRESENTER_PRIORITY, DemoRun
from demos.registry import DEMOS, get_demo
from demos.runs import RunRefused, queue_notice, recover_if_stale, request_run, visible_run
from demos.sims.base import Demo, DemoParams
from seminar_site.client_address import client_ip_address

MAX_BODY_BYTES = 16 * 1024  # parameters are a few numbers; anything bigger is not a request
DATABASE_RETRY_AFTER = 5  # seconds: a locked or restarting database is usually back by then

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Seminar API",
    version="1",
    description="Run the talks' demos: list them, ask for a run, poll it until its figure is in."
    " List the published talks: upcoming or past, by series, speaker, topic or dates.",
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
    def resolve_title(demo: Demo) -> str:
        return gettext(demo.title)

    @staticmethod
    def resolve_summary(demo: Demo) -> str:
        return gettext(demo.summary)

    @staticmethod
    def resolve_params_schema(demo: Demo) -> dict[str, Any]:
        return demo_schema(demo)

    @staticmethod
    def resolve_defaults(demo: Demo) -> dict[str, Any]:
        return demo.params().model_dump(mode="json")

    @staticmethod
    def resolve_runs_url(demo: Demo) -> str:
        return reverse("api:create_run", kwargs={"slug": demo.slug})


class RunCreated(Schema):
    id: str
    status: str
    created: bool
    url: str
    permalink: str


class RunOut(Schema):
    id: str
    demo: str
    status: str
    progress: float
    notice: str  # e.g. that no worker is running, while a run waits
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
    def resolve_id(run: DemoRun) -> str:
        return run.public_id

    @staticmethod
    def resolve_demo(run: DemoRun) -> str:
        return run.demo_slug

    @staticmethod
    def resolve_notice(run: DemoRun) -> str:
        return queue_notice(run)

    @staticmethod
    def resolve_talk(run: DemoRun) -> int | None:
        # A draft or restricted talk is not named to people who may not see it.
        return run.talk_id if run.talk and run.talk.is_public() else None

    @staticmethod
    def resolve_created_at(run: DemoRun) -> str:
        return run.created_at.isoformat()

    @staticmethod
    def resolve_finished_at(run: DemoRun) -> str | None:
        return run.finished_at.isoformat() if run.finished_at else None

    @staticmethod
    def resolve_error(run: DemoRun) -> str:
        return run.shown_error

    @staticmethod
    def resolve_figure(run: DemoRun) -> dict[str, Any] | None:
        # In the language the request asked for (Accept-Language), English where not drawn.
        return run.figure_in(get_language())

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
    415: ErrorOut,
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
    """Each field's error, its message in the request's language (Accept-Language)."""
    return [
        {
            "field": ".".join(str(part) for part in item["loc"]) or "body",
            "message": field_message(
                item["type"], item["msg"], (item.get("ctx") or {}).get("message_template")
            ),
            "type": item["type"],
        }
        for item in error.errors(include_url=False, include_input=False)
    ]


def client_fingerprint(request: HttpRequest) -> str:
    """Who is asking, for the rate limit: a keyed hash of the address, never the address."""
    address = client_ip_address(request)
    return salted_hmac("demos.api.client_fingerprint", address).hexdigest()[:32]


def find_demo(slug: str) -> Demo:
    try:
        return get_demo(slug)
    except KeyError as exc:
        raise HttpError(404, str(exc.args[0])) from None


def find_talk(talk_id: int | None, *, public: bool = True):
    """The talk a run is asked for from, if any. For visitors only live, public talks count:
    a draft's or a restricted talk's id answers exactly as a missing one does."""
    if talk_id is None:
        return None
    talks = DemoRun._meta.get_field("talk").related_model.objects.all()
    if public:
        talks = talks.live().public()
    talk = talks.filter(pk=talk_id).first() if 0 < talk_id <= MAX_ID else None
    if talk is None:
        raise HttpError(404, f"No talk with id {talk_id}.")
    return talk


def accept_only_our_json(request: HttpRequest) -> None:
    """Only JSON, only from our own pages: a browser sends a cross-site JSON request only after
    a CORS preflight (which this API never approves), and says where a request comes from."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        raise HttpError(413, f"The parameters must fit in {MAX_BODY_BYTES} bytes.")
    # No body means the defaults; any body must be JSON.
    charset = request.content_params.get("charset", "utf-8").lower()
    if length != "0" and (request.content_type != "application/json" or charset != "utf-8"):
        raise HttpError(415, "Send the parameters as UTF-8 JSON (Content-Type: application/json).")
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE", "")
    origin = request.META.get("HTTP_ORIGIN", "")
    own_origin = f"{request.scheme}://{request.get_host()}"
    if fetch_site not in ("", "same-origin", "none") or origin not in ("", own_origin):
        raise HttpError(403, "Runs can be asked for only from this site's own pages.")


def read_params(request: HttpRequest, demo: Demo, seconds_budget: float) -> DemoParams:
    accept_only_our_json(request)  # its size checked before the body is read
    try:
        return demo.params.model_validate_json(
            request.body or b"{}", context={"seconds_budget": seconds_budget}
        )
    except ValidationError as error:
        errors = field_errors(error)
        if any(item["type"] == "json_invalid" for item in errors):
            raise BadParameters(400, [{**item, "field": "body"} for item in errors]) from None
        raise BadParameters(422, errors) from None


def created(run: DemoRun, is_new: bool) -> Status:
    answer = RunCreated(
        id=run.public_id,
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
    params = read_params(request, demo, settings.DEMO_VISITOR_SECONDS)
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
    """The presenter's run at the talk, recorded with it for replay (the talk's editors only),
    if asked for within the talk's recording window (TalkPage.recording_window); at other
    times an ordinary run. It goes ahead of visitors' runs and is never refused by their limits."""
    demo = find_demo(slug)
    talk = find_talk(talk_id, public=False)
    if not talk.permissions_for_user(request.auth).can_edit():
        raise HttpError(403, "Only the talk's editors can record runs at the talk.")
    params = read_params(request, demo, settings.DEMO_EDITOR_SECONDS)
    run, is_new = request_run(
        demo,
        params,
        talk=talk,
        recorded_at_talk=talk.is_recording(),
        limited=False,
        priority=PRESENTER_PRIORITY,
    )
    return created(run, is_new)


@router.get(
    "/runs/{public_id}",
    response={200: RunOut, 404: ErrorOut, 410: ErrorOut},
    url_name="get_run",
)
def get_run(request, public_id: str):
    """A run's status and progress; its figure (partial while running) and, when done, result."""
    run = visible_run(request, public_id, DemoRun.objects.defer("replay"))
    if run is None:
        raise HttpError(404, "No such run.")
    if run.status != DemoRun.Status.DONE:
        recover_if_stale(run)
        return _serialized(run)
    # A finished run never changes: the schema serializes it once per process.
    body = cache.get_or_set(
        f"demo-run-state:{run.public_id}:{run.key}:{get_language()}",
        lambda: _serialized(run).model_dump_json(),
        FINISHED_CACHE_SECONDS,
    )
    return HttpResponse(body, content_type="application/json")


def _serialized(run: DemoRun) -> RunOut:
    try:
        return RunOut.from_orm(run)
    except (ValidationError, KeyError, TypeError, ValueError) as error:
        # A row written by older code, or edited by hand: say so rather than fail.
        logger.warning("Run %s cannot be shown: %r", run.pk, error)
        raise HttpError(
            410, "This run cannot be shown: its record is damaged or its demo has been removed."
        ) from None


api.add_router("/", router)


@csrf_exempt
def api_not_found(request, rest: str = ""):
    """Any other address under /api/: a JSON 404 (no slash redirect, no HTML page)."""
    return JsonResponse(
        {"detail": "No such API address; the API is described at /api/docs."}, status=404
    )


@api.exception_handler(RunRefused)
def run_refused(request, refused: RunRefused):
    """New work refused for now (rate limit 429, full queue 503): when to try again."""
    response = api.create_response(request, {"detail": str(refused)}, status=refused.status)
    response["Retry-After"] = str(refused.retry_after)
    return response


@api.exception_handler(RequestDataTooBig)
def body_too_big(request, error: RequestDataTooBig):
    detail = f"The parameters must fit in {MAX_BODY_BYTES} bytes."
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(OperationalError)
def database_busy(request, error: OperationalError):
    """The database is locked, restarting or out of connections: try again in a moment."""
    logger.warning("API answered 503: %s", error)
    detail = "The server is busy; try again in a few seconds."
    response = api.create_response(request, {"detail": detail}, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


@api.exception_handler(Exception)
def unexpected_error(request, error: Exception):
    """A bug: logged with its traceback, answered in JSON without one."""
    logger.error("API error on %s", request.path, exc_info=error)
    detail = "Something went wrong on the server; it has been logged."
    return api.create_response(request, {"detail": detail}, status=500)


@api.exception_handler(BadParameters)
def bad_parameters(request, error: BadParameters):
    return api.create_response(request, {"detail": error.detail}, status=error.status)


@api.exception_handler(NinjaValidationError)
def ninja_validation_error(request, exc: NinjaValidationError):
    """Bad path or query values, in the same shape as bad parameters."""
    errors = [
        {
            "field": ".".join(str(part) for part in item.get("loc", [])[1:]) or "body",
            "message": field_message(item.get("type", ""), item.get("msg", "invalid")),
            "type": item.get("type", "invalid"),
        }
        for item in exc.errors
    ]
    return api.create_response(request, {"detail": errors}, status=422)
