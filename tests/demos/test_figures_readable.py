"""Every demo's chart reads well on a desktop, on a phone and to a screen reader: log axes labelled
at decades or at 1, 2 and 5, legend entries that differ, no TeX-ish text, a one-sentence summary
with the run's numbers, and a phone layout that stacks the panels and can be undone."""

import copy
import json
import math
import re
from functools import cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

from demos.compact import compact_figure, round_floats
from demos.registry import DEMOS, get_demo
from demos.sims.plotting import log_axis, number

NO_LEGEND_TYPES = {"heatmap", "contour"}  # plotly.js leaves them out of the legend by default
MANTISSAS = {"decades": {1.0}, "1-2-5": {1.0, 2.0, 5.0}}


@cache
def default_run(slug: str) -> tuple:
    """The demo's default run and a partial result reported partway (the worker draws those)."""
    demo = get_demo(slug)
    partials = []
    with threadpool_limits(limits=1):  # as the worker runs it: on a busy machine, far faster
        result = demo.run(demo.params(), lambda f, p: p is not None and partials.append((f, p)))
    middle = next(p for f, p in partials if f >= 0.25 and f < 1)
    return result, middle


@cache
def default_figure(slug: str) -> dict:
    demo = get_demo(slug)
    return json.loads(demo.figure(default_run(slug)[0]).to_json())


def axis_name(reference: str) -> str:
    return f"{reference[0]}axis{reference[1:]}"


def plotted(figure: dict, axis: str) -> list[float]:
    """The finite numbers the figure's traces (frames included) plot along a layout axis."""
    letter = axis[0]
    traces = figure["data"]
    shown = [(t, t) for t in traces]
    for frame in figure.get("frames", []):
        indices = frame.get("traces", range(len(frame["data"])))
        shown += [(traces[i], t) for i, t in zip(indices, frame["data"], strict=False)]
    values = []
    for owner, trace in shown:
        if axis_name(owner.get(f"{letter}axis", letter)) == axis:
            values += [v for v in trace.get(letter) or [] if isinstance(v, int | float)]
    return [v for v in values if math.isfinite(v)]


def tick_value(text: str) -> float:
    """A tick label read back: "1,000", "0.05", "10<sup>−5</sup>", "2×10<sup>3</sup>"."""
    power = re.fullmatch(r"(?:([\d.]+)×)?10<sup>(−?\d+)</sup>", text)
    if power:
        mantissa, exponent = power.groups()
        return float(mantissa or 1) * 10 ** int(exponent.replace("−", "-"))
    assert re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?", text), text
    return float(text.replace(",", ""))


def mantissa(value: float) -> float:
    return round(value / 10 ** math.floor(math.log10(value) + 1e-9), 6)


def log_axes(figure: dict) -> dict[str, dict]:
    return {
        name: axis
        for name, axis in figure["layout"].items()
        if re.fullmatch(r"[xy]axis\d*", name) and axis.get("type") == "log"
    }


def check_log_ticks(axis: dict, values: list[float]) -> None:
    """Labels at each decade (three or more of them in the data), or at 1, 2 and 5 times a
    power of 10 where fewer decades fit; each label says its value; minor ticks unlabelled."""
    low, high = min(v for v in values if v > 0), max(values)
    ticks, labels = axis["tickvals"], axis["ticktext"]
    assert axis["tickmode"] == "array" and len(ticks) == len(labels)
    for tick, label in zip(ticks, labels, strict=True):
        assert tick_value(label) == pytest.approx(tick, rel=1e-9)
    inside = [t for t in ticks if low * (1 - 1e-9) <= t <= high * (1 + 1e-9)]
    decades_in_data = math.floor(math.log10(high)) - math.ceil(math.log10(low) - 1e-9) + 1
    kind = "decades" if decades_in_data >= 3 else "1-2-5"
    assert {mantissa(t) for t in ticks} <= MANTISSAS[kind], (kind, ticks)
    if kind == "decades":  # every decade, or every few when there are many
        exponents = [round(math.log10(t)) for t in ticks]
        assert len(set(np.diff(exponents))) == 1 and len(inside) >= 3
    else:
        assert len(inside) >= 2
    assert len(ticks) <= 8
    minor = axis["minor"]
    assert minor["ticks"] == "outside" and not set(minor["tickvals"]) & set(ticks)


