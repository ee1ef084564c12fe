"""The embeddable listing: upcoming talks on a small page that other sites show in an <iframe>
(the README has the snippet). Any site may frame it; every other page keeps
frame-ancestors 'self'."""

from __future__ import annotations

from typing import Literal

from csp.decorators import csp_replace
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe
from ninja import Field
from pydantic import ValidationError

from demos.api import BadParameters, field_errors

from .pages import live_translation
from .public_api import TalkQuery, matching_talks, series_named

MAX_EMBED_TALKS = 20  # an embed is a teaser: the series page has the rest


class EmbedQuery(TalkQuery):
    """The API's query, for upcoming talks only and a few of them."""

    when: Literal["upcoming"] = "upcoming"
    limit: int = Field(5, ge=1, le=MAX_EMBED_TALKS)


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def upcoming_talks(request: HttpRequest) -> HttpResponse:
    try:
        query = EmbedQuery.model_validate(request.GET.dict())
        # Chosen as the API chooses them, shown in the embed's language where translated.
        language = get_language()
        talks = [live_translation(talk, language) for talk in matching_talks(query)[: query.limit]]
        series = series_named(query.series)[0] if query.series else None
        if series is not None:
            series = live_translation(series, language)
    except ValidationError as error:
        return refused(request, field_errors(error))
    except BadParameters as error:
        return refused(request, error.detail)
    if series:
        heading = _("Upcoming talks: %(series)s") % {"series": series.title}
    else:
        heading = _("Upcoming talks")
    home = reverse("wagtail_serve", args=[""])  # "/", or "/zh-hans/" in Chinese
    context = {"heading": heading, "talks": talks, "more_url": series.url if series else home}
    return render(request, "talks/embed.html", context)


def refused(request: HttpRequest, errors: list[dict[str, str]]) -> HttpResponse:
    """The embed's address is wrong: say which value, where the site's author will see it."""
    context = {"heading": _("Upcoming talks"), "errors": errors}
    return render(request, "talks/embed.html", context, status=400)
