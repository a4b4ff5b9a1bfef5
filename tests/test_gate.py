"""The regression gate: paired statistics, matching, and `ltsc-bench compare` exit codes on planted regressions."""

from __future__ import annotations

import gzip
import json
import math

import pytest

from harness.cli import main
from harness.core.errors import HarnessError
from harness.results.gate import Thresholds, compare_records, mcnemar_exact, paired_interval

N = 40


def rec(compressor: str, i: int, correct: bool, tokens: int, raw: int = 100, round_trip=True, **extra) -> dict:
    r = {
        "cell": f"cell-{compressor}",
        "comparison": "cmp",
        "example_id": f"ex-{i}",
        "task": "recall",
        "compressor": compressor,
        "model": "tiny",
        "tokenizer": "cl100k_base",
        "seed": 0,
        "train_steps": 5,
        "trained_on": "self",
        "input_tokens": tokens,
        "raw_tokens": raw,
        "correct": correct,
        "score": float(correct),
        "target": "a",
        "prediction": "a" if correct else "b",
        "round_trip_ok": round_trip,
        "schema_version": 2,
    }
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


@pytest.mark.parametrize(
    "plant, code, needle",
    [
        (lambda: run_records(), 0, "no regression in 2 cells"),
        (lambda: run_records(correct=lambda i: i >= 20), 1, "accuracy fell"),
        (lambda: run_records(fail_at=0), 1, "1 round-trip failure of a lossless compressor"),
        (lambda: run_records(tokens=90), 1, "length reduction fell"),
    ],
)
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


@pytest.mark.parametrize(
    "new, needle",
    [
        (lambda: [r for r in run_records() if r["compressor"] == "raw"], "in BASE only: recall | ltsc | tiny"),
        (
            lambda: run_records() + [dict(r, cell="other") for r in run_records()[:1]],
            "NEW holds 2 cells for recall | raw",
        ),
        (lambda: [dict(r, comparison="cmp2") for r in run_records()], "4 cells do not match"),
    ],
)
def test_cli_unmatched_cells_exit_2_listing_them(tmp_path, capsys, new, needle):
    assert main(["compare", write(tmp_path / "b", run_records()), write(tmp_path / "n", new())]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_cli_bad_inputs_are_one_line_errors(tmp_path, capsys):
    good = write(tmp_path / "good", run_records())
    (tmp_path / "empty").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "records.jsonl.gz").write_bytes(b"not gzip")
    for args, needle in (
        (["nope", good], "nope is not a directory"),
        ([str(tmp_path / "empty"), good], "holds neither"),
        ([str(tmp_path / "broken"), good], "cannot read records file"),
        ([good, good, "--alpha", "1.5"], "--alpha"),
        ([good, good, "--pair", "x", "raw"], "no cells of"),
    ):
        assert main(["compare", *args]) == 2
        err = capsys.readouterr().err
        assert needle in err and len(err.strip().splitlines()) == 1, err


# -- hardening round 2: example counts, threshold ranges, a run compared with itself ---------------------------


def first_of_each_cell(records: list[dict], keep: int = 1) -> list[dict]:
    """NEW stopped early: only the first ``keep`` examples of each cell."""
    return [r for r in records if int(r["example_id"].split("-")[1]) < keep]


def test_differing_example_sets_are_incomparable_by_default():
    (raw, ltsc) = compare_records(run_records(), first_of_each_cell(run_records()))
    assert (ltsc["n"], ltsc["n_base"], ltsc["n_new"]) == (1, N, 1)
    assert (ltsc["base_only_examples"], ltsc["new_only_examples"]) == (N - 1, 0)
    assert ltsc["count_mismatch"] and ltsc["incomparable"] and ltsc["verdict"] == "incomparable"
    assert ltsc["regression"] is None and ltsc["reasons"] == []
    (_, same) = compare_records(run_records(), run_records())
    assert not same["count_mismatch"] and not same["incomparable"] and same["verdict"] == "ok"
    assert (same["base_only_examples"], same["new_only_examples"]) == (0, 0)


