"""Leaderboard arithmetic on hand-made records (no model)."""

from __future__ import annotations

import json

import pytest

from harness.results.leaderboard import compute_rows, render, wilson


def rec(cell, compressor, i, n, n_raw, correct, target="a", comparison="cmp", prefill=0.01):
    return {
        "cell": cell,
        "comparison": comparison,
        "example_id": str(i),
        "task": "t",
        "compressor": compressor,
        "model": "tiny",
        "tokenizer": "cl100k_base",
        "seed": 0,
        "train_steps": 5,
        "input_tokens": n,
        "raw_tokens": n_raw,
        "flops": 2.0 * n + n * n,
        "raw_flops": 2.0 * n_raw + n_raw * n_raw,
        "prediction": target if correct else "x",
        "target": target,
        "correct": correct,
        "prefill_seconds": prefill,
    }


def test_wilson_interval():
    lo, hi = wilson(90, 100)
    assert 0.82 < lo < 0.84 and 0.94 < hi < 0.95
    assert wilson(0, 10)[0] == pytest.approx(0.0) and wilson(10, 10)[1] == pytest.approx(1.0)


def test_rows_reductions_baseline_and_delta():
    records = [rec("r", "raw", i, 10, 10, True, target="ab"[i % 2], prefill=0.02) for i in range(4)]
    records += [rec("c", "ltsc", 0, 5, 10, True, prefill=0.01), rec("c", "ltsc", 1, 10, 10, False, prefill=0.01)]
    rows = {r["compressor"]: r for r in compute_rows(records)}
    raw, comp = rows["raw"], rows["ltsc"]
    assert raw["accuracy"] == 1.0 and raw["majority_baseline"] == 0.5 and raw["delta_vs_raw"] == 0.0
    assert comp["n"] == 2 and comp["accuracy"] == 0.5 and comp["delta_vs_raw"] == -0.5
    assert comp["mean_tokens"] == 7.5 and comp["length_reduction"] == pytest.approx(0.25)
    assert comp["length_reduction_sums"] == pytest.approx(0.25)
    assert comp["attention_reduction"] == pytest.approx(1 - (25 + 100) / 200)
    assert comp["flops_reduction"] == pytest.approx(1 - (35 + 120) / 240)
    assert comp["prefill_speedup"] == pytest.approx(2.0)


def test_no_raw_cell_means_no_delta():
    rows = compute_rows([rec("c", "ltsc", 0, 5, 10, True, comparison="other")])
    assert rows[0]["delta_vs_raw"] is None and rows[0]["prefill_speedup"] is None


def test_render_formats():
    rows = compute_rows([rec("r", "raw", 0, 10, 10, True)])
    assert "| task" in render(rows, "markdown")
    assert "\\toprule" in render(rows, "latex")
    assert render(rows, "csv").startswith("task,compressor,model,n,accuracy")
    assert "<table>" in render(rows, "html")
    assert json.loads(render(rows, "json"))[0]["accuracy"] == 1.0
    assert render([], "markdown") == "(no records)"
