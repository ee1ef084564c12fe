"""The sitemap: Wagtail's, with the pages of every language, each naming its translations."""

from __future__ import annotations

from django.db.models import Q
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class SiteSitemap(Sitemap):
    def items(self):
        # Wagtail lists the site root's tree; each translation of the root has a tree of its own.
        homes = self.get_wagtail_site().root_page.get_translations(inclusive=True)
        in_a_tree = Q()
        for home in homes:
            in_a_tree |= Q(path__startswith=home.path)
        return (
            Page.objects.filter(in_a_tree)
            .live()
            .public()
            .order_by("path")
            .defer_streamfields()
            .specific()
        )


def with_alternates(page: Page, urls: list[dict], request=None) -> list[dict]:
    """The page's sitemap entries with an hreflang alternate per live translation (Django's
    sitemap template writes them as xhtml:link), when it has any."""
    from .templatetags.languages import html_lang

    translations = page.get_translations(inclusive=True).live().public().select_related("locale")
    alternates = [
        {"lang_code": html_lang(p.locale.language_code), "location": p.get_full_url(request)}
        for p in translations
    ]
    if len(alternates) > 1:
        for url in urls:
            url["alternates"] = alternates
    return urls