@pytest.mark.parametrize("slug", DEMOS)
def test_log_axes_are_labelled_at_decades_or_at_1_2_5(slug):
    figure = default_figure(slug)
    for name, axis in log_axes(figure).items():
        check_log_ticks(axis, plotted(figure, name))


def test_the_demos_draw_log_axes_and_all_are_checked():
    # Steps, losses, angles, batch sizes and dimensions span decades in five of the demos.
    counts = {slug: len(log_axes(default_figure(slug))) for slug in DEMOS}
    assert sum(counts.values()) >= 6 and sum(bool(c) for c in counts.values()) >= 5


@given(
    low=st.floats(1e-12, 1e12),
    ratio=st.floats(1.05, 1e40),
)
def test_log_axis_labels_any_range_readably(low, ratio):
    high = low * ratio
    axis = log_axis([low, high, math.sqrt(low * high)])
    ticks = axis["tickvals"]
    inside = [t for t in ticks if low * (1 - 1e-9) <= t <= high * (1 + 1e-9)]
    assert 2 <= len(inside) == len(ticks) <= 8
    for tick, label in zip(ticks, axis["ticktext"], strict=True):
        assert tick_value(label) == pytest.approx(tick, rel=1e-9)


def legend_entries(figure: dict) -> list[dict]:
    return [
        trace
        for trace in figure["data"]
        if trace.get("showlegend", trace.get("type", "scatter") not in NO_LEGEND_TYPES)
    ]


def looks(trace: dict, with_colour: bool = True) -> tuple:
    """What a legend entry shows: its line's dash, its marker's symbol and their colour."""
    mode = trace.get("mode", "lines+markers")
    line, marker = trace.get("line") or {}, trace.get("marker") or {}
    colour = (line.get("color"), marker.get("color")) if with_colour else None
    symbol = marker.get("symbol", "circle") if "markers" in mode else None
    dash = line.get("dash", "solid") if "lines" in mode else None
    return (trace.get("type", "scatter"), dash, symbol, colour)


@pytest.mark.parametrize("slug", DEMOS)
def test_legend_entries_differ_in_name_and_look_and_not_by_colour_alone(slug):
    entries = legend_entries(default_figure(slug))
    names = [trace.get("name") for trace in entries]
    assert len(set(names)) == len(names) and all(names)
    assert len({looks(trace) for trace in entries}) == len(entries)
    # Dash and marker tell them apart in grey print too.
    assert len({looks(trace, with_colour=False) for trace in entries}) == len(entries)


def chart_texts(figure: dict) -> list[str]:
    """Every piece of text a reader sees in the chart or its hover labels."""
    layout = figure["layout"]
    texts = [(layout.get("title") or {}).get("text")]
    texts += [
        (axis.get("title") or {}).get("text")
        for name, axis in layout.items()
        if re.fullmatch(r"[xy]axis\d*", name)
    ]
    texts += [note.get("text") for note in layout.get("annotations", [])]
    texts += [t.get(key) for t in figure["data"] for key in ("name", "hovertemplate", "text")]
    texts += [s.get("currentvalue", {}).get("prefix") for s in layout.get("sliders", [])]
    texts += [b.get("label") for m in layout.get("updatemenus", []) for b in m["buttons"]]
    texts += [v for v in layout["meta"]["phone"].values() if isinstance(v, str)]
    flat = []
    for text in texts:
        flat += text if isinstance(text, list) else [text]
    return [text for text in flat if isinstance(text, str)]


@pytest.mark.parametrize("slug", DEMOS)
def test_chart_text_has_no_tex(slug):
    texts = chart_texts(default_figure(slug))
    assert len(texts) >= 8
    for text in texts:
        # Plotly's HTML subset (<sub>, <sup>) and Unicode, never λ_max or x^2.
        assert not re.search(r"[_^\\$]", re.sub(r"%\{[^}]*\}", "", text)), text


