"""Shrinks results and Plotly figures for storage and the browser: float32 precision, fewer points.

Seven significant digits is what float32 holds, and more than a chart or a reader can use. Long
line traces are cut to a few points per pixel column while keeping each bucket's extremes, so the
spikes that matter at the edge of stability survive downsampling.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

FIGURE_POINTS = 1000  # per trace in a stored figure: more than a chart's width in pixels
PARTIAL_POINTS = 400  # per trace in a figure streamed while the run computes
TRACE_TYPES = {"scatter", "scattergl"}
PER_POINT_KEYS = ("x", "y", "text", "hovertext", "customdata")


def round_floats(value: Any) -> Any:
    """The same structure with every float rounded to float32's 7 significant digits."""
    if isinstance(value, float):
        return float(f"{value:.7g}") if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [round_floats(item) for item in value]
    if isinstance(value, dict):
        return {key: round_floats(item) for key, item in value.items()}
    return value


def extreme_indices(values: list, max_points: int) -> list[int]:
    """Indices of at most ``max_points`` points: each bucket's first, lowest, highest and last."""
    count = len(values)
    if count <= max_points:
        return list(range(count))
    buckets = max(1, max_points // 4)
    chosen: set[int] = {0, count - 1}
    for bucket in range(buckets):
        start, stop = bucket * count // buckets, (bucket + 1) * count // buckets
        if stop <= start:
            continue
        numeric = [i for i in range(start, stop) if isinstance(values[i], Real)]
        chosen.update((start, stop - 1))
        if numeric:
            chosen.add(min(numeric, key=values.__getitem__))
            chosen.add(max(numeric, key=values.__getitem__))
    return sorted(chosen)


def downsample_trace(trace: dict, max_points: int) -> dict:
    y = trace.get("y")
    if trace.get("type", "scatter") not in TRACE_TYPES or not isinstance(y, list):
        return trace
    if len(y) <= max_points:
        return trace
    keep = extreme_indices(y, max_points)
    smaller = dict(trace)
    for key in PER_POINT_KEYS:
        values = trace.get(key)
        if isinstance(values, list) and len(values) == len(y):
            smaller[key] = [values[i] for i in keep]
    return smaller


def compact_figure(figure: dict, max_points: int = FIGURE_POINTS) -> dict:
    """A Plotly figure (as JSON) with long traces downsampled and floats rounded."""
    compact = dict(figure)
    compact["data"] = [downsample_trace(trace, max_points) for trace in figure.get("data", [])]
    if figure.get("frames"):
        compact["frames"] = [
            {**frame, "data": [downsample_trace(t, max_points) for t in frame.get("data", [])]}
            for frame in figure["frames"]
        ]
    return round_floats(compact)
