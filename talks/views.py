"""Views outside the page tree: speaker pages, site search, robots.txt."""

from django import forms
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from wagtail.models import Locale

from .models import Speaker, TalkIndexPage, TalkPage
from .search import search_talks

SEARCH_QUERY_MAX_LENGTH = 200
SEARCH_PER_PAGE = 10


@require_GET
def speaker_detail(request, slug):
    # A speaker keeps one slug in every language: the page shows the active language's
    # translation, or the original where there is none yet.
    speakers = Speaker.objects.filter(slug=slug).order_by("pk")
    speaker = speakers.filter(locale=Locale.get_active()).first() or speakers.first()
    if speaker is None:
        raise Http404("No such speaker.")
    # A translated talk links the original speaker rows: matched by translation key, the
    # talks in this page's language.
    talks = (
        TalkPage.objects.live()
        .public()
        .filter(
            locale=Locale.get_active(),
            speaker_links__speaker__translation_key=speaker.translation_key,
        )
        .for_listing()
    )
    context = {
        "speaker": speaker,
        "upcoming": talks.upcoming(),
        "past": talks.past(),
        "speaker_series": series_of(talks),
    }
    return render(request, "talks/speaker_detail.html", context)


def series_of(talks) -> list[TalkIndexPage]:
    """The live series these talks belong to (each offers a calendar of the speaker's talks)."""
    # A page's parent is the page whose tree path is its own less one step: one query for all.
    paths = {path[: -TalkPage.steplen] for path in talks.values_list("path", flat=True)}
    return list(TalkIndexPage.objects.live().public().filter(path__in=paths).order_by("title"))


class SearchForm(forms.Form):
    q = forms.CharField(max_length=SEARCH_QUERY_MAX_LENGTH, required=False, strip=True)


@require_GET
def search(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        error = " ".join(str(message) for message in form.errors["q"])
        context = {"query": "", "error": _("Search terms: %(error)s") % {"error": error}}
        return render(request, "talks/search.html", context, status=400)
    query = form.cleaned_data["q"]
    # SQLite's full-text backend fails on an unbalanced double quote ("unterminated string");
    # phrase search is not offered, so quotes are only spaces here.
    terms = query.replace('"', " ").strip()
    results = None
    if terms:
        # In the reader's language, and talks not translated into it yet as they were written
        # (by id: the search index filters on a page's own fields only).
        shown = TalkPage.objects.live().public().shown_in(get_language())
        talks = TalkPage.objects.filter(pk__in=shown.values("pk")).for_listing()
        matches = search_talks(talks, terms)
        try:
            results = Paginator(matches, SEARCH_PER_PAGE).page(request.GET.get("page", 1))
        except InvalidPage as exc:
            raise Http404("No such page of results.") from exc
    return render(request, "talks/search.html", {"query": query, "results": results})


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
