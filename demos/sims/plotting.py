"""The site's look for every demo's chart: one Plotly template and palette, and the pieces
several demos draw (threshold lines, labelled points, equal-aspect axes, animation controls)."""

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# Distinct in print and for the common colour-vision deficiencies (Okabe & Ito), in use order.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
GRID = "#e3e3e3"
FRAME_DURATION_MS = 120

SITE_TEMPLATE = go.layout.Template(
    layout={
        "colorway": PALETTE,
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "size": 13},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hoverlabel": {"namelength": -1},
        "xaxis": {"gridcolor": GRID, "linecolor": "#888", "zeroline": False, "ticks": "outside"},
        "yaxis": {"gridcolor": GRID, "linecolor": "#888", "zeroline": False, "ticks": "outside"},
    }
)


def site_figure(**subplots: Any) -> go.Figure:
    """An empty figure in the site's style; keyword arguments go to make_subplots."""
    figure = make_subplots(**subplots) if subplots else go.Figure()
    figure.update_layout(template=SITE_TEMPLATE)
    return figure


def threshold_line(
    x_range: tuple[float, float], value: float, colour: str, label: str, **trace: Any
) -> go.Scatter:
    """A dashed horizontal line at ``value`` (e.g. 2/η), named ``label`` in hover and legend."""
    return go.Scatter(
        x=list(x_range),
        y=[value, value],
        mode="lines",
        line={"color": colour, "dash": "dash", "width": 1},
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
                name=f"y = {label:+d}",
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
            {"label": "▶ Play", "method": "animate", "args": _go_to(names, FRAME_DURATION_MS)},
            {
                "label": "❚❚ Pause",
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
