"""Compiles the interface's gettext catalogs (locale/*/LC_MESSAGES/*.po) into the .mo files
Django reads, with polib: no GNU gettext tools needed on the machine (make's set-up and the
test session call it). The .mo files are build outputs, ignored by git."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings


def catalogs(locale_paths: list[Path] | None = None) -> list[Path]:
    """Every .po file under the project's LOCALE_PATHS."""
    paths = settings.LOCALE_PATHS if locale_paths is None else locale_paths
    return sorted(po for root in paths for po in Path(root).glob("*/LC_MESSAGES/*.po"))


def compile_catalogs(locale_paths: list[Path] | None = None, force: bool = False) -> list[Path]:
    """Write each catalog's .mo beside it where it is missing or older than its .po; returns the
    .mo files written. Fuzzy and untranslated entries are left out, as msgfmt does, so the
    interface shows the English text rather than a guess."""
    written = []
    for po_path in catalogs(locale_paths):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        # Written beside and renamed: a server reading the catalog never sees half a file.
        partial = mo_path.with_suffix(".mo.partial")
        polib.pofile(str(po_path)).save_as_mofile(str(partial))
        partial.replace(mo_path)
        written.append(mo_path)
    return written
