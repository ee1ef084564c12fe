"""Every answer under /api/ is JSON, including the ones Django or ninja make on their own."""

import json

from django.utils import translation

API_PREFIX = "/api/"


class ApiLanguage:
    """The API has no address per language (LocaleMiddleware takes an address without a prefix
    for English): it answers in the language Accept-Language names, which demos.js sets to its
    page's, so charts, errors and permalinks come in the reader's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            from seminar_site.page_cache import language_of  # one rule for answers and their keys

            request.LANGUAGE_CODE = language_of(request)
            translation.activate(request.LANGUAGE_CODE)
        return self.get_response(request)


class ApiErrorsAsJson:
    """Turns an HTML error page under /api/ (ninja's 405, a CSRF 403, a 404) into
    ``{"detail": ...}`` with the same status and headers, so API clients parse every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
            and not getattr(response, "streaming", False)
        ):
            response.content = json.dumps({"detail": f"{response.reason_phrase}."}).encode()
            response["Content-Type"] = "application/json"
        return response
