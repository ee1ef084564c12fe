"""Compact storage of figures and results, and replays built from snapshots."""

import json

from demos.compact import compact_figure, extreme_indices, round_floats
from demos.execution import execute
from demos.registry import get_demo
from demos.replay import replay_figure


def test_round_floats_keeps_float32_precision_and_structure():
    value = {"a": [0.1234567891234, 2, True, None], "b": (1e-12 / 3,), "c": "text"}
    rounded = round_floats(value)
    assert rounded == {"a": [0.1234568, 2, True, None], "b": [3.333333e-13], "c": "text"}
    assert round_floats(float("nan")) is None  # JSON has no NaN


def test_downsampling_keeps_every_spike():
    values = [1.0] * 10_000
    for spike in (17, 4_321, 9_998):
        values[spike] = 50.0
    values[777] = -5.0
    keep = extreme_indices(values, 400)
    assert len(keep) <= 400 + 2
    assert {0, 17, 777, 4_321, 9_998, 9_999} <= set(keep)
    assert keep == sorted(set(keep))


def test_compact_figure_is_small_and_keeps_traces():
    demo = get_demo("edge-of-stability")
    params = demo.params.model_validate({"step_sizes": [0.2], "steps": 3000, "examples": 100})
    full = json.loads(execute(demo, params).figure.to_json())
    compact = compact_figure(full, max_points=500)
    assert len(compact["data"]) == len(full["data"])
    for before, after in zip(full["data"], compact["data"], strict=True):
        assert len(after.get("y") or []) <= max(len(before.get("y") or []), 502)
        assert len(after.get("x") or []) == len(after.get("y") or [])
    loss = next(t for t in full["data"] if len(t.get("y") or []) > 1000)
    small = compact["data"][full["data"].index(loss)]
    assert max(small["y"]) == max(round_floats(loss["y"]))  # the highest spike survives
    assert len(json.dumps(compact)) < 0.5 * len(json.dumps(full))


def test_replay_animates_only_the_traces_that_move():
    final = {
        "data": [
            {"type": "scatter", "name": "threshold", "x": [0, 10], "y": [2, 2]},
            {"type": "scatter", "name": "loss a", "x": [0, 1, 2, 3], "y": [4, 3, 2, 1]},
            {"type": "scatter", "name": "loss b", "x": [0, 1, 2, 3], "y": [5, 4, 3, 2]},
        ],
        "layout": {"title": {"text": "t"}},
    }
    early = {"data": [final["data"][0], {**final["data"][1], "x": [0, 1], "y": [4, 3]}]}
    replay = replay_figure(final, [(0.25, early)])
    first, last = replay["frames"]
    assert first["traces"] == last["traces"] == [1, 2]  # the constant threshold is left out
    assert first["data"] == [{"x": [0, 1], "y": [4, 3]}, {"x": [], "y": []}]  # b not started
    assert last["data"][1] == {"x": [0, 1, 2, 3], "y": [5, 4, 3, 2]}
    frames = replay["layout"]["meta"]["frames"]
    assert frames["names"] == frames["labels"] == ["25%", "100%"]
    # Played by the page's own controls, not plotly.js's (which a keyboard cannot reach).
    assert "sliders" not in replay["layout"] and "updatemenus" not in replay["layout"]