def test_allow_count_mismatch_judges_the_common_examples_only():
    # BASE: examples 0..39; NEW: examples 20..59 (20 in common); NEW is wrong on 20..29, which BASE got right
    # except 20, 24 and 28 (i % 4 == 0): 7 discordant pairs against NEW, none for it; BASE's 20 others unpaired
    base = run_records()
    new = [
        rec(c, i, i % 4 != 0 and not 20 <= i < 30, t) for c, t in (("raw", 100), ("ltsc", 75)) for i in range(20, 60)
    ]
    (raw, ltsc) = compare_records(base, new, allow_count_mismatch=True)
    assert (ltsc["n"], ltsc["n_base"], ltsc["n_new"]) == (20, N, N)
    assert (ltsc["base_only_examples"], ltsc["new_only_examples"]) == (20, 20)
    assert (ltsc["base_only_correct"], ltsc["new_only_correct"]) == (7, 0)
    assert ltsc["base_accuracy"] == 15 / 20 and ltsc["new_accuracy"] == 8 / 20
    assert ltsc["p_value"] == pytest.approx(2 / 128) and ltsc["verdict"] == "regression"
    assert ltsc["count_mismatch"] and not ltsc["incomparable"]
    assert ltsc["reasons"] == ["accuracy fell 35.0 pts (> 0, McNemar p = 0.0156 < 0.05)"]


def test_cli_incomparable_cells_exit_2_shown_in_markdown(tmp_path, capsys):
    base, new = write(tmp_path / "b", run_records()), write(tmp_path / "n", first_of_each_cell(run_records()))
    assert main(["compare", base, new]) == 2
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    header = [h.strip() for h in lines[0].strip("|").split("|")]
    assert header[3:6] == ["n", "n BASE", "n NEW"]
    ltsc = [c.strip() for c in lines[3].strip("|").split("|")]
    assert ltsc[1:6] == ["ltsc", "tiny", "1", "40", "1"]
    assert ltsc[-1] == "INCOMPARABLE: BASE has 40 examples, NEW 1 (1 in common, 39 in BASE only); not judged"
    assert "2 of 2 cells INCOMPARABLE (example sets differ" in captured.out
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "2 cells are incomparable" in err[0] and "--allow-count-mismatch" in err[0]


