"""The demos' words in the reader's language, with no Django here.

The compute tier writes every text a chart shows in English inside ``_()``, with named
placeholders filled in afterwards (``_("after {steps} steps").format(steps=...)``), so one
catalog entry serves every value. A run is computed once; the worker then draws its figure once
per language, each inside ``speaking(translate)``, where ``_`` looks the English up with the
function it was given (Django's gettext for that language). Outside it, ``_`` is English.

Words the web tier shows (a demo's title, its parameters' titles and descriptions) are only
marked here, with ``N_``: the web tier translates them when it shows them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_translate: ContextVar[Callable[[str], str] | None] = ContextVar("translate", default=None)

# Han characters and CJK punctuation: text in a script that is written without spaces.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _(text: str) -> str:
    """``text`` (English) in the language being drawn, or as it is where there is none."""
    translate = _translate.get()
    return text if translate is None else translate(text)


def N_(text: str) -> str:
    """``text`` unchanged, marked for the catalog: the web tier translates it when shown."""
    return text


@contextmanager
def speaking(translate: Callable[[str], str]) -> Iterator[None]:
    """Within this block, ``_`` translates with ``translate``."""
    token = _translate.set(translate)
    try:
        yield
    finally:
        _translate.reset(token)


def filled(template: str, **values: str) -> str:
    """``template`` with its named ``{placeholders}`` filled, where ``str.format`` cannot be
    used: a Plotly hovertemplate's own ``%{y:.3g}`` stay as they are."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def is_cjk(text: str) -> bool:
    """Whether ``text`` is written (at least partly) in Chinese characters."""
    return CJK.search(text) is not None
