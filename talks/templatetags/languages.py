"""The page in each of the site's languages: the switcher, hreflang alternates, og:locale."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.urls import translate_url
from django.utils import translation
from wagtail.models import Page, Site

register = template.Library()

# Open Graph names a locale as language_TERRITORY.
OG_LOCALES = {"en": "en_GB", "zh-hans": "zh_CN"}


@dataclass(frozen=True)
class LanguageVersion:
    code: str  # Django's language code, as in the address: zh-hans
    name: str  # in its own language: 简体中文
    url: str  # this page in that language, or that language's home where it has none yet
    full_url: str
    translated: bool  # whether this page exists in that language (an hreflang alternate)
    current: bool

    @property
    def html_lang(self) -> str:
        """BCP 47, as lang and hreflang attributes write it: zh-Hans."""
        return html_lang(self.code)


def html_lang(code: str) -> str:
    return translation.to_locale(code).replace("_", "-")


@register.simple_tag
def current_html_lang() -> str:
    return html_lang(translation.get_language() or settings.LANGUAGE_CODE)


@register.simple_tag
def og_locale(code: str = "") -> str:
    return OG_LOCALES.get(code or translation.get_language() or settings.LANGUAGE_CODE, "")


@register.simple_tag
def localized_path(path: str) -> str:
    """An English address in the page's language: "/talks/" is "/zh-hans/talks/" in Chinese."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(settings.LANGUAGE_CODE):  # English addresses resolve in English
        return translate_url(path, current)


@register.simple_tag(takes_context=True)
def language_versions(context) -> list[LanguageVersion]:
    """One entry per language of the site, for a Wagtail page (its live, public translations)
    or for another view under i18n_patterns (the same address in each language)."""
    request = context.get("request")
    if request is None:
        return []
    try:
        request.get_host()
    except DisallowedHost:  # the 400 page for a host Django refuses names no address on it
        return []
    current = translation.get_language()
    page = context.get("page")
    if isinstance(page, Page) and page.pk:
        translations = {
            p.locale.language_code: p
            for p in page.get_translations(inclusive=True).live().public().select_related("locale")
        }
        homes = site_homes(request)
    path = request.get_full_path()
    versions = []
    for code, _ in settings.LANGUAGES:
        other_address = translate_url(path, code)  # resolved in the current language
        with translation.override(code):
            name = translation.get_language_info(code)["name_local"]
            if isinstance(page, Page) and page.pk:
                target = translations.get(code) or homes.get(code)
                if target is None:
                    continue
                url = target.get_url(request) or "/"
                full_url = target.get_full_url(request) or request.build_absolute_uri(url)
                translated = code in translations
            else:
                url = other_address
                full_url = request.build_absolute_uri(url)
                translated = True
        versions.append(LanguageVersion(code, name, url, full_url, translated, code == current))
    return versions


def site_homes(request) -> dict[str, Page]:
    """The site's home page in each language it is live in."""
    site = Site.find_for_request(request)
    if site is None:
        return {}
    return {
        p.locale.language_code: p
        for p in site.root_page.get_translations(inclusive=True).live().select_related("locale")
    }
