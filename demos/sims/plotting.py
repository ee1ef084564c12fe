"""The site's look for every demo's chart: one Plotly template and palette, the pieces several
demos draw (threshold lines, labelled points, equal-aspect axes, animation controls), and what
every figure ends with (``finish``): readable log axes, a one-sentence summary, a phone layout."""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from demos.sims.words import CJK, _, is_cjk

# Distinct in print and for the common colour-vision deficiencies (Okabe & Ito), in use order.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
# Where series are compared, each also gets its own dash and marker, so that a grey print or a
# reader who cannot tell the colours apart still can. "dot" is kept for reference lines.
DASHES = ["solid", "dash", "dashdot", "longdash", "longdashdot"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross"]
TEXT = "#222"
GRID = "#e3e3e3"
FRAME_DURATION_MS = 120
# Room around the plots on a desktop-wide chart, at least; ``finish`` makes what the titles,
# the legend and animation controls need.
SITE_MARGIN = {"l": 70, "r": 24, "t": 80, "b": 80}
TITLE_SIZE, SUBPLOT_TITLE_SIZE, TEXT_SIZE = 16, 15, 13  # px

SITE_TEMPLATE = go.layout.Template(
    layout={
        "colorway": PALETTE,
        "font": {
            "family": "system-ui, -apple-system, 'Segoe UI', sans-serif",
            "size": TEXT_SIZE,
            "color": TEXT,
        },
        "title": {"font": {"size": TITLE_SIZE}, "x": 0, "xref": "paper", "xanchor": "left"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": SITE_MARGIN,
        "hoverlabel": {"namelength": -1},
        # In rows, not one column per legend group (plotly.js's "grouped" order when there are
        # groups), which would stack a horizontal legend a group's length high.
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "yanchor": "top",
            "traceorder": "normal",
        },
        "xaxis": {"gridcolor": GRID, "linecolor": "#888", "zeroline": False, "ticks": "outside"},
        "yaxis": {"gridcolor": GRID, "linecolor": "#888", "zeroline": False, "ticks": "outside"},
    }
)


def site_figure(**subplots: Any) -> go.Figure:
    """An empty figure in the site's style; keyword arguments go to make_subplots."""
    figure = make_subplots(**subplots) if subplots else go.Figure()
    figure.update_layout(template=SITE_TEMPLATE)
    figure.update_annotations(font_size=SUBPLOT_TITLE_SIZE)  # the subplot titles
    return figure


def series_style(index: int) -> dict:
    """The ``index``-th compared series' line and marker: colour, dash and symbol all differ."""
    colour = PALETTE[index % len(PALETTE)]
    return {
        "line": {"color": colour, "dash": DASHES[index % len(DASHES)]},
        "marker": {"color": colour, "symbol": SYMBOLS[index % len(SYMBOLS)]},
    }


def finish(figure: go.Figure, summary: str) -> go.Figure:
    """What every demo's figure ends with: log axes labelled readably (``log_axis``); titles
    wrapped and the legend and animation controls placed below the plots (``desktop_layout``);
    in ``layout.meta``, the one-sentence result for the caption and screen readers ("summary")
    and the relayout patches to a phone-narrow chart and back ("phone", "desktop")."""
    for axis, values in log_axis_values(figure).items():
        figure.layout[axis].update(log_axis(values))
    layout = figure.layout.to_plotly_json()
    traces = [trace.to_plotly_json() for trace in figure.data]
    for key, value in desktop_layout(layout, traces).items():
        figure.layout[key] = value
    meta = {
        "summary": summary,
        **screen_layouts({"layout": figure.layout.to_plotly_json(), "data": traces}),
    }
    controls = _controls_height(figure.layout.updatemenus, figure.layout.sliders)
    if controls:
        # Both layouts keep this many px at the very bottom for the animation controls: a page
        # that plays the frames with controls of its own takes it off the height and margin.b.
        meta["controls_height"] = controls
    figure.update_layout(meta=meta)
    return figure


def threshold_line(
    x_range: tuple[float, float], value: float, colour: str, label: str, **trace: Any
) -> go.Scatter:
    """A dotted horizontal line at ``value`` (e.g. 2/η), named ``label`` in hover and legend
    (dotted: the compared series take the other dashes, see DASHES)."""
    return go.Scatter(
        x=list(x_range),
        y=[value, value],
        mode="lines",
        line={"color": colour, "dash": "dot", "width": 1.5},
        name=label,
        hovertemplate=f"{label}<extra></extra>",
        **trace,
    )


def labelled_points(points: np.ndarray, labels: np.ndarray) -> list[go.Scatter]:
    """2-D points as two marker traces, one per label (+1 dots, -1 crosses)."""
    traces = []
    for label, colour, symbol in ((1, PALETTE[0], "circle"), (-1, PALETTE[4], "x")):
        chosen = points[labels == label]
        traces.append(
            go.Scatter(
                x=chosen[:, 0].tolist(),
                y=chosen[:, 1].tolist(),
                mode="markers",
                marker={"color": colour, "symbol": symbol, "size": 7},
                name=f"y = {label:+d}".replace("-", "−"),  # a minus sign, not a hyphen
            )
        )
    return traces


def equal_aspect(
    figure: go.Figure, reach: float, row: int, col: int, x_title: str, y_title: str
) -> None:
    """Square axes from -reach to reach in the plane panel at (row, col), one unit = one unit."""
    x_axis = figure.get_subplot(row, col).yaxis.anchor  # the y axis is anchored to its x axis
    figure.update_xaxes(
        range=[-reach, reach], constrain="domain", title_text=x_title, row=row, col=col
    )
    figure.update_yaxes(
        range=[-reach, reach],
        scaleanchor=x_axis,
        scaleratio=1,
        constrain="domain",  # on a phone's tall panel too, shrink the square, keep the ranges
        title_text=y_title,
        row=row,
        col=col,
    )


def _go_to(names: list[str], duration_ms: int) -> list:
    """Plotly's animate arguments: play ``names`` in order, each frame redrawn."""
    return [
        names,
        {
            "frame": {"duration": duration_ms, "redraw": True},
            "transition": {"duration": 0},
            "mode": "immediate",
        },
    ]


def play_pause_buttons(names: list[str], **placement: Any) -> dict:
    """An updatemenu with ▶ Play (from the first frame) and ❚❚ Pause, placed by ``placement``."""
    return {
        "type": "buttons",
        "direction": "left",
        "xanchor": "left",
        "yanchor": "top",
        "showactive": False,
        **placement,
        "buttons": [
            {"label": _("▶ Play"), "method": "animate", "args": _go_to(names, FRAME_DURATION_MS)},
            {
                "label": _("❚❚ Pause"),
                "method": "animate",
                "args": [[None], {"frame": {"duration": 0}, "mode": "immediate"}],
            },
        ],
    }


def frame_slider(names: list[str], labels: list[str], prefix: str, **placement: Any) -> dict:
    """A slider over the frames ``names`` (shown as ``labels``), on the last frame to start."""
    return {
        "active": len(names) - 1,
        "x": 0,
        "len": 1,
        "yanchor": "top",
        "currentvalue": {"prefix": prefix},
        **placement,
        "steps": [
            {"label": label, "method": "animate", "args": _go_to([name], 0)}
            for name, label in zip(names, labels, strict=True)
        ],
    }


# --- log axes ---------------------------------------------------------------------------------

MIN_DECADE_LABELS = 3  # fewer decades than this in the data: labels at 1, 2 and 5 times 10^k
MAX_LOG_LABELS = 8  # more decades than this: a label every 2, 5, 10... decades
PLAIN_TICKS = (1e-3, 1e5)  # tick labels inside are written out ("0.01", "1,000"), else 10^k
STRIDES = (1, 2, 5, 10, 20, 50, 100, 200)  # decades between labels
MAX_MINOR_TICKS = 100  # a minor tick at every decade of hundreds is a smear, and bytes


def log_axis_values(figure: go.Figure) -> dict[str, list[float]]:
    """The values each log axis shows (keyed by its layout name, "yaxis2"), frames included."""
    layout = figure.layout.to_plotly_json()
    log_axes = {
        name for name, axis in layout.items() if _is_axis(name) and axis.get("type") == "log"
    }
    traces = [trace.to_plotly_json() for trace in figure.data]
    shown: list[tuple[dict, dict]] = [(trace, trace) for trace in traces]
    for frame in figure.frames:
        indices = frame.traces if frame.traces is not None else range(len(frame.data))
        shown += [
            (traces[i], trace.to_plotly_json())
            for i, trace in zip(indices, frame.data, strict=False)
            if i < len(traces)
        ]
    values: dict[str, list[float]] = {name: [] for name in log_axes}
    for owner, trace in shown:
        for letter in "xy":
            name = _axis_name(owner.get(f"{letter}axis", letter))
            if name in values:
                values[name].extend(_numbers(trace.get(letter)))
    return values


def log_axis(values: Iterable[float | None]) -> dict:
    """Settings for a log axis that shows ``values``: labels at each decade (or every few decades)
    when the values span three or more, else at 1, 2 and 5 times a power of 10, written plainly;
    minor ticks unlabelled. Explicit ticks, so what a reader sees does not depend on the width."""
    positive = [v for v in _numbers(values) if v > 0]
    if not positive or max(positive) / min(positive) < 1.05:
        return {"type": "log"}  # one value: nothing to read along the axis
    major, minor = log_ticks(min(positive), max(positive))
    power = any(not PLAIN_TICKS[0] <= tick <= PLAIN_TICKS[1] for tick in major)
    return {
        "type": "log",
        "tickmode": "array",
        "tickvals": major,
        "ticktext": tick_labels(major, power),
        "minor": {"ticks": "outside", "ticklen": 3, "tickvals": minor, "showgrid": False},
    }


def log_ticks(low: float, high: float) -> tuple[list[float], list[float]]:
    """Major and minor tick values for a log axis over [low, high] (0 < low < high)."""
    first, last = math.floor(math.log10(low)), math.floor(math.log10(high))
    decades = [_power(1, k) for k in range(first, last + 2) if low <= _power(1, k) <= high]
    if len(decades) >= MIN_DECADE_LABELS:
        stride = next(s for s in STRIDES if math.ceil(len(decades) / s) <= MAX_LOG_LABELS)
        if stride == 1:
            return decades, _between(low, high, first, last, (2, 3, 4, 5, 6, 7, 8, 9))
        major = [d for d in decades if round(math.log10(d)) % stride == 0]
        minor = [d for d in decades if d not in major]
        return major, minor if len(minor) <= MAX_MINOR_TICKS else []
    one_two_five = _between(low, high, first, last, (1, 2, 5))
    if len(one_two_five) >= 2:
        return one_two_five, _between(low, high, first, last, (3, 4, 6, 7, 8, 9))
    return _linear_ticks(low, high), []


def tick_labels(ticks: Sequence[float], power: bool) -> list[str]:
    """Plain numbers ("0.05", "1,000") or, with ``power``, "10<sup>−8</sup>" and "2×10<sup>5</sup>"
    (1 and 10 stay plain, as plotly.js writes them)."""
    if not power:
        return [f"{tick:,.{_decimals(tick)}f}" for tick in ticks]
    labels = []
    for tick in ticks:
        exponent = math.floor(math.log10(tick) + 1e-9)
        mantissa = float(f"{tick / 10**exponent:.6g}")
        if tick in (1, 10):
            labels.append(f"{tick:g}")
            continue
        factor = "" if mantissa == 1 else f"{mantissa:g}×"
        labels.append(f"{factor}10<sup>{exponent}</sup>".replace("-", "−"))
    return labels


def _power(mantissa: float, exponent: int) -> float:
    return float(f"{mantissa:g}e{exponent}")  # exact decimal values: 0.02, not 0.020000000000000004


def _between(low: float, high: float, first: int, last: int, mantissas: tuple) -> list[float]:
    """m x 10^k for the mantissas m and every k, inside [low, high]."""
    values = (_power(m, k) for k in range(first, last + 1) for m in mantissas)
    return [v for v in values if low * (1 - 1e-9) <= v <= high * (1 + 1e-9)]


def _linear_ticks(low: float, high: float) -> list[float]:
    """Evenly spaced ticks at a 1, 2 or 5 x 10^k step, for a range too narrow for 1-2-5 labels."""
    for exponent in range(math.floor(math.log10(high - low)), -400, -1):
        for mantissa in (5, 2, 1):
            step = _power(mantissa, exponent)
            start = math.ceil(low / step - 1e-9)
            ticks = [float(f"{i * step:.12g}") for i in range(start, math.floor(high / step) + 1)]
            if len(ticks) >= 3:
                return ticks
    return [low, high]


def _decimals(value: float) -> int:
    """Fewest decimals that write ``value`` exactly."""
    return next(d for d in range(16) if abs(float(f"{value:.{d}f}") - value) <= 1e-9 * value)


def _is_axis(name: str) -> bool:
    return re.fullmatch(r"[xy]axis\d*", name) is not None


def _axis_name(reference: str) -> str:
    """A trace's axis reference ("y2") as the layout names the axis ("yaxis2")."""
    return f"{reference[0]}axis{reference[1:]}"


def _numbers(values: Any) -> list[float]:
    if isinstance(values, np.ndarray):
        values = values.ravel().tolist()
    if not isinstance(values, list | tuple):
        return []
    return [float(v) for v in values if isinstance(v, int | float) and math.isfinite(v)]


# --- narrow screens ---------------------------------------------------------------------------

# A phone-narrow chart is laid out for this width, in CSS pixels: a 360 px phone's chart, inside
# the page's and the card's padding. Every position is a fraction of the plot area, so a wider
# phone gets the same picture with more room.
PHONE_WIDTH = 280
DESKTOP_WIDTH = 640  # the narrowest desktop chart, for the legend's rows
DEFAULT_HEIGHT = 450  # plotly.js's, for a figure that sets none
PHONE_MARGIN = {"l": 60, "r": 16}
PHONE_PANEL_HEIGHT = 270  # px per panel; 240 from three panels on, so the stack stays short
CHARACTER_WIDTH = 0.57  # of the font size: the site font's average character, roomy
LINE_HEIGHT = 1.35  # of the font size
X_AXIS_LABELS = 24  # px under a panel for its tick labels
X_AXIS_TITLE = 38  # and for its axis title
PANEL_GAP = 14  # px between one panel's axis title and the next panel's title
LEGEND_ROW = 22  # px per row of a horizontal legend
LEGEND_SYMBOL = 45  # px of an entry besides its text (plotly.js's symbol, gaps)
BUTTONS_HEIGHT = 40  # px: a row of animation buttons
SLIDER_HEIGHT = 78  # px: a slider with its current value above and labels below
NO_LEGEND_TYPES = {"heatmap", "contour", "histogram2d", "histogram2dcontour"}
COLOUR_BAR_ROOM = 40  # px above a panel for a colour bar laid flat: the bar, its tick labels
COLOUR_BAR_THICKNESS = 10  # px


@dataclass(frozen=True)
class Panel:
    x_axis: str  # layout names: "xaxis2"
    y_axis: str
    x_domain: tuple[float, float]
    y_domain: tuple[float, float]

    def holds(self, x: float, y: float) -> bool:
        """Whether the paper point (x, y) is in this panel, its edges included."""
        (x0, x1), (y0, y1) = self.x_domain, self.y_domain
        return x0 - 1e-9 <= x <= x1 + 1e-9 and y0 - 1e-9 <= y <= y1 + 1e-9


def panels(layout: Mapping) -> list[Panel]:
    """The figure's subplots in reading order (top to bottom, then left to right)."""
    found = []
    for name, axis in layout.items():
        if not name.startswith("yaxis") or not _is_axis(name) or axis.get("overlaying"):
            continue
        x_axis = _axis_name(axis.get("anchor", "x"))
        if not _is_axis(x_axis):
            continue
        found.append(
            Panel(
                x_axis,
                name,
                tuple(layout.get(x_axis, {}).get("domain", (0.0, 1.0))),
                tuple(axis.get("domain", (0.0, 1.0))),
            )
        )
    return sorted(found, key=lambda p: (-round(p.y_domain[1], 6), p.x_domain[0]))


def desktop_layout(layout: Mapping, traces: Sequence[Mapping] = ()) -> dict:
    """What a desktop-wide chart needs beyond the demo's own layout, as a relayout patch, for a
    chart as narrow as DESKTOP_WIDTH: the subplot titles wrapped, the top margin holding them
    and the title; the legend, then the animation controls, one under another below the lowest
    panels' axis titles, the bottom margin holding them. (The title stays on one line: the
    site's pages write it in HTML above the chart, where it wraps.)"""
    stack = panels(layout)
    patch: dict[str, Any] = {}
    height = layout.get("height") or DEFAULT_HEIGHT
    plot_width = DESKTOP_WIDTH - SITE_MARGIN["l"] - SITE_MARGIN["r"]
    title = (layout.get("title") or {}).get("text") or ""
    annotations = layout.get("annotations") or []
    highest = max((p.y_domain[1] for p in stack), default=1)
    heading = 0.0  # px the subplot titles on the top row take above the plots
    for index, panel in _annotated_panels(annotations, stack).items():
        note = annotations[index]
        room = (panel.x_domain[1] - panel.x_domain[0]) * plot_width + 2 * PANEL_GAP
        lines = _wrap(note.get("text", ""), _characters(_font_size(note), room))
        if len(lines) > 1:
            patch[f"annotations[{index}].text"] = "<br>".join(lines)
        if _on_top_edge(note, panel) and panel.y_domain[1] == highest:
            heading = max(heading, len(lines) * _line(_font_size(note)))
    top = max(12 + bool(title) * _line(TITLE_SIZE) + 8 + heading + 4, SITE_MARGIN["t"])
    patch["margin.t"] = round(top)
    if title:  # plotly.js puts the first line's baseline at y and the others below it
        patch["title.y"] = round(1 - (12 + TITLE_SIZE) / height, 4)

    lowest = min((p.y_domain[0] for p in stack), default=0)
    below = max((_axis_room(layout, p) for p in stack if p.y_domain[0] == lowest), default=0)
    _top, bottom = _under_plot(layout, traces, plot_width, below + 6, area=1)
    under, bottom = _under_plot(layout, traces, plot_width, below + 6, height - top - bottom)
    patch.update(under)
    patch["margin.b"] = round(max(bottom, SITE_MARGIN["b"]))
    return {key: value for key, value in patch.items() if _value_at(layout, key) != value}


def _annotated_panels(annotations: Sequence[Mapping], stack: Sequence["Panel"]) -> dict:
    """The annotations placed on the paper inside a panel (its subplot title), by index, with
    their panel: they move with it."""
    owners = {}
    for index, note in enumerate(annotations):
        if note.get("xref", "x") != "paper" or note.get("yref", "y") != "paper":
            continue
        owner = next((p for p in stack if p.holds(note.get("x", 0.5), note.get("y", 0.5))), None)
        if owner is not None:
            owners[index] = owner
    return owners


def _on_top_edge(note: Mapping, panel: "Panel") -> bool:
    return abs(note.get("y", 0.5) - panel.y_domain[1]) < 1e-6


def phone_layout(layout: Mapping, traces: Sequence[Mapping] = ()) -> dict:
    """A Plotly.relayout patch that lays ``layout`` out for a phone-narrow chart, with only the
    values that change.

    The panels are stacked full width in reading order, each with its subplot title just above
    it; the title and long subplot titles wrap; the legend goes below the last panel's axis title
    in rows, then the animation buttons, then the slider; the height is what that takes. Sizes
    are estimated from the text (the browser does not measure), so they err on the roomy side.
    (plotly.js 3 places a moved legend against the old plot size until it redraws: apply the
    patch with Plotly.relayout, then Plotly.redraw, or draw with the patched layout.)
    """
    stack = panels(layout)
    patch: dict[str, Any] = {}
    title = (layout.get("title") or {}).get("text") or ""
    # The title starts at the plot's left edge; a subplot title is centred on its panel, so
    # it may reach into the narrower margin on either side.
    plot_width = PHONE_WIDTH - PHONE_MARGIN["l"] - PHONE_MARGIN["r"]
    title_width = PHONE_WIDTH - PHONE_MARGIN["l"] - 8
    subplot_title_width = plot_width + 2 * min(PHONE_MARGIN.values())
    title_lines = _wrap(_unwrapped(title), _characters(TITLE_SIZE, title_width)) if title else []
    patch["title.text"] = "<br>".join(title_lines) if title else None
    top_margin = 12 + len(title_lines) * _line(TITLE_SIZE) + 10

    annotations = layout.get("annotations") or []
    owners = _annotated_panels(annotations, stack)
    wrapped: dict[int, list[str]] = {}
    for index in owners:
        note = annotations[index]
        wrapped[index] = _wrap(
            _unwrapped(note.get("text", "")), _characters(_font_size(note), subplot_title_width)
        )
        patch[f"annotations[{index}].text"] = "<br>".join(wrapped[index])

    bars = _colour_bar_panels(layout, traces, stack)

    def bar_room(panel: Panel) -> float:
        return COLOUR_BAR_ROOM if panel in bars.values() else 0

    def title_room(panel: Panel) -> float:
        """Px above a panel for the annotations that sit on its top edge (its title), and for
        a colour bar laid flat under them."""
        rooms = [
            len(wrapped[i]) * _line(_font_size(annotations[i]))
            for i, owner in owners.items()
            if owner == panel and _on_top_edge(annotations[i], panel)
        ]
        return max(rooms, default=0) + 6 + bar_room(panel)

    # An x axis's title as wide as the panel at most, in lines ("batch size (500 = full-batch
    # GD)" does not fit 200 px on one).
    axis_lines: dict[Panel, int] = {}
    for panel in stack:
        text = ((layout.get(panel.x_axis) or {}).get("title") or {}).get("text") or ""
        lines = _wrap(_unwrapped(text), _characters(SUBPLOT_TITLE_SIZE, plot_width))
        if len(lines) > 1:
            patch[f"{panel.x_axis}.title.text"] = "<br>".join(lines)
        axis_lines[panel] = max(0, len(lines) - 1)

    def axis_room(panel: Panel) -> float:
        return _axis_room(layout, panel) + axis_lines[panel] * _line(SUBPLOT_TITLE_SIZE)

    height = PHONE_PANEL_HEIGHT if len(stack) < 3 else 240
    spans: dict[Panel, tuple[float, float]] = {}  # px from the plot area's top
    cursor = 0.0
    for index, panel in enumerate(stack):
        if index:
            cursor += axis_room(stack[index - 1]) + PANEL_GAP
        cursor += title_room(panel)
        spans[panel] = (cursor, cursor + height)
        cursor += height
    area = cursor or height  # the plot area's height, px

    def paper(px_from_top: float) -> float:
        return round(1 - px_from_top / area, 4)

    for panel, (start, end) in spans.items():
        patch[f"{panel.x_axis}.domain"] = [0, 1]
        patch[f"{panel.y_axis}.domain"] = [paper(end), paper(start)]
    for index, panel in owners.items():
        note = annotations[index]
        (x0, x1), (y0, y1) = panel.x_domain, panel.y_domain
        start, end = spans[panel]
        along = (note.get("x", 0.5) - x0) / ((x1 - x0) or 1)
        up = (note.get("y", 0.5) - y0) / ((y1 - y0) or 1)
        patch[f"annotations[{index}].x"] = round(along, 4)
        above = bar_room(panel) if _on_top_edge(note, panel) else 0
        patch[f"annotations[{index}].y"] = paper(end - up * (end - start) - above)
    for name, panel in bars.items():
        patch.update(_flat_colour_bar(name, paper(spans[panel][0] - 4)))

    below = axis_room(stack[-1]) + 6 if stack else 0
    under, bottom_margin = _under_plot(layout, traces, plot_width, below, area)
    patch.update(under)
    patch.update(
        {
            "height": round(top_margin + area + bottom_margin),
            "margin.t": round(top_margin),
            "margin.b": round(bottom_margin),
            "margin.l": PHONE_MARGIN["l"],
            "margin.r": PHONE_MARGIN["r"],
        }
    )
    if title:  # plotly.js puts the first line's baseline at y and the others below it
        patch["title.y"] = round(1 - (10 + TITLE_SIZE) / patch["height"], 4)
    return {
        key: value
        for key, value in patch.items()
        if value is not None and _value_at(layout, key) != value
    }


def _colour_bar_panels(
    layout: Mapping, traces: Sequence[Mapping], stack: Sequence[Panel]
) -> dict[str, Panel]:
    """Each shared colour scale with a bar (``layout.coloraxis``), and the first panel in
    reading order drawn with it."""
    found = {}
    for name, axis in layout.items():
        if not name.startswith("coloraxis") or "colorbar" not in (axis or {}):
            continue
        users = {
            (_axis_name(t.get("xaxis", "x")), _axis_name(t.get("yaxis", "y")))
            for t in traces
            if t.get("coloraxis") == name
        }
        panel = next((p for p in stack if (p.x_axis, p.y_axis) in users), None)
        if panel is not None:
            found[name] = panel
    return found


def _flat_colour_bar(name: str, y: float) -> dict:
    """Relayout keys that lay a colour bar flat, centred, its bottom (tick labels included) at
    paper height ``y``: standing at the side, it would take its width from every stacked panel."""
    bar = f"{name}.colorbar"
    return {
        f"{bar}.orientation": "h",
        f"{bar}.x": 0.5,
        f"{bar}.xanchor": "center",
        f"{bar}.y": y,
        f"{bar}.yanchor": "bottom",
        f"{bar}.len": 0.7,
        f"{bar}.thickness": COLOUR_BAR_THICKNESS,
        f"{bar}.ypad": 0,
        f"{bar}.title.side": "right",
    }


def _under_plot(
    layout: Mapping, traces: Sequence[Mapping], room: float, below: float, area: float
) -> tuple[dict, float]:
    """Relayout keys that hang the legend, then each row of animation buttons, then each
    slider under the plot area, from ``below`` px under it, for a plot area ``area`` px high
    and a legend ``room`` px wide; and the px they take in all (the bottom margin)."""
    patch: dict[str, Any] = {}

    def paper(px_under: float) -> float:
        return round(-px_under / area, 4)

    entries = _legend_entries(traces)
    if entries:
        patch.update(
            {
                "legend.orientation": "h",
                "legend.x": 0,
                "legend.xanchor": "left",
                "legend.y": paper(below),
                "legend.yanchor": "top",
            }
        )
        below += _legend_rows(entries, room) * LEGEND_ROW + 10
    for index, menu in enumerate(layout.get("updatemenus") or []):
        patch.update(_placed(f"updatemenus[{index}]", menu, paper(below), pad_top=0))
        below += BUTTONS_HEIGHT
    for index, slider in enumerate(layout.get("sliders") or []):
        patch.update(_placed(f"sliders[{index}]", slider, paper(below), pad_top=20))
        patch[f"sliders[{index}].len"] = 1
        below += SLIDER_HEIGHT
    return patch, below + 12


def _controls_height(menus: Sequence, sliders: Sequence) -> int:
    """Px the animation buttons and sliders take under the legend (see ``_under_plot``)."""
    return len(menus or ()) * BUTTONS_HEIGHT + len(sliders or ()) * SLIDER_HEIGHT


def _axis_room(layout: Mapping, panel: Panel) -> float:
    """Px under a panel for its x axis's tick labels and title."""
    axis = layout.get(panel.x_axis, {})
    labels = X_AXIS_LABELS if axis.get("showticklabels", True) else 8
    return labels + (X_AXIS_TITLE if (axis.get("title") or {}).get("text") else 0)


def _font_size(note: Mapping) -> float:
    return (note.get("font") or {}).get("size") or TEXT_SIZE


def restoring(layout: Mapping, patch: Mapping[str, Any]) -> dict:
    """The relayout patch that undoes ``patch``: each of its keys set back to its value in
    ``layout``, or to None (plotly.js's default) where the layout had none."""
    return {key: _value_at(layout, key) for key in patch}


def without_controls(layout: Mapping) -> dict:
    """A figure's layout (JSON) without plotly.js's animation buttons and slider, and without the
    room kept for them: for a page that plays the frames with controls of its own."""
    layout = dict(layout)
    layout.pop("updatemenus", None)
    layout.pop("sliders", None)
    meta = dict(layout.get("meta") or {})
    room = meta.pop("controls_height", 0)
    if room:
        if layout.get("height"):
            layout["height"] -= room
        margin = dict(layout.get("margin") or {})
        if margin.get("b"):
            margin["b"] = max(0, margin["b"] - room)
        layout["margin"] = margin
    layout["meta"] = meta
    return layout


def screen_layouts(figure: Mapping) -> dict:
    """The phone patch and its undoing for a figure given as JSON (``{"data", "layout"}``):
    ``layout.meta``'s "phone" and "desktop". Whoever changes a finished figure's layout (a
    replay adding its controls) calls it again."""
    layout = figure.get("layout") or {}
    phone = phone_layout(layout, figure.get("data") or [])
    return {"phone": phone, "desktop": restoring(layout, phone)}


def _placed(key: str, control: Mapping, y: float, pad_top: int) -> dict:
    """An updatemenu or slider moved to the left edge at paper height ``y``, hanging down."""
    placed = {f"{key}.x": 0, f"{key}.xanchor": "left", f"{key}.y": y, f"{key}.yanchor": "top"}
    if "pad" in control:  # a pad set for the desktop layout would push it off the phone's
        placed[f"{key}.pad.t"] = pad_top
    return placed


def _value_at(layout: Mapping, key: str) -> Any:
    """The value at a relayout key ("annotations[2].y", "xaxis2.domain"), None if unset."""
    value: Any = layout
    for part in key.split("."):
        name, _bracket, index = part.partition("[")
        value = value.get(name) if isinstance(value, Mapping) else None
        if index:
            position = int(index.rstrip("]"))
            value = value[position] if isinstance(value, list) and position < len(value) else None
        if value is None:
            return None
    return list(value) if isinstance(value, tuple) else value


def _legend_entries(traces: Sequence[Mapping]) -> list[str]:
    return [
        trace.get("name") or ""
        for trace in traces
        if trace.get("showlegend", trace.get("type", "scatter") not in NO_LEGEND_TYPES)
        and trace.get("visible", True) is not False
    ]


def _legend_rows(entries: list[str], room: float) -> int:
    """Rows a horizontal legend ``room`` px wide takes, as plotly.js lays it out: one row if
    every entry fits in it, else a grid whose columns are as wide as the widest entry."""
    widths = [LEGEND_SYMBOL + _visible_length(e) * CHARACTER_WIDTH * TEXT_SIZE for e in entries]
    if sum(widths) < room:
        return 1
    columns = max(1, int(room // max(widths)))
    return math.ceil(len(widths) / columns)


def _characters(size: float, room: float) -> int:
    """Characters of text at ``size`` px that fit in ``room`` px."""
    return int(room / (CHARACTER_WIDTH * size))


def _line(size: float) -> float:
    return LINE_HEIGHT * size


def _visible_length(text: str) -> float:
    """Characters as wide as the average Latin one: a Chinese character is about two."""
    visible = re.sub(r"<[^<>]*>", "", text)
    return len(visible) + len(CJK.findall(visible))


def _unwrapped(text: str) -> str:
    """``text`` on one line again (the phone's lines differ from the desktop's): a break
    between two Chinese characters joins them without a space."""
    return re.sub(
        r"(.?)<br\s*/?>(.?)",
        lambda m: m[1] + ("" if is_cjk(m[1]) and is_cjk(m[2]) else " ") + m[2],
        text,
    )


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` visible characters (tags count for nothing), broken
    at spaces outside tags; a line already broken with <br> stays broken there."""
    lines = []
    for paragraph in re.split(r"<br\s*/?>", text):
        line = ""
        for word in re.split(r" (?![^<>]*>)", paragraph):
            for index, piece in enumerate(_pieces(word)):
                joined = " " if index == 0 else ""  # Chinese pieces join without a space
                candidate = f"{line}{joined}{piece}" if line else piece
                if line and _visible_length(candidate) > width:
                    lines.append(line)
                    line = piece
                else:
                    line = candidate
        lines.append(line)
    return lines


# Punctuation that closes a Chinese phrase: a line never starts with it.
CLOSING_PUNCTUATION = "，。：；、）！？”’》%"


def _pieces(word: str) -> list[str]:
    """``word`` split where a line may break inside it: Chinese is written without spaces, so
    before and after each of its characters (never inside a tag or before closing punctuation)."""
    pieces, start, in_tag = [], 0, False
    for index, character in enumerate(word):
        if character == "<":
            in_tag = True
        elif character == ">":
            in_tag = False
            continue
        if in_tag or index == 0 or character in CLOSING_PUNCTUATION or word[index - 1] in "<>":
            continue
        if is_cjk(character) or is_cjk(word[index - 1]):
            pieces.append(word[start:index])
            start = index
    pieces.append(word[start:])
    return pieces


# --- numbers in words -------------------------------------------------------------------------

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(value: float, significant: int = 2) -> str:
    """A number as a reader writes it in a sentence: ``significant`` digits, thousands
    separators, no trailing zeros ("0.037", "1,120", "10.6"); "1.4 × 10⁻⁶" when very small or
    very large; integers in full; a minus sign, not a hyphen."""
    return _number(value, significant).replace("-", "−")


def _number(value: float, significant: int) -> str:
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e6):
        return f"{int(value):,}"
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    exponent = math.floor(math.log10(abs(value)))
    if not -4 <= exponent < 6:
        mantissa = f"{value / 10**exponent:.{significant - 1}f}".rstrip("0").rstrip(".")
        if abs(float(mantissa)) == 10:  # rounded up a decade
            mantissa, exponent = mantissa.replace("10", "1"), exponent + 1
        return f"{mantissa} × 10{str(exponent).translate(SUPERSCRIPTS)}"
    decimals = max(0, significant - 1 - exponent)
    text = f"{round(value, decimals):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(fraction: float, significant: int = 2) -> str:
    """A fraction as a percentage: 0.0123 -> "1.2%", 0.26 -> "26%"."""
    return f"{number(100 * fraction, significant)}%"


def sentence(text: str, done: int, total: int, unit: str) -> str:
    """``text`` as a sentence about a run that has done ``done`` of ``total`` ``unit``s:
    capitalized, with its full stop (Chinese's where it is Chinese), and while the run computes,
    "So far (step 400 of 2,000): " before it. ``text`` and ``unit`` come translated."""
    if done < total:
        if text[1:2].islower():  # "With η" continues as "with η"; "GD" stays as it is
            text = text[0].lower() + text[1:]
        text = _("So far ({unit} {done} of {total}): {text}").format(
            unit=unit, done=f"{done:,}", total=f"{total:,}", text=text
        )
    if is_cjk(text):  # no capitals in Chinese: "d = 800 时" stays so
        return text + ("" if text.endswith("。") else "。")
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")
