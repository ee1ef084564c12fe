"""The visitor page cache: whole responses for visitors who are not signed in, stored compressed
and served before routing, sessions and the database.

Every stored page belongs to one *generation* of the site's content. Anything that changes what
pages show at once (a publication, a run's status, a snippet, a site) calls ``invalidate()``,
which starts a new generation: every page renders afresh on its next request. What changes
without a signal (a talk passing from upcoming to past, an image's rendition) shows within
PAGE_CACHE_SECONDS, the lifetime of a stored page.

The generation is read on every request, so it must cost microseconds and reach every process
that serves pages: the web workers, and the demo worker that finishes runs. It has two parts,
and changes when either does:

* a token in a small file (PAGE_CACHE_STAMP_FILE), shared by the processes of one host; this
  is what makes the default, process-local LocMem cache correct under several web workers;
* a counter in the page cache itself, shared by every host when that cache is Redis or
  Memcached (``CACHE_URL``).

A CDN or Varnish in front (WAGTAILFRONTENDCACHE) is purged by Wagtail on publication, and by
``invalidate(page)`` for a page whose runs changed.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.request import split_domain_port
from django.utils import translation
from django.utils.cache import cc_delim_re, get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.text import compress_string
from wagtail.contrib.frontend_cache.utils import purge_pages_from_cache
from wagtail.models import Site

from demos.middleware import API_PREFIX

GENERATION_KEY = "visitor-pages:generation"
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Headers a stored page is served with are the rendered response's, except these, which the
# cache sets itself for each answer.
REGENERATED_HEADERS = {
    "content-length",
    "content-encoding",
    "etag",
    "last-modified",
    "cache-control",
    "vary",
    "set-cookie",
}
# A response that varies on anything else than these is not the same for every visitor.
# Accept-Language: LocaleMiddleware names it on every address without a language prefix, but
# the language is the address's (language_of), which the key includes, never the header's.
SHARED_VARY = {"cookie", "accept-encoding", "accept-language"}


def pages():
    return caches[settings.PAGE_CACHE_ALIAS]


# --- the generation ---------------------------------------------------------------------------


def stamp_file() -> Path:
    if settings.PAGE_CACHE_STAMP_FILE:
        return Path(settings.PAGE_CACHE_STAMP_FILE)
    # One per database, so a test run or a benchmark never invalidates the dev server's pages.
    database = settings.DATABASES["default"]
    name = f"{database.get('HOST', '')}:{database.get('PORT', '')}/{database['NAME']}"
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"seminar-pages-{digest}.stamp"


def generation() -> str:
    try:
        token = stamp_file().read_text()
    except OSError:
        token = ""  # no page invalidated on this host yet
    return f"{token}.{pages().get(GENERATION_KEY, 0)}"


def invalidate(*changed_pages) -> None:
    """A new generation: every visitor's next request renders afresh. ``changed_pages`` are
    also purged from a frontend cache, where one is configured (publication purges on its own)."""
    new_generation()
    if transaction.get_connection().in_atomic_block:
        # A page rendered before the change commits would be stored as new: once more after.
        transaction.on_commit(new_generation)
    if changed_pages and settings.WAGTAILFRONTENDCACHE:
        transaction.on_commit(lambda: purge_pages_from_cache(changed_pages))


def new_generation() -> None:
    stamp = stamp_file()
    scratch = stamp.with_name(f"{stamp.name}.{secrets.token_hex(4)}")
    scratch.write_text(secrets.token_hex(8))
    os.replace(scratch, stamp)  # atomic: a reader sees the old token or the new, never half
    try:
        pages().incr(GENERATION_KEY)
    except ValueError:  # not there yet, or evicted
        pages().set(GENERATION_KEY, time.time_ns(), None)


# --- which site a request is for, without the database ------------------------------------------


@dataclass(frozen=True)
class KnownSite:
    hostname: str
    port: int
    is_default: bool
    root_url: str


_sites: tuple[str, float, list[KnownSite]] | None = None  # generation, loaded at, sites


def known_sites(current_generation: str) -> list[KnownSite]:
    """Wagtail's sites, loaded again when the generation changes (saving a site invalidates),
    and at least every PAGE_CACHE_SECONDS, like everything else that changes without a signal."""
    global _sites
    stale = time.monotonic() - settings.PAGE_CACHE_SECONDS
    if _sites is None or _sites[0] != current_generation or _sites[1] < stale:
        _sites = (
            current_generation,
            time.monotonic(),
            [
                KnownSite(site.hostname, site.port, site.is_default_site, site.root_url)
                for site in Site.objects.all()
            ],
        )
    return _sites[2]


def site_root_url(hostname: str, port: int, sites: list[KnownSite]) -> str | None:
    """The root URL of the site Wagtail routes this host to (wagtail.models.sites'
    get_site_for_hostname, in memory); None where Wagtail finds none, or it is not clear."""
    matching = [s for s in sites if s.hostname == hostname]
    exact = [s for s in matching if s.port == port]
    default = [s for s in sites if s.is_default]
    if exact:
        return exact[0].root_url
    if default and default[0].hostname == hostname:
        return default[0].root_url
    if len(matching) == 1:
        return matching[0].root_url
    if not matching and default:
        return default[0].root_url
    return None


# --- stored pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredPage:
    headers: list[tuple[str, str]]
    gzipped: bytes
    etag: str
    last_modified: float

    @classmethod
    def of(cls, response: HttpResponse) -> StoredPage:
        body = response.content
        return cls(
            headers=[
                (name, value)
                for name, value in response.items()
                if name.lower() not in REGENERATED_HEADERS
            ],
            gzipped=compress_string(body),
            etag=f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"',
            last_modified=time.time(),
        )

    def response(self, request: HttpRequest) -> HttpResponseBase:
        """The page as this request asks for it: compressed if the client accepts that, or
        304 Not Modified if the client has it already."""
        if ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            response = HttpResponse(self.gzipped, headers=self.headers)
            response["Content-Encoding"] = "gzip"
        else:  # rare (browsers all accept gzip): decompressed on each request
            response = HttpResponse(zlib.decompress(self.gzipped, wbits=31), headers=self.headers)
        response["ETag"] = self.etag
        response["Last-Modified"] = http_date(self.last_modified)
        response["Cache-Control"] = cache_control()
        patch_vary_headers(response, ("Accept-Encoding", "Cookie"))
        return get_conditional_response(
            request, etag=self.etag, last_modified=int(self.last_modified), response=response
        )


def cache_control() -> str:
    # Browsers ask again each time (a 304 if nothing changed); a frontend cache, purged on
    # publication, may keep a page as long as this cache does.
    if settings.WAGTAILFRONTENDCACHE:
        return f"public, max-age=0, s-maxage={settings.PAGE_CACHE_SECONDS}, must-revalidate"
    return "public, max-age=0, must-revalidate"


def language_of(request: HttpRequest) -> str:
    """The language a page is rendered in, as LocaleMiddleware decides it under
    i18n_patterns(prefix_default_language=False): the address's prefix, else the default. The
    API has no address per language: it answers in the one Accept-Language names (see
    demos.middleware.ApiLanguage)."""
    if request.path_info.startswith(API_PREFIX):
        return translation.get_language_from_request(request)
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def may_share(request: HttpRequest) -> bool:
    """A request for a page every visitor sees alike: a plain GET from a visitor with no
    session (not signed in, no page password given) and no messages waiting."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not request.path.startswith(settings.PAGE_CACHE_EXCLUDED_PATHS)
    )


