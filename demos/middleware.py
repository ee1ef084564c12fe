"""Every answer under /api/ is JSON, including the ones Django or ninja make on their own."""

import json

API_PREFIX = "/api/"


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
