"""LaTeX in abstracts becomes MathML; plain dollars and unsafe markup are left as text."""

import xml.etree.ElementTree as ET

import pytest

from talks.mathtext import latex_to_mathml, render_math


def test_inline_and_display_math_become_mathml():
    out = render_math(
        "<p>Sharpness reaches $2/\\eta$.</p><p>$$\\lambda_{\\max} \\approx 2/\\eta$$</p>"
    )
    assert out.count("<math") == 2
    assert 'display="inline"' in out and 'display="block"' in out
    assert "$" not in out
    assert "&#x003B7;" in out  # eta


@pytest.mark.parametrize(
    "text",
    [
        "<p>It costs $5 and then $10.</p>",
        "<p>A lone $ sign.</p>",
        "<p>Spaces $ around $ dollars.</p>",
        "<p>Escaped \\$x\\$ stays.</p>",
        "<p>$x$5 is not math.</p>",
    ],
)
def test_plain_dollars_are_left_alone(text):
    assert render_math(text) == text


def test_math_inside_tags_is_not_touched():
    html = '<p><a href="https://example.org/$x$">link</a></p>'
    assert render_math(html) == html


def test_escaped_html_inside_math_is_read_as_latex():
    out = render_math("<p>$a &lt; b$</p>")
    assert "<mo>&#x0003C;</mo>" in out


@pytest.mark.parametrize(
    "latex",
    ["\\text{<script>alert(1)</script>}", "\\text{<img src=x onerror=alert(1)>}", "\\frac{1}{"],
)
def test_unsafe_or_broken_latex_is_left_as_source(latex):
    assert latex_to_mathml(latex) is None
    escaped = latex.replace("<", "&lt;").replace(">", "&gt;")
    assert render_math(f"<p>${escaped}$</p>") == f"<p>${escaped}$</p>"


def test_output_is_well_formed_mathml():
    root = ET.fromstring(latex_to_mathml("\\sum_i \\log(1 + e^{-y_i w^\\top x_i})"))
    assert root.tag == "{http://www.w3.org/1998/Math/MathML}math"
