"""The regression gate: paired statistics, matching, and `ltsc-bench compare` exit codes on planted regressions."""

from __future__ import annotations

import gzip
import json
import math

import pytest

from harness.cli import main
from harness.gate import Thresholds, compare_records, mcnemar_exact, paired_interval

N = 40


def rec(compressor: str, i: int, correct: bool, tokens: int, raw: int = 100, round_trip=True, **extra) -> dict:
    r = {"cell": f"cell-{compressor}", "comparison": "cmp", "example_id": f"ex-{i}", "task": "recall",
         "compressor": compressor, "model": "tiny", "tokenizer": "cl100k_base", "seed": 0, "train_steps": 5,
         "trained_on": "self", "input_tokens": tokens, "raw_tokens": raw, "correct": correct, "score": float(correct),
         "target": "a", "prediction": "a" if correct else "b", "round_trip_ok": round_trip, "schema_version": 2}
    r.update(extra)
    return r


def run_records(correct=lambda i: i % 4 != 0, tokens=75, fail_at=None) -> list[dict]:
    """A raw and an ltsc cell of N examples (ltsc at ``tokens`` of 100)."""
    out = [rec("raw", i, correct(i), 100) for i in range(N)]
    out += [rec("ltsc", i, correct(i), tokens, round_trip=i != fail_at) for i in range(N)]
    return out


def write(directory, records, gz=False):
    directory.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r) + "\n" for r in records)
    if gz:
        (directory / "records.jsonl.gz").write_bytes(gzip.compress(text.encode()))
    else:
        (directory / "records.jsonl").write_text(text)
    return str(directory)


def test_mcnemar_exact_values():
    assert mcnemar_exact(0, 0) == 1.0 and mcnemar_exact(5, 5) == 1.0
    assert mcnemar_exact(10, 0) == pytest.approx(2 / 1024)
    assert mcnemar_exact(7, 1) == mcnemar_exact(1, 7) == pytest.approx(2 * (1 + 8) / 256)


def test_paired_interval_properties():
    low, high = paired_interval(30, 0, 0, 10)  # no discordant pairs: centred on 0
    assert low < 0 < high and low == pytest.approx(-high)
    low, high = paired_interval(8, 5, 4, 9)
    assert low < (4 - 5) / 26 < high and (-high, -low) == pytest.approx(paired_interval(8, 4, 5, 9))
    wide, narrow = paired_interval(8, 5, 1, 9), paired_interval(80, 50, 10, 90)
    assert narrow[1] - narrow[0] < wide[1] - wide[0] and narrow[1] < 0  # 10x the data: significant, below 0
    assert all(-1 <= v <= 1 for v in paired_interval(0, 26, 0, 0))
    assert not math.isnan(paired_interval(0, 0, 0, 5)[0])


def test_same_records_no_regression():
    rows = compare_records(run_records(), run_records())
    assert [r["compressor"] for r in rows] == ["raw", "ltsc"]
    assert all(not r["regression"] and r["accuracy_delta"] == 0 and r["p_value"] == 1 for r in rows)


def test_accuracy_drop_counts_only_when_significant_and_beyond_threshold():
    drop = run_records(correct=lambda i: i % 4 != 0 and i >= 12)  # 9 examples flip from right to wrong
    (raw, ltsc) = compare_records(run_records(), drop)
    assert ltsc["base_only_correct"] == 9 and ltsc["new_only_correct"] == 0 and ltsc["n"] == N
    assert ltsc["regression"] and "accuracy fell 22.5 pts" in ltsc["reasons"][0]
    assert ltsc["delta_ci_high"] < 0 < ltsc["p_value"] < 0.05
    assert not compare_records(run_records(), drop, Thresholds(max_drop=25))[1]["regression"]
    small = run_records(correct=lambda i: i % 4 != 0 and i not in (1, 2))  # 2 flips: p = 0.5
    assert not any(r["regression"] for r in compare_records(run_records(), small))


def test_round_trip_failure_and_falling_reduction():
    (_, ltsc) = compare_records(run_records(), run_records(fail_at=3))
    assert ltsc["round_trip_failures"] == 1 and ltsc["reasons"] == ["1 round-trip failure of a lossless compressor"]
    (_, ltsc) = compare_records(run_records(), run_records(tokens=80))
    assert ltsc["reasons"] == ["length reduction fell from 25.0% to 20.0%"]
    assert not compare_records(run_records(), run_records(tokens=80), Thresholds(min_ratio=0.8))[1]["regression"]
    schema1 = [{k: v for k, v in r.items() if k not in ("round_trip_ok", "schema_version")} for r in run_records()]
    assert compare_records(schema1, schema1)[1]["round_trip_failures"] is None
    lossy = [dict(r, round_trip_ok=None) for r in run_records()]
    assert compare_records(lossy, lossy)[1]["round_trip_failures"] is None


def test_pairs_compare_two_compressors_of_one_run():
    records = run_records() + [rec("rle", i, i % 4 != 0, 100) for i in range(N)]
    (row,) = compare_records(records, records, pairs={"ltsc": "rle"})
    assert (row["base_compressor"], row["compressor"]) == ("ltsc", "rle") and row["regression"]


@pytest.mark.parametrize("plant, code, needle", [
    (lambda: run_records(), 0, "no regression in 2 cells"),
    (lambda: run_records(correct=lambda i: i >= 20), 1, "accuracy fell"),
    (lambda: run_records(fail_at=0), 1, "1 round-trip failure of a lossless compressor"),
    (lambda: run_records(tokens=90), 1, "length reduction fell"),
])
def test_cli_exit_codes(tmp_path, capsys, plant, code, needle):
    base = write(tmp_path / "base", run_records(), gz=True)  # a published folder is read like a run
    assert main(["compare", base, write(tmp_path / "new", plant())]) == code
    assert needle in capsys.readouterr().out


def test_cli_json(tmp_path, capsys):
    args = ["compare", write(tmp_path / "b", run_records()), write(tmp_path / "n", run_records(tokens=90))]
    assert main([*args, "--format", "json", "--alpha", "0.01"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["regression"] is True and out["thresholds"]["alpha"] == 0.01
    assert {"p_value", "delta_ci_low", "delta_ci_high", "round_trip_failures", "reasons"} <= set(out["rows"][0])


@pytest.mark.parametrize("new, needle", [
    (lambda: [r for r in run_records() if r["compressor"] == "raw"], "in BASE only: recall | ltsc | tiny"),
    (lambda: run_records() + [dict(r, cell="other") for r in run_records()[:1]], "NEW holds 2 cells for recall | raw"),
    (lambda: [dict(r, comparison="cmp2") for r in run_records()], "4 cells do not match"),
])
def test_cli_unmatched_cells_exit_2_listing_them(tmp_path, capsys, new, needle):
    assert main(["compare", write(tmp_path / "b", run_records()), write(tmp_path / "n", new())]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_cli_bad_inputs_are_one_line_errors(tmp_path, capsys):
    good = write(tmp_path / "good", run_records())
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "records.jsonl.gz").write_bytes(b"not gzip")
    for args, needle in ((["nope", good], "nope is not a directory"), ([str(tmp_path / "empty"), good], "holds neither"),
                         ([str(tmp_path / "broken"), good], "cannot read records file"),
                         ([good, good, "--alpha", "1.5"], "--alpha"), ([good, good, "--pair", "x", "raw"], "no cells of")):
        assert main(["compare", *args]) == 2
        err = capsys.readouterr().err
        assert needle in err and len(err.strip().splitlines()) == 1, err
