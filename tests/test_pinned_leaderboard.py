"""Pinned leaderboard rows (issue 14): every field of a row checked on hand-made records.

The cells have unequal lengths (so the mean of per-example ratios differs from the pooled ratio), skewed
targets (so the most and the least frequent target differ) and different sizes and accuracies (so an interval
over all records differs from the cell's own). Expected values are computed by hand here, never by the
code under test.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from harness.core.errors import HarnessError
from harness.results.leaderboard import (
    CELL_METRICS,
    EXTRA_METRICS,
    compute_rows,
    display_rows,
    is_raw,
    rows_from_dir,
    write_leaderboard,
)
from harness.results.metrics import (
    FORMATS,
    Metric,
    _float_or_none,
    compute,
    format_value,
    get_metric,
    metric,
    metrics,
    wilson,
)

Z = 1.959964


def wilson_ref(k: int, n: int) -> tuple[float, float]:
    """The textbook Wilson score interval (Wilson 1927), written out independently."""
    p = k / n
    centre = (2 * n * p + Z * Z) / (2 * (n + Z * Z))
    half = Z * math.sqrt(Z * Z + 4 * n * p * (1 - p)) / (2 * (n + Z * Z))
    return max(0.0, centre - half), min(1.0, centre + half)


def rec(
    cell, compressor, n, n_raw, correct, target, *, task="t", model="tiny", comparison="cmp", prefill=0.01, **extra
):
    out = {
        "cell": cell,
        "comparison": comparison,
        "example_id": f"{cell}-{n}-{n_raw}-{target}-{len(extra)}",
        "task": task,
        "compressor": compressor,
        "model": model,
        "tokenizer": "cl100k_base",
        "seed": 0,
        "train_steps": 5,
        "input_tokens": n,
        "raw_tokens": n_raw,
        "flops": 2.0 * n + n * n,
        "raw_flops": 2.0 * n_raw + n_raw * n_raw,
        "prediction": target if correct else "?",
        "target": target,
        "correct": correct,
        "prefill_seconds": prefill,
    }
    out.update(extra)
    return out


# raw: 5 examples, 4 correct, targets a a a b c (majority 3/5; least frequent 1/5), prefill 20 ms
RAW = [
    rec("r", "raw", m, m, c, t, prefill=0.02, score=float(c), round_trip_ok=True)
    for m, c, t in [(10, True, "a"), (20, True, "a"), (30, True, "a"), (40, True, "b"), (50, False, "c")]
]
# ltsc: 3 examples of unequal length, 2 correct, targets b a b (majority 2/3; least frequent 1/3)
#   per-example reductions 1-5/10 = .5, 1-20/20 = 0, 1-10/40 = .75 -> mean 5/12; pooled 1-35/70 = .5
LTSC = [
    rec(
        "c",
        "ltsc",
        5,
        10,
        True,
        "b",
        score=1.0,
        round_trip_ok=True,
        dictionary_entries=1,
        codec_seconds=0.001,
        scores={"edit_similarity": 1.0},
    ),
    rec(
        "c",
        "ltsc",
        20,
        20,
        False,
        "a",
        score=0.5,
        round_trip_ok=True,
        dictionary_entries=0,
        codec_seconds=0.002,
        scores={"edit_similarity": 0.5},
    ),
    rec(
        "c",
        "ltsc",
        10,
        40,
        True,
        "b",
        score=1.0,
        round_trip_ok=False,
        dictionary_entries=2,
        codec_seconds=0.003,
        scores={"edit_similarity": 0.9},
    ),
]
# truncate, evaluated with the raw-trained model: 4 examples, none correct, one target; asked 5 5 5 16, got 5 5 5 15
TRUNC = [
    rec(
        "x",
        "truncate@rate=0.5",
        m,
        2 * m,
        False,
        "a",
        prefill=0.005,
        trained_on="raw",
        target_tokens=asked,
        compressed_tokens=m,
        score=0.0,
        round_trip_ok=None,
    )
    for m, asked in [(5, 5), (5, 5), (5, 5), (15, 16)]
]
# another task, no raw cell in its comparison
OTHER = [rec("o", "ltsc", 8, 10, True, "z", task="s", comparison="other", prefill=0.0)]


def rows():
    records = TRUNC + LTSC + OTHER + RAW  # any order in; raw first within each task and model out
    return compute_rows([dict(r) for r in records])


def test_row_order_raw_first_within_task_and_model():
    assert [(r["task"], r["compressor"]) for r in rows()] == [
        ("s", "ltsc"),
        ("t", "raw"),
        ("t", "ltsc"),
        ("t", "truncate@rate=0.5"),
    ]
    assert is_raw("raw") and is_raw("raw@x=1") and not is_raw("rawish") and not is_raw("ltsc")


def test_ltsc_row_field_by_field():
    row = rows()[2]
    lo, hi = wilson_ref(2, 3)
    expected = {
        "task": "t",
        "compressor": "ltsc",
        "model": "tiny",
        "n": 3,
        "accuracy": 2 / 3,
        "ci_low": lo,
        "ci_high": hi,
        "majority_baseline": 2 / 3,
        "delta_vs_raw": 2 / 3 - 4 / 5,
        "mean_tokens": 35 / 3,
        "mean_raw_tokens": 70 / 3,
        "length_reduction": (0.5 + 0.0 + 0.75) / 3,
        "length_reduction_sums": 0.5,
        "attention_reduction": 1 - (25 + 400 + 100) / (100 + 400 + 1600),
        "flops_reduction": 1 - (35 + 440 + 120) / (120 + 440 + 1680),
        "prefill_ms": 10.0,
        "prefill_speedup": 2.0,
        "rate_adherence": None,
        "trained_on": "self",
        "tokenizer": "cl100k_base",
        "seed": 0,
        "train_steps": 5,
        "comparison": "cmp",
        "cell": "c",
        "round_trip_rate": 2 / 3,
        "mean_score": 2.5 / 3,
        "edit_similarity": 2.4 / 3,
        "balanced_accuracy": (0.0 + 1.0) / 2,
    }
    assert [k for k in row if k in expected] == list(expected)  # the JSON rows' field order is part of the contract
    for key, value in expected.items():
        assert row[key] == (value if value is None or isinstance(value, str) else pytest.approx(value, abs=1e-12)), key
    assert (lo, hi) == pytest.approx((0.2076596, 0.9385081), abs=1e-7)  # published Wilson(2, 3) at 95%


def test_raw_row_field_by_field():
    row = rows()[1]
    lo, hi = wilson_ref(4, 5)
    assert row["n"] == 5 and row["accuracy"] == pytest.approx(0.8)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), abs=1e-12)
    assert row["majority_baseline"] == pytest.approx(3 / 5)
    assert row["delta_vs_raw"] == 0.0 and row["prefill_speedup"] == pytest.approx(1.0)
    assert row["length_reduction"] == row["length_reduction_sums"] == row["attention_reduction"] == 0.0
    assert row["flops_reduction"] == 0.0 and row["mean_tokens"] == row["mean_raw_tokens"] == 30.0
    assert row["prefill_ms"] == pytest.approx(20.0) and row["round_trip_rate"] == 1.0
    assert row["balanced_accuracy"] == pytest.approx((1.0 + 1.0 + 0.0) / 3)
    assert "edit_similarity" not in row  # no example has it


def test_lossy_row_field_by_field():
    row = rows()[3]
    lo, hi = wilson_ref(0, 4)
    assert row["compressor"] == "truncate@rate=0.5" and row["trained_on"] == "raw"
    assert row["n"] == 4 and row["accuracy"] == 0.0
    assert row["ci_low"] == 0.0 and row["ci_high"] == pytest.approx(hi, abs=1e-12) and lo == 0.0
    assert row["majority_baseline"] == 1.0
    assert row["delta_vs_raw"] == pytest.approx(-0.8)
    assert row["rate_adherence"] == pytest.approx((1 + 1 + 1 + 15 / 16) / 4)
    assert row["length_reduction"] == pytest.approx(0.5) and row["length_reduction_sums"] == pytest.approx(0.5)
    assert row["attention_reduction"] == pytest.approx(0.75)
    assert row["prefill_ms"] == pytest.approx(5.0) and row["prefill_speedup"] == pytest.approx(4.0)
    assert "round_trip_rate" not in row  # lossy: nothing checked, so no column
    assert row["mean_score"] == 0.0


def test_cell_without_raw_and_zero_prefill():
    row = rows()[0]
    assert row["delta_vs_raw"] is None and row["prefill_speedup"] is None
    assert row["length_reduction"] == pytest.approx(0.2) and row["majority_baseline"] == 1.0
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson_ref(1, 1), abs=1e-12)


def test_zero_prefill_gives_no_speed_up():
    records = [rec("r", "raw", 10, 10, True, "a", prefill=0.01), rec("c", "ltsc", 5, 10, True, "a", prefill=0.0)]
    by = {r["compressor"]: r for r in compute_rows(records)}
    assert by["ltsc"]["prefill_ms"] == 0.0 and by["ltsc"]["prefill_speedup"] is None


def test_interval_is_the_cells_own():
    """Two cells with the same accuracy but different n: their intervals differ (Wilson of each cell)."""
    records = [rec("a", "raw", 10, 10, i < 5, "x") for i in range(10)]
    records += [rec("b", "ltsc", 10, 10, i < 50, "x") for i in range(100)]
    a, b = compute_rows(records)
    assert a["accuracy"] == b["accuracy"] == 0.5
    assert (a["ci_low"], a["ci_high"]) == pytest.approx(wilson_ref(5, 10), abs=1e-12)
    assert (b["ci_low"], b["ci_high"]) == pytest.approx(wilson_ref(50, 100), abs=1e-12)
    assert b["ci_high"] - b["ci_low"] < a["ci_high"] - a["ci_low"]


def test_wilson_golden():
    assert wilson(2, 3) == pytest.approx(wilson_ref(2, 3), abs=1e-12)
    assert wilson(50, 100) == pytest.approx((0.4038315, 0.5961685), abs=1e-7)
    assert wilson(9, 10) == pytest.approx((0.5958500, 0.9821238), abs=1e-7)
    assert wilson(0, 4) == (0.0, pytest.approx(0.4898908, abs=1e-7))
    assert wilson(4, 4) == pytest.approx((0.5101092, 1.0), abs=1e-7)
    lo, hi = wilson(0, 0)
    assert math.isnan(lo) and math.isnan(hi)
    # the clamps matter: unclamped, rounding puts these ends a hair outside [0, 1]
    assert wilson(20, 20)[1] == 1.0 and wilson(0, 7)[0] == 0.0
    assert wilson(1, 2, z=1.0) == pytest.approx(
        (0.5 - math.sqrt(0.125 + 1 / 16) / 1.5, 0.5 + math.sqrt(0.125 + 1 / 16) / 1.5)
    )


def test_majority_is_the_most_frequent_target():
    for targets, expected in [("aab", 2 / 3), ("abbb", 3 / 4), ("abcc", 1 / 2), ("a", 1.0)]:
        g = pd.DataFrame({"target": list(targets)})
        assert get_metric("majority_baseline")(g) == pytest.approx(expected)


def test_extra_metrics_and_unknown_metric():
    records = LTSC + RAW
    by = {r["compressor"]: r for r in compute_rows(records, ("codec_ms", "dictionary_entries"))}
    assert by["ltsc"]["codec_ms"] == pytest.approx(2.0) and by["ltsc"]["dictionary_entries"] == pytest.approx(1.0)
    assert by["raw"]["codec_ms"] is None and by["raw"]["dictionary_entries"] is None
    assert set(EXTRA_METRICS) == {
        "round_trip_rate",
        "mean_score",
        "edit_similarity",
        "balanced_accuracy",
        "answer_retention",
    }
    with pytest.raises(HarnessError, match="unknown metric"):
        compute_rows(records, ("no_such_metric",))
    assert compute_rows([]) == [] and compute_rows([], ("no_such_metric",)) == []
    with pytest.raises(HarnessError, match="unknown metric"):  # checked before any record is read
        compute_rows([{"cell": "only"}], ("no_such_metric",))


#: every built-in metric: (name, display format, higher is better, fields read) — `list metrics` shows them
METRICS = [
    ("accuracy", "percent", True, ("correct",)),
    ("attention_reduction", "percent", True, ("input_tokens", "raw_tokens")),
    ("balanced_accuracy", "percent", True, ("correct", "target")),
    ("ci_high", "percent", None, ("correct",)),
    ("ci_low", "percent", None, ("correct",)),
    ("codec_ms", "ms", False, ("codec_seconds",)),
    ("dictionary_entries", "number", None, ("dictionary_entries",)),
    ("edit_similarity", "percent", True, ("scores",)),
    ("flops_reduction", "percent", True, ("flops", "raw_flops")),
    ("length_reduction", "percent", True, ("input_tokens", "raw_tokens")),
    ("length_reduction_sums", "percent", True, ("input_tokens", "raw_tokens")),
    ("majority_baseline", "percent", None, ("target",)),
    ("mean_raw_tokens", "tokens", None, ("raw_tokens",)),
    ("mean_score", "percent", True, ("score",)),
    ("mean_tokens", "tokens", False, ("input_tokens",)),
    ("n", "count", None, ("raw_tokens",)),
    ("prefill_ms", "ms", False, ("prefill_seconds",)),
    ("rate_adherence", "percent", None, ("target_tokens", "compressed_tokens")),
    ("round_trip_rate", "percent", True, ("round_trip_ok",)),
    ("answer_retention", "percent", True, ("answer_retained",)),
]


def test_metric_definitions_are_pinned():
    builtin = {name for name, *_ in METRICS}
    found = [(m.name, m.fmt, m.higher_is_better, m.needs) for m in (get_metric(n) for n, *_ in METRICS)]
    assert found == METRICS
    assert FORMATS == ("percent", "count", "tokens", "ms", "ratio", "number")
    assert all(get_metric(e.name).fmt in FORMATS for e in metrics.entries())
    for name in builtin:
        assert get_metric(name).description and metrics.get(name).description == get_metric(name).description
    assert get_metric("length_reduction").description == "Mean over examples of 1 - n_c/n_raw"
    assert set(CELL_METRICS) | set(EXTRA_METRICS) <= builtin


def test_metric_edge_cases():
    g = pd.DataFrame({"input_tokens": [0, 5], "raw_tokens": [0, 10]})
    assert get_metric("length_reduction")(g) == pytest.approx(0.25)  # an empty raw prompt counts as 0
    odd = pd.DataFrame({"input_tokens": [2, 0], "raw_tokens": [0, 1]})  # a 1-token prompt is a prompt
    assert get_metric("length_reduction")(odd) == pytest.approx(0.5)
    assert get_metric("length_reduction")(pd.DataFrame({"input_tokens": [1]})) is None  # one field missing
    assert get_metric("length_reduction_sums")(g) == pytest.approx(0.5)
    zero = pd.DataFrame({"input_tokens": [0], "raw_tokens": [0], "flops": [0.0], "raw_flops": [0.0]})
    assert get_metric("length_reduction_sums")(zero) == 0.0 and get_metric("attention_reduction")(zero) == 0.0
    assert get_metric("flops_reduction")(zero) == 0.0
    assert get_metric("prefill_ms")(g) is None  # a field it needs is missing
    assert get_metric("mean_score")(pd.DataFrame({"score": [float("nan")]})) is None  # NaN is shown as missing
    asked = pd.DataFrame({"target_tokens": [None, 0, 4, 1], "compressed_tokens": [3, 3, 3, 1]})
    assert get_metric("rate_adherence")(asked) == pytest.approx((0.75 + 1) / 2)
    assert get_metric("rate_adherence")(asked.iloc[:2]) is None
    assert get_metric("round_trip_rate")(pd.DataFrame({"round_trip_ok": [None, None]})) is None
    assert get_metric("round_trip_rate")(pd.DataFrame({"round_trip_ok": [True, None, False, True]})) == pytest.approx(
        2 / 3
    )
    assert get_metric("edit_similarity")(pd.DataFrame({"scores": [{}, None, {"edit_similarity": None}]})) is None
    assert get_metric("edit_similarity")(pd.DataFrame({"scores": [{"edit_similarity": 0.25}, {}]})) == 0.25
    kept = pd.DataFrame({"answer_retained": [True, None, False, True]})
    assert get_metric("answer_retention")(kept) == pytest.approx(2 / 3)
    assert get_metric("answer_retention")(pd.DataFrame({"answer_retained": [None]})) is None
    assert _float_or_none(None) is None and _float_or_none(float("nan")) is None and _float_or_none(2) == 2.0
    assert compute(["n", "accuracy"], pd.DataFrame({"raw_tokens": [1, 2], "correct": [True, False]})) == {
        "n": 2,
        "accuracy": 0.5,
    }


def test_a_plugin_entry_that_is_not_a_metric_is_an_error(monkeypatch):
    from harness.core.registry import Entry

    monkeypatch.setitem(metrics._entries, "bogus", Entry("bogus", lambda g: 1))
    with pytest.raises(HarnessError, match="'bogus' is registered as function, not a harness.metrics.Metric"):
        get_metric("bogus")
    plain = Metric("plain", lambda g: float("nan"))
    assert plain(pd.DataFrame({"x": [1]})) is None and plain.fmt == "number" and plain.higher_is_better is None
    assert plain.description == "" and plain.needs == ()
    with pytest.raises(AttributeError):  # frozen: a metric's definition cannot drift at run time
        plain.fmt = "percent"


def test_the_metric_decorator(monkeypatch):
    monkeypatch.setattr(metrics, "_entries", dict(metrics._entries))

    def documented(g):
        """First line.

        More."""
        return 1

    def bare(g):
        return 2

    assert metric("pinned_documented")(documented) is documented
    assert metric("pinned_bare", "ms", False, ("x",))(bare) is bare
    a, b = get_metric("pinned_documented"), get_metric("pinned_bare")
    assert (a.fmt, a.higher_is_better, a.needs, a.description) == ("number", None, (), "First line.")
    assert (b.fmt, b.higher_is_better, b.needs, b.description) == ("ms", False, ("x",), "")
    assert metrics.get("pinned_documented").description == "First line."
    assert metrics.get("pinned_bare").description == "pinned_bare"


@pytest.mark.parametrize(
    "fmt,value,shown",
    [
        ("percent", 0.1234, "12.3%"),
        ("percent", 1, "100.0%"),
        ("tokens", 12.34, "12.3"),
        ("ms", 1.234, "1.23"),
        ("ratio", 2, "2.00x"),
        ("count", 5.0, "5"),
        ("count", 12345.0, "12345"),
        ("number", 0.000123456, "0.0001235"),
        ("number", 7, "7"),
        ("number", 12345.678, "1.235e+04"),
        ("percent", None, ""),
        ("ms", float("nan"), ""),
    ],
)
def test_format_value(fmt, value, shown):
    assert format_value(fmt, value) == shown


def test_display_row_is_pinned():
    shown = display_rows(rows())
    assert shown[2] == {
        "task": "t",
        "compressor": "ltsc",
        "model": "tiny",
        "n": 3,
        "accuracy (95% CI)": "66.7% [20.8, 93.9]",
        "majority": "66.7%",
        "Δ vs raw": "-13.3 pts",
        "mean tokens": "11.7",
        "length red.": "41.7%",
        "attention red. (n²)": "75.0%",
        "FLOPs red.": "73.4%",
        "prefill ms": "10.00",
        "prefill speed-up": "2.00x",
        "rate adherence": "",
        "edit similarity": "80.0%",
    }
    assert shown[3]["compressor"] == "truncate@rate=0.5 (raw-trained model)"
    assert shown[3]["rate adherence"] == "98.4%" and shown[3]["Δ vs raw"] == "-80.0 pts"
    assert shown[1]["Δ vs raw"] == "+0.0 pts" and shown[0]["Δ vs raw"] == "" and shown[0]["prefill speed-up"] == ""
    assert shown[1]["edit similarity"] == ""
    # optional columns only when some row has them; extra metrics by name
    plain = display_rows(compute_rows(RAW), ("codec_ms",))
    assert "edit similarity" not in plain[0] and plain[0]["codec_ms"] == ""
    assert display_rows(compute_rows(LTSC, ("codec_ms",)), ("codec_ms",))[0]["codec_ms"] == "2.00"
    assert list(display_rows(compute_rows(LTSC), ("edit_similarity",))[0]).count("edit similarity") == 1


def test_rows_from_dir_and_written_files(tmp_path):
    with pytest.raises(HarnessError, match="is not a directory"):
        rows_from_dir(tmp_path / "nope")
    with pytest.raises(HarnessError, match="records.jsonl"):
        rows_from_dir(tmp_path)
    (tmp_path / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in LTSC + RAW))
    got = rows_from_dir(tmp_path, ("codec_ms",))
    assert [r["compressor"] for r in got] == ["raw", "ltsc"] and got[1]["codec_ms"] == pytest.approx(2.0)
    from harness.results.leaderboard import render

    assert render(got) == render(got, "markdown")
    table = write_leaderboard(got, tmp_path)
    assert (tmp_path / "leaderboard.md").read_text() == table + "\n"
    assert "66.7% [20.8, 93.9]" in table
    written = json.loads((tmp_path / "leaderboard.json").read_text())
    assert [r["compressor"] for r in written] == ["raw", "ltsc"]
    assert written[1]["length_reduction"] == pytest.approx(5 / 12)


# -- lossless, configuration differences, tie order --------------------------------------------------------


def test_lossless_comes_from_the_configuration_else_the_round_trip():
    by_config = [
        rec("a", "ltsc", 5, 10, True, "a", config={"compressor_lossless": False}, round_trip_ok=True),
        rec("b", "truncate", 5, 10, True, "a", config={"compressor_lossless": True}, round_trip_ok=None),
    ]
    assert [r["lossless"] for r in compute_rows(by_config)] == [False, True]
    by_round_trip = [
        rec("a", "ltsc", 5, 10, True, "a", round_trip_ok=None),
        rec("a", "ltsc", 5, 10, True, "a", round_trip_ok=False),
        rec("b", "truncate", 5, 10, True, "a", round_trip_ok=None),
        rec("c", "x", 5, 10, True, "a", config={"compressor_lossless": "yes"}, round_trip_ok=True),
    ]
    # rows: ltsc (a: one round trip checked), truncate (b: none checked), x (c: config not a bool, round trip)
    assert [r["lossless"] for r in compute_rows(by_round_trip)] == [True, False, True]
    assert compute_rows([rec("a", "ltsc", 5, 10, True, "a")])[0]["lossless"] is None


def test_rows_differing_in_configuration_only_say_how():
    base = {"train": {"lr": 0.01, "steps": 5, "opt": {"name": "adam"}}, "seed": 0}
    other = {"train": {"lr": 0.1, "steps": 5, "opt": {"name": "sgd"}}, "seed": 0}
    records = [
        rec("c2", "ltsc", 5, 10, True, "a", config=other),
        rec("c1", "ltsc", 5, 10, True, "a", config=base),
        rec("c3", "ltsc", 5, 10, True, "a", config=base, task="u"),
        rec("r", "raw", 5, 5, True, "a"),
    ]
    rows = compute_rows(records)
    assert [(r["task"], r["cell"]) for r in rows] == [
        ("t", "r"),
        ("t", "c2"),
        ("t", "c1"),
        ("u", "c3"),
    ]  # ties: first seen
    assert [r["config_diff"] for r in rows] == [
        None,
        "train.lr=0.1, train.opt.name=sgd",
        "train.lr=0.01, train.opt.name=adam",
        None,
    ]
    shown = display_rows(rows)
    assert [s["configuration"] for s in shown] == [
        "",
        "train.lr=0.1, train.opt.name=sgd",
        "train.lr=0.01, train.opt.name=adam",
        "",
    ]
    assert list(shown[0])[:5] == ["task", "compressor", "model", "configuration", "n"]
    # the same configuration twice (two cell ids), and records without a config: their identity fields
    same = compute_rows(
        [rec("c1", "ltsc", 5, 10, True, "a", config=base), rec("c2", "ltsc", 5, 10, True, "a", config=base)]
    )
    assert [r["config_diff"] for r in same] == ["(identical configuration)"] * 2
    # equal values compare equal whatever their key order (lists of dicts are not flattened)
    listed = compute_rows(
        [
            rec("c1", "ltsc", 5, 10, True, "a", config={"x": [{"a": 1, "b": 2}], "lr": 1}),
            rec("c2", "ltsc", 5, 10, True, "a", config={"x": [{"b": 2, "a": 1}], "lr": 2}),
        ]
    )
    assert [r["config_diff"] for r in listed] == ["lr=1", "lr=2"]


def test_rows_without_config_differ_by_their_identity_fields():
    plain = [rec("c1", "ltsc", 5, 10, True, "a", scope="prompt"), rec("c2", "ltsc", 5, 10, True, "a", scope="context")]
    plain[1]["seed"], plain[1]["tokenizer"], plain[1]["train_steps"] = 1, "gpt2", 9
    assert [r["config_diff"] for r in compute_rows(plain)] == [
        "scope=prompt, seed=0, tokenizer=cl100k_base, train_steps=5",
        "scope=context, seed=1, tokenizer=gpt2, train_steps=9",
    ]


def test_no_configuration_column_without_differences():
    rows = compute_rows(LTSC + RAW)
    assert all("config_diff" not in r for r in rows)
    assert all("configuration" not in s for s in display_rows(rows))
    trained = [rec("c1", "ltsc", 5, 10, True, "a"), rec("c2", "ltsc", 5, 10, True, "a", trained_on="raw")]
    assert all("config_diff" not in r for r in compute_rows(trained))  # raw-trained: a different row name


# -- reading and merging directories ------------------------------------------------------------------------


def test_merge_run_and_published_directories(tmp_path):
    import gzip

    from harness.results.leaderboard import merge_dirs, rows_from_dirs

    run, published = tmp_path / "run", tmp_path / "published"
    run.mkdir()
    published.mkdir()
    (run / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in LTSC))
    with gzip.open(published / "records.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r) + "\n\n" for r in LTSC[:2] + RAW))
    told = []
    merged = merge_dirs([run, published], told.append)
    assert len(merged) == len(LTSC) + len(RAW)
    assert told == [
        f"{published}: 2 duplicate records (cell and example already read from {run}) ignored, never counted twice"
    ]
    assert merge_dirs([published], told.append) == [dict(r) for r in LTSC[:2] + RAW] and len(told) == 1
    assert len(merge_dirs([run, run])) == len(LTSC)  # no notify: duplicates still dropped
    rows = rows_from_dirs([run, published])
    assert [r["n"] for r in rows] == [5, 3]
    good = json.dumps(LTSC[0]).encode() + b"\n\n"
    for bad, needle in (
        (good + b"not json\n", "records.jsonl.gz:3 is not a JSON record"),
        (b"[1]\n", "records.jsonl.gz:1 is not a JSON record"),
        (json.dumps({"cell": "a"}).encode() + b"\n", "records.jsonl.gz:1: corrupt record"),
    ):
        with gzip.open(published / "records.jsonl.gz", "wb") as fh:
            fh.write(bad)
        with pytest.raises(HarnessError, match=needle):
            merge_dirs([published])
    (published / "records.jsonl.gz").write_bytes(b"not gzip")
    with pytest.raises(HarnessError, match="cannot read records file"):
        merge_dirs([published])


def test_read_dir_reads_lm_eval_output_through_the_lm_eval_reader(tmp_path, monkeypatch):
    """A folder of lm-eval output (``ltsc-bench lm-eval``) is read as records by the lm-eval reader, not as a run."""
    from harness.interop import lm_eval_results
    from harness.results import leaderboard

    records = [{"cell": "c", "example_id": "e"}]
    monkeypatch.setattr(lm_eval_results, "is_lm_eval_output", lambda d: str(d) == str(tmp_path))
    monkeypatch.setattr(lm_eval_results, "read_lm_eval", lambda dirs: records if dirs == [tmp_path] else None)
    assert leaderboard.read_dir(tmp_path) is records
