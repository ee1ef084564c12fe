"""Site search over talks: Wagtail's full-text index for words, substring matching for Chinese.

The database backends' full-text search (SQLite FTS5, PostgreSQL tsvector) splits text at spaces
and punctuation; Chinese has neither between words, so a whole run of characters is one token
and `梯度下降` inside `我们研究梯度下降的…` is never found. A query with CJK characters therefore
matches each of its space-separated terms as a substring of the title, abstract, speakers'
names or topics instead: exact, the same on SQLite and PostgreSQL, and fast enough at a
seminar's size (docs/benchmarks.md measures it with 1,000 talks)."""

from __future__ import annotations

import re

from django.db.models import Q

from .models import TalkPage, TalkSpeaker

# Han (with extension A and compatibility ideographs), kana, Hangul, CJK punctuation and
# full-width forms: scripts written without spaces between words.
CJK = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def has_cjk(text: str) -> bool:
    return CJK.search(text) is not None


def search_talks(talks, terms: str):
    """`talks` (a TalkPage query set) matching `terms`: Wagtail search results, best first, or
    for a query in Chinese (or Japanese, Korean) a query set, newest talk first."""
    if not has_cjk(terms):
        return talks.search(terms)
    for term in terms.split():
        speakers = TalkSpeaker.objects.filter(speaker__name__icontains=term).values("page")
        topics = TalkPage.objects.filter(
            Q(topics__name__icontains=term) | Q(topics__translated_names__name__icontains=term)
        ).values("pk")
        talks = talks.filter(
            Q(title__icontains=term)
            | Q(abstract__icontains=term)
            | Q(pk__in=speakers)
            | Q(pk__in=topics)
        )
    return talks.order_by("-start", "pk")