def test_cli_incomparable_cells_in_json(tmp_path, capsys):
    base, new = write(tmp_path / "b", run_records()), write(tmp_path / "n", first_of_each_cell(run_records()))
    assert main(["compare", base, new, "--format", "json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert (out["verdict"], out["incomparable"], out["count_mismatches"], out["regression"]) == (
        "incomparable",
        2,
        2,
        False,
    )
    assert out["allow_count_mismatch"] is False
    assert [(r["n_base"], r["n_new"], r["n"], r["verdict"]) for r in out["rows"]] == [(40, 1, 1, "incomparable")] * 2


def test_cli_allow_count_mismatch_still_flags_it(tmp_path, capsys):
    base, new = write(tmp_path / "b", run_records()), write(tmp_path / "n", first_of_each_cell(run_records(), 8))
    assert main(["compare", base, new, "--allow-count-mismatch"]) == 0
    out = capsys.readouterr().out
    assert "| ok, judged on the 8 common examples (BASE 40, NEW 8) |" in out
    assert "no regression in 2 cells" in out and "2 cells judged on their common examples only" in out
    assert main(["compare", base, new, "--allow-count-mismatch", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["verdict"], out["incomparable"], out["count_mismatches"], out["allow_count_mismatch"]) == (
        "ok",
        0,
        2,
        True,
    )
    assert all(r["count_mismatch"] and not r["incomparable"] and r["n"] == 8 for r in out["rows"])
    slow = write(tmp_path / "s", first_of_each_cell(run_records(tokens=90), 8))
    assert main(["compare", base, slow, "--allow-count-mismatch"]) == 1
    assert (
        "REGRESSION: length reduction fell from 25.0% to 10.0%; judged on the 8 common examples (BASE 40, NEW 8)"
        in capsys.readouterr().out
    )


def test_cli_torn_last_line_is_noticed(tmp_path, capsys):
    base = write(tmp_path / "b", run_records())
    new = write(tmp_path / "n", run_records())
    path = tmp_path / "n" / "records.jsonl"
    path.write_bytes(path.read_bytes()[:-40])  # a write a kill interrupted: the last record is torn
    assert main(["compare", base, new]) == 2
    captured = capsys.readouterr()
    assert "| INCOMPARABLE: BASE has 40 examples, NEW 39 (39 in common, 1 in BASE only); not judged |" in captured.out
    assert f"NEW: {path} ends in a torn line (an interrupted write), ignored" in captured.err
    assert "1 cell is incomparable" in captured.err


@pytest.mark.parametrize(
    "option, value, valid",
    [
        ("--min-reduction-ratio", "1e9", "in [0, 1]"),
        ("--min-reduction-ratio", "-0.5", "in [0, 1]"),
        ("--min-reduction-ratio", "nan", "in [0, 1]"),
        ("--min-reduction-ratio", "inf", "in [0, 1]"),
        ("--max-accuracy-drop", "-1", "in [0, 100]"),
        ("--max-accuracy-drop", "101", "in [0, 100]"),
        ("--max-accuracy-drop", "nan", "in [0, 100]"),
        ("--alpha", "0", "in (0, 1)"),
        ("--alpha", "1", "in (0, 1)"),
        ("--alpha", "-inf", "in (0, 1)"),
        ("--alpha", "nan", "in (0, 1)"),
    ],
)
def test_cli_thresholds_out_of_range_refused_before_reading(capsys, option, value, valid):
    assert main(["compare", "no-such-base", "no-such-new", f"{option}={value}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{option} must be a finite number {valid}" in err
    assert f"got {float(value)!r}" in err and "no-such" not in err


def test_thresholds_range_in_python():
    with pytest.raises(
        HarnessError,
        match=r"--min-reduction-ratio must be a finite number in \[0, 1\] \(the "
        r"fraction of BASE's length reduction NEW must keep",
    ):
        Thresholds(min_ratio=1.5)
    assert Thresholds(max_drop=100, min_ratio=0, alpha=0.5).min_ratio == 0


def test_reduction_message_states_the_floor_and_enough_digits():
    (_, ltsc) = compare_records(run_records(), run_records(tokens=80), Thresholds(min_ratio=0.9))
    assert ltsc["reasons"] == [
        "length reduction fell from 25.0% to 20.0%, below the floor of 22.5% allowed by --min-reduction-ratio 0.9"
    ]
    base = [rec("ltsc", i, True, 7826, raw=10000) for i in range(N)]
    new = [rec("ltsc", i, True, 7834, raw=10000) for i in range(N)]
    (row,) = compare_records(base, new)
    assert row["reasons"] == ["length reduction fell from 21.74% to 21.66%"]


def test_cli_same_directory_noted_once_not_double_counted(tmp_path, capsys):
    run = write(tmp_path / "run", run_records())
    assert main(["compare", run, str(tmp_path / "run" / ".." / "run"), "--format", "json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert [(r["n"], r["n_base"], r["n_new"]) for r in out["rows"]] == [(N, N, N)] * 2
    note = f"BASE and NEW are the same directory ({tmp_path / 'run'}): comparing a run with itself"
    assert out["notes"] == [note + ", so no cell can differ"]
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and note in err[0]
    records = run_records() + [rec("rle", i, i % 4 != 0, 100) for i in range(N)]
    both = write(tmp_path / "both", records)
    assert main(["compare", both, both, "--pair", "ltsc", "rle"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"ltsc-bench: note: BASE and NEW are the same directory ({tmp_path / 'both'}): comparing "
        "compressors of one run (--pair ltsc rle)"
    ]
