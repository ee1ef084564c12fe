"""The interface's gettext catalogs: every string marked for translation in the templates and the
code has a Chinese translation (none fuzzy, none missing, none left over), and they compile."""

import ast
import io
import re
import tokenize
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

from seminar_site.catalogs import compile_catalogs

ROOT = Path(settings.BASE_DIR)
CATALOG = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Where visitors' text lives: the templates and the apps' code (not their migrations).
SOURCE_DIRS = ("templates", "talks", "subscriptions", "demos", "seminar_site")
TEMPLATE_CALL = re.compile(r"\b(gettext|ngettext|pgettext|npgettext|_)\(")
PY_FUNCTIONS = {
    "_": ("msgid",),
    "N_": ("msgid",),  # demos/sims/words.py: marked there, translated where the web tier shows it
    "gettext_noop": ("msgid",),
    "gettext": ("msgid",),
    "gettext_lazy": ("msgid",),
    "ngettext": ("msgid", "plural"),
    "ngettext_lazy": ("msgid", "plural"),
    "pgettext": ("context", "msgid"),
    "pgettext_lazy": ("context", "msgid"),
    "npgettext": ("context", "msgid", "plural"),
    "npgettext_lazy": ("context", "msgid", "plural"),
}


def _key(function: str, strings: list[str]) -> tuple[str | None, str]:
    roles = PY_FUNCTIONS[function]
    named = dict(zip(roles, strings, strict=False))
    return named.get("context"), named["msgid"]


def _template_strings(path: Path) -> set[tuple[str | None, str]]:
    """The msgids Django's makemessages would take from a template: its own templatize() turns
    {% translate %} and {% blocktranslate %} into gettext calls, read here with the tokenizer."""
    source = templatize(path.read_text(), origin=str(path))
    found = set()
    for match in TEMPLATE_CALL.finditer(source):
        strings, depth = [], 0
        tokens = tokenize.generate_tokens(io.StringIO(source[match.end() - 1 :]).readline)
        for token in tokens:
            if token.string == "(":
                depth += 1
            elif token.string == ")":
                depth -= 1
                if depth == 0:
                    break
            elif token.type == tokenize.STRING and depth == 1:
                strings.append(ast.literal_eval(token.string))
        function = {"_": "gettext"}.get(match.group(1), match.group(1))
        found.add(_key(function, strings))
    return found


def _python_strings(path: Path) -> set[tuple[str | None, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in PY_FUNCTIONS or not node.args:
            continue
        strings = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if all(isinstance(s, str) for s in strings) and len(strings) >= len(
            [r for r in PY_FUNCTIONS[node.func.id] if r != "plural"]
        ):
            found.add(_key(node.func.id, strings))
    return found


def marked_strings() -> set[tuple[str | None, str]]:
    found = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*"):
            if "migrations" in path.parts or not path.is_file():
                continue
            if path.suffix in {".html", ".txt"}:
                found |= _template_strings(path)
            elif path.suffix == ".py":
                found |= _python_strings(path)
    return found


def test_every_marked_string_has_a_chinese_translation_and_no_entry_is_left_over():
    catalog = polib.pofile(str(CATALOG))
    entries = {(e.msgctxt, e.msgid): e for e in catalog if not e.obsolete}
    marked = marked_strings()
    assert len(marked) > 150  # the extraction found the interface, not nothing
    assert sorted(marked - entries.keys(), key=str) == [], "marked but not in the catalog"
    assert sorted(entries.keys() - marked, key=str) == [], "in the catalog but no longer used"
    assert [e.msgid for e in catalog.fuzzy_entries()] == []
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert not catalog.metadata_is_fuzzy
    assert catalog.metadata["Plural-Forms"].startswith("nplurals=1;")


def test_translations_keep_every_placeholder_and_link():
    placeholder = re.compile(r"%\(\w+\)s|<[^>]+>")
    for entry in polib.pofile(str(CATALOG)):
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert sorted(placeholder.findall(text)) == sorted(placeholder.findall(entry.msgid))


def test_the_catalog_compiles_without_gnu_gettext_and_django_reads_it(tmp_path):
    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_bytes(CATALOG.read_bytes())
    assert compile_catalogs([tmp_path]) == [folder / "django.mo"]
    assert compile_catalogs([tmp_path]) == []  # up to date: nothing rewritten
    compiled = polib.mofile(str(folder / "django.mo"))
    assert len(compiled) == len(polib.pofile(str(CATALOG)).translated_entries())
    # The project's own compiled catalog (the test session compiled it) is the one Django uses.
    with translation.override("zh-hans"):
        assert translation.gettext("Upcoming") == "即将举行"
        assert translation.pgettext("date format", "D j M Y, H:i") == "Y年n月j日 D H:i"
        assert translation.ngettext("About the speaker", "About the speakers", 2) == "报告人简介"
    assert translation.gettext("Upcoming") == "Upcoming"