def numbers_in(text: str) -> list[str]:
    return re.findall(r"\d[\d,]*(?:\.\d+)?", text)


def result_numbers(value) -> list[float]:
    if isinstance(value, dict):
        return [n for item in value.values() for n in result_numbers(item)]
    if isinstance(value, list | tuple):
        return [n for item in value for n in result_numbers(item)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [float(value)]
    return []


def mentions_a_result_number(summary: str, result) -> bool:
    """Some number in the sentence is one of the result's, as rounded in the sentence."""
    known = result_numbers(result.model_dump())
    for written in numbers_in(summary):
        value = float(written.replace(",", ""))
        decimals = len(written.partition(".")[2])
        digits = len(written.replace(",", "").replace(".", "").lstrip("0"))
        for number_ in known:
            if round(number_, decimals) == value or (
                number_ and float(f"{number_:.{max(digits, 1)}g}") == value
            ):
                return True
    return False


def check_sentence(summary: str) -> None:
    assert summary and summary[0].isupper() and summary.endswith(".")
    assert not re.search(r"<[a-z/]", summary)  # plain text: a figcaption and a screen reader
    assert not re.search(r"[.!?]\s+[A-Z]", summary[:-1]), "more than one sentence"


@pytest.mark.parametrize("slug", DEMOS)
def test_the_summary_is_one_sentence_with_the_runs_numbers(slug):
    result, middle = default_run(slug)
    summary = default_figure(slug)["layout"]["meta"]["summary"]
    check_sentence(summary)
    assert mentions_a_result_number(summary, result)
    assert not summary.startswith("So far")
    partway = get_demo(slug).figure(middle).layout.meta["summary"]
    check_sentence(partway)
    assert re.match(r"So far \(\w[\w ]* [\d,]+ of [\d,]+\): ", partway)
    assert mentions_a_result_number(partway, middle)


def first_crossing(trajectory) -> int | None:
    threshold = 2 / trajectory.step_size
    measured = zip(trajectory.checkpoints, trajectory.sharpness, strict=True)
    crossed = [step for step, sharpness in measured if sharpness >= threshold]
    return crossed[0] if crossed else None


def edge_of_stability_claims(result) -> list[str]:
    claims = []
    for trajectory in result.trajectories:
        step, threshold = first_crossing(trajectory), number(2 / trajectory.step_size, 3)
        claims.append(
            f"never reached 2/η = {threshold}"
            if step is None
            else f"reached 2/η = {threshold} at step {step:,}"
        )
    return claims


def gd_vs_sgd_claims(result) -> list[str]:
    by_batch = sorted(result.outcomes, key=lambda o: o.batch_size)
    smallest, largest = by_batch[0], by_batch[-1]
    flatter = "flatter" if smallest.sharpness < largest.sharpness else "sharper"
    return [
        f"{result.epochs:,} epochs",
        f"batch {smallest.batch_size:,} with {number(smallest.sharpness, 3)}",
        flatter,
    ]


def quadratic_claims(result) -> list[str]:
    verdict = "diverged" if result.diverged else "converged"
    return [verdict, f"in {len(result.iterates) - 1:,} steps"]


def implicit_bias_claims(result) -> list[str]:
    return [f"After {result.checkpoints[-1]:,} steps", f"{number(result.angle[-1])}°"]


def homogeneous_claims(result) -> list[str]:
    start = result.normalized_margin[result.checkpoints.index(result.separated_at)]
    trend = "rose" if result.normalized_margin[-1] > start else "fell"
    return [f"By step {result.separated_at:,}", f"{trend} from {number(start)}"]


def adversarial_claims(result) -> list[str]:
    last = result.settings[-1]
    return [f"At d = {last.dimension:,}", f"a median {number(last.median_ratio)}×"]


def feature_averaging_claims(result) -> list[str]:
    binary, cluster = result.networks
    return [
        f"a median radius of {number(binary.median_flip_best, 3)}",
        f"(√(d/k) = {number(result.averaged_radius, 3)})",
        f"holds to a median {number(cluster.median_flip_best, 3)}",
        f"(√(d/2) = {number(result.robust_radius, 3)})",
    ]


CLAIMS = {
    "edge-of-stability": edge_of_stability_claims,
    "gd-vs-sgd": gd_vs_sgd_claims,
    "quadratic-stability": quadratic_claims,
    "implicit-bias": implicit_bias_claims,
    "homogeneous-margin": homogeneous_claims,
    "adversarial-vulnerability": adversarial_claims,
    "feature-averaging": feature_averaging_claims,
}


def test_every_demo_has_its_claims_checked():
    assert set(CLAIMS) == set(DEMOS)


@pytest.mark.parametrize("slug", DEMOS)
def test_the_summary_says_what_the_run_shows(slug):
    """The claims, worked out here from the result, are in the sentence."""
    result, _ = default_run(slug)
    summary = default_figure(slug)["layout"]["meta"]["summary"]
    for claim in CLAIMS[slug](result):
        assert claim in summary


def relayout(layout: dict, patch: dict) -> dict:
    """What Plotly.relayout does to a layout: each key a path ("annotations[2].y"), None
    removing the value (plotly.js's default returns)."""
    layout = copy.deepcopy(layout)
    for key, value in patch.items():
        *path, last = re.findall(r"[^.\[\]]+", key)
        node = layout
        for part in path:
            child = int(part) if part.isdigit() else part
            if isinstance(node, list):
                node = node[child]
            else:
                node = node.setdefault(child, {})
        if last.isdigit():
            node[int(last)] = value
        elif value is None:
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(value)
    return prune(layout)


def prune(value):
    """Without empty objects (a relayout that set and unset a value leaves one)."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v != {}}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def panels(layout: dict) -> list[tuple[str, str]]:
    return [
        (axis_name(axis.get("anchor", "x")), name)
        for name, axis in layout.items()
        if re.fullmatch(r"yaxis\d*", name) and not axis.get("overlaying")
    ]


def subplot_titles(figure: dict) -> dict[int, str]:
    """make_subplots's titles (paper annotations on a panel's top edge), with that panel."""
    layout, found = figure["layout"], {}
    for index, note in enumerate(layout.get("annotations", [])):
        if note.get("xref") != "paper" or note.get("yref") != "paper":
            continue
        for x_axis, y_axis in panels(layout):
            (x0, x1), (_, y1) = layout[x_axis]["domain"], layout[y_axis]["domain"]
            if x0 <= note["x"] <= x1 and abs(note["y"] - y1) < 1e-6:
                found[index] = y_axis
    return found


@pytest.mark.parametrize("slug", DEMOS)
def test_on_a_phone_the_panels_stack_full_width_under_their_titles(slug):
    figure = default_figure(slug)
    meta = figure["layout"]["meta"]
    phone = relayout(figure["layout"], meta["phone"])
    height = phone["height"]
    margin = phone["margin"]
    area = height - margin["t"] - margin["b"]  # px of the plot area
    stack = sorted(panels(phone), key=lambda p: -phone[p[1]]["domain"][1])
    assert len(stack) == len(panels(figure["layout"]))
    for x_axis, y_axis in stack:
        assert phone[x_axis]["domain"] == [0, 1]
        low, high = phone[y_axis]["domain"]
        assert 230 <= (high - low) * area <= 320  # px: a panel a thumb can read
    titles = subplot_titles(figure)
    assert titles or len(stack) == 1
    # A colour bar is laid flat just above its first panel, under the panel's title.
    flat_bars = {
        name: axis["colorbar"]
        for name, axis in phone.items()
        if name.startswith("coloraxis") and "colorbar" in axis
    }
    assert all(bar["orientation"] == "h" for bar in flat_bars.values())
    title_lines = {y: 0 for _, y in stack}
    for index, y_axis in titles.items():
        note = phone["annotations"][index]
        top = phone[y_axis]["domain"][1]
        bars = [b for b in flat_bars.values() if top < b["y"] < note["y"]]
        if bars:  # the title clears the bar and the tick labels above it, and no more
            assert 28 <= (note["y"] - bars[0]["y"]) * area and (note["y"] - top) * area <= 48
        else:
            assert note["y"] == pytest.approx(top, abs=1e-4)  # on its panel
        assert note["yanchor"] == "bottom" and 0 < note["x"] < 1
        title_lines[y_axis] = note["text"].count("<br>") + 1 + len(bars) * 2
    for (x_axis, upper), (_, lower) in zip(stack, stack[1:], strict=False):
        # Between two panels: the upper one's tick labels and axis title, then the lower one's
        # title, which therefore lies above its panel and below the one above.
        axis = phone[x_axis]
        labels = 24 if axis.get("showticklabels", True) else 0
        axis_title = 30 if (axis.get("title") or {}).get("text") else 0
        gap = (phone[upper]["domain"][0] - phone[lower]["domain"][1]) * area
        assert gap >= labels + axis_title + title_lines[lower] * 18 + 4
    # The legend, then the animation buttons, then the slider, under the last axis title.
    legend = phone["legend"]
    assert legend["orientation"] == "h" and legend["yanchor"] == "top"
    assert -legend["y"] * area >= 50
    below = [legend["y"]]
    below += [m["y"] for m in phone.get("updatemenus", [])]
    below += [s["y"] for s in phone.get("sliders", [])]
    assert below == sorted(below, reverse=True) and len(set(below)) == len(below)
    for control in (*phone.get("updatemenus", []), *phone.get("sliders", [])):
        assert control["yanchor"] == "top" and control["x"] == 0
    assert -below[-1] * area < margin["b"]  # all inside the figure
    assert height <= 130 + len(stack) * 420 + margin["b"]
    if len(below) > 1:  # the controls take the bottom controls_height px, and only those
        controls = -below[1] * area
        assert 0 <= margin["b"] - controls - meta["controls_height"] <= 20


@pytest.mark.parametrize("slug", DEMOS)
def test_on_a_desktop_the_top_subplot_titles_fit_the_room_the_page_keeps(slug):
    """The page writes the title in HTML and keeps 48 px above the panels (demos.js): two lines
    of subplot title."""
    figure = default_figure(slug)
    layout = figure["layout"]
    highest = max(layout[y]["domain"][1] for _, y in panels(layout))
    for index, y_axis in subplot_titles(figure).items():
        if layout[y_axis]["domain"][1] == highest:
            assert layout["annotations"][index]["text"].count("<br>") <= 1


@pytest.mark.parametrize("slug", DEMOS)
def test_the_desktop_patch_undoes_the_phone_patch(slug):
    figure = default_figure(slug)
    layout, meta = figure["layout"], figure["layout"]["meta"]
    assert set(meta["desktop"]) == set(meta["phone"])
    assert relayout(relayout(layout, meta["phone"]), meta["desktop"]) == prune(layout)
    assert relayout(layout, meta["phone"]) != prune(layout)
    assert len(json.dumps(meta["phone"])) < 4000  # a patch, not a second figure


@pytest.mark.parametrize("slug", DEMOS)
def test_the_stored_figure_keeps_its_summary_and_layouts(slug):
    figure = default_figure(slug)
    meta = figure["layout"]["meta"]
    stored = compact_figure(figure)["layout"]["meta"]
    assert stored == round_floats(meta) and stored["summary"] == meta["summary"]


@pytest.mark.parametrize(
    "value, written",
    [
        (0.0367, "0.037"),
        (1120, "1,120"),
        (10.5658, "11"),
        (1.37e-6, "1.4 × 10⁻⁶"),
        (0.000454, "0.00045"),
        (2.4e15, "2.4 × 10¹⁵"),
        (9.96e-7, "1 × 10⁻⁶"),
    ],
)
def test_numbers_are_written_as_a_reader_writes_them(value, written):
    assert number(value) == written
