"""A finished run as a Plotly animation of how its figure grew, from snapshots taken while it ran.

Each frame holds only the traces that changed, matched to the final figure's traces by their
type, name and axes (a partial figure may lack traces that had not started yet). The worker
builds replays; the page plays them with its own controls (static/js/demos.js).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from demos.compact import TRACE_TYPES
from demos.sims.plotting import screen_layouts, without_controls


def trace_identity(traces: list[dict]) -> list[tuple]:
    seen: dict[tuple, int] = {}
    identities = []
    for trace in traces:
        base = (
            trace.get("type", "scatter"),
            trace.get("name"),
            trace.get("xaxis", "x"),
            trace.get("yaxis", "y"),
        )
        seen[base] = seen.get(base, 0) + 1
        identities.append((*base, seen[base]))
    return identities


def _frame_name(fraction: float) -> str:
    return f"{round(100 * fraction)}%"


def _by_final_index(snapshot: dict, index_of: dict[tuple, int]) -> dict[int, dict]:
    data = snapshot.get("data", [])
    return {
        index_of[identity]: trace
        for identity, trace in zip(trace_identity(data), data, strict=True)
        if identity in index_of
    }


def _points(trace: dict) -> tuple:
    return trace.get("x"), trace.get("y")


def replay_figure(final: dict, snapshots: list[tuple[float, dict]]) -> dict:
    """The final figure with frames, a play/pause button and a slider over the snapshots."""
    traces = final.get("data", [])
    index_of = {identity: i for i, identity in enumerate(trace_identity(traces))}
    timeline = [(fraction, _by_final_index(s, index_of)) for fraction, s in snapshots]
    timeline.append((1.0, dict(enumerate(traces))))
    # Traces every snapshot shows exactly as the final figure does (axes lines, contours) stay.
    moving = [
        i
        for i, trace in enumerate(traces)
        # Only line and marker traces grow step by step; contours and the like stay as they end.
        if trace.get("type", "scatter") in TRACE_TYPES
        and any(i not in shown or _points(shown[i]) != _points(trace) for _, shown in timeline)
    ]
    frames: list[dict[str, Any]] = []
    for fraction, shown in timeline:
        # A trace that had not started yet is drawn empty.
        data = [
            {"x": shown[i].get("x", []), "y": shown[i].get("y", [])}
            if i in shown
            else {"x": [], "y": []}
            for i in moving
        ]
        frames.append({"name": _frame_name(fraction), "data": data, "traces": moving})
    names = [frame["name"] for frame in frames]
    # The page plays the frames with controls of its own (HTML buttons and a range input, which
    # a keyboard and a screen reader can use): the figure says which frames, labelled how.
    layout = without_controls(final.get("layout", {}))
    layout["meta"].update(screen_layouts({"layout": layout, "data": traces}))
    layout["meta"]["frames"] = {"names": names, "labels": names, "label": gettext("Run progress")}
    return {"data": traces, "layout": layout, "frames": frames}