def storable(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Only a complete page with nothing personal in it: no cookie set (a CSRF token or a
    session started), no user, not marked private or uncacheable."""
    if (
        request.method != "GET"
        or response.status_code != 200
        or response.streaming
        or response.cookies
        or response.has_header("Content-Encoding")
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or getattr(getattr(request, "user", None), "is_authenticated", False)
    ):
        return False
    directives = {d.strip().lower() for d in cc_delim_re.split(response.get("Cache-Control", ""))}
    if directives & {"private", "no-store", "no-cache"}:
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", "")) if v.strip()}
    return vary <= SHARED_VARY


class VisitorPageCache:
    """Serves a stored copy of a visitor's page without routing or a query; stores pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not may_share(request):
            return self.get_response(request)
        try:
            hostname = split_domain_port(request.get_host())[0]  # checks ALLOWED_HOSTS
        except DisallowedHost:
            return self.get_response(request)  # Django answers 400
        current = generation()
        # Keyed by the site's root URL, not the Host header: a page's absolute links name its
        # site, and a new port or alias must not force a fresh render.
        port = request.get_port()
        root_url = site_root_url(hostname, int(port) if port.isdigit() else 0, known_sites(current))
        if root_url is None:
            return self.get_response(request)
        address = hashlib.blake2b(
            f"{language_of(request)} {root_url}{request.get_full_path()}".encode(), digest_size=20
        ).hexdigest()
        key = f"visitor-page:{current}:{address}"
        stored = pages().get(key)
        if stored is not None:
            return stored.response(request)
        response = self.get_response(request)
        if not storable(request, response):
            return response
        stored = StoredPage.of(response)
        pages().set(key, stored, settings.PAGE_CACHE_SECONDS)
        return stored.response(request)
