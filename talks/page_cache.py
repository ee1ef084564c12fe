"""The visitor page cache: a talk page's HTML rendered once per version of what it shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from wagtail.models import Site

if TYPE_CHECKING:  # for hints only: talks.pages imports this module
    from .pages import TalkPage

# How long a visitor may see a talk page without an edit to a speaker or venue (snippets, not
# part of the page's version), or without a run status that its demo block looked up on its own.
RENDERED_PAGE_SECONDS = 60


def serves_from_cache(request: HttpRequest) -> bool:
    """Only visitors not signed in share a copy: editors see controls, previews show drafts."""
    return not request.user.is_authenticated and not getattr(request, "is_preview", False)


def rendered_page_key(page: TalkPage, request: HttpRequest) -> str:
    """Wagtail's key for the page's current state, and the site that serves it."""
    # The page's absolute links (canonical, JSON-LD, Open Graph) come from the Site's root URL.
    # Keying by the Host header instead would let each new port or alias force a fresh render.
    site = Site.find_for_request(request)
    return f"talk-page-html:{site.root_url if site else ''}:{page.cache_key}"


def cached_page_response(page: TalkPage, request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """The page as a visitor sees it, rendered only when this version is not in the cache."""
    key = rendered_page_key(page, request)
    html = cache.get(key)
    if html is None:
        context = page.get_context(request, *args, **kwargs)
        html = render_to_string(page.get_template(request, *args, **kwargs), context, request)
        cache.set(key, html, RENDERED_PAGE_SECONDS)
    return HttpResponse(html)
