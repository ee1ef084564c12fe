"""LaTeX between $…$ (inline) or $$…$$ (display) in rich text, rendered to MathML on the server.

Browsers render MathML natively, so math needs no script and no network. Text with a lone `$`
("costs $5") is left alone: an inline opening `$` must be followed by a non-space, and its
closing `$` preceded by a non-space and not followed by a digit (pandoc's rule).
"""

import html
import re
import xml.etree.ElementTree as ET

from latex2mathml.converter import convert

# The rich-text feature of fields whose math is rendered: in the editor, "/" (as in $2/\eta$) is
# typed as text rather than opening Draftail's command palette (talks/rich_text.py).
MATH_FEATURE = "math"

MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"
# Presentation MathML only: anything else in the converter's output (say, from \text{<b>}) is
# refused and the source is shown as typed.
MATHML_ELEMENTS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mfrac", "msqrt", "mroot",
    "msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mprescripts",
    "none", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "merror",
    "semantics", "annotation",
}  # fmt: skip
SAFE_ATTRIBUTES = {
    "xmlns", "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
    "width", "height", "depth", "columnalign", "rowspacing", "columnspacing", "columnlines",
    "rowlines", "frame", "notation", "accent", "accentunder", "linethickness", "minsize",
    "maxsize", "movablelimits", "symmetric", "form", "scriptlevel", "displaystyle", "encoding",
    "largeop", "class", "voffset",
}  # fmt: skip

TAG = re.compile(r"(<[^>]*>)")
MATH = re.compile(
    r"\$\$(?P<display>.+?)\$\$"  # display math may contain spaces at its edges
    r"|(?<![\\$])\$(?P<inline>[^\s$](?:[^$]*?[^\s\\$])?)\$(?!\d)",
    re.DOTALL,
)


def render_math(rich_html: str) -> str:
    """Replace $…$ and $$…$$ in the text (never inside tags) of sanitized rich text."""
    parts = TAG.split(rich_html)
    for i in range(0, len(parts), 2):  # even parts are text between tags
        if "$" in parts[i]:
            parts[i] = MATH.sub(_replace, parts[i])
    return "".join(parts)


def _replace(match: re.Match) -> str:
    display = match.group("display") is not None
    latex = html.unescape(match.group("display") if display else match.group("inline"))
    mathml = latex_to_mathml(latex, display)
    return mathml if mathml is not None else match.group(0)


def latex_to_mathml(latex: str, display: bool = False) -> str | None:
    """MathML for `latex`, or None if it does not convert to safe, well-formed MathML."""
    try:
        mathml = convert(latex.strip(), display="block" if display else "inline")
        root = ET.fromstring(mathml)
    except Exception:  # the converter raises many kinds of errors on bad LaTeX
        return None
    if "<!" in mathml or not all(_is_safe(el) for el in root.iter()):
        return None
    return mathml


def _is_safe(element: ET.Element) -> bool:
    tag = element.tag.removeprefix(MATHML_NS)
    return tag in MATHML_ELEMENTS and all(name in SAFE_ATTRIBUTES for name in element.attrib)
