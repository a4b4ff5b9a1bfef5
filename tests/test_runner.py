"""The runner: records, resume after SIGKILL, determinism, leaderboard files, CLI errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.results.records import KEYS, RecordStore, read_records

# a grid small enough for seconds on 2 CPU cores: 2 cells (raw, ltsc) x 24 test examples
ARGS = [
    "--tasks",
    "recall@records=3",
    "--compressors",
    "raw",
    "ltsc",
    "--model",
    "tiny@d_model=32,layers=1,heads=2",
    "--train-steps",
    "4",
    "--train-examples",
    "16",
    "--limit",
    "24",
    "--eval-batch",
    "4",
    "--seed",
    "3",
    "--quiet",
]
TIMING = ("prefill_seconds", "codec_seconds")


def run_cli(output: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", "run", *ARGS, "--output", str(output), *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )


def comparable(records: list[dict]) -> dict:
    """Records keyed by (cell, example) without timing fields."""
    out = {}
    for r in records:
        key = (r["cell"], r["example_id"])
        assert key not in out, f"duplicate record {key}"
        out[key] = {k: v for k, v in r.items() if k not in TIMING}
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("reference")
    proc = run_cli(out)
    assert proc.returncode == 0, proc.stderr
    return out, read_records(out / "records.jsonl")


def test_records_have_the_contract_fields(reference):
    out, records = reference
    assert len(records) == 48
    for r in records:
        for key in (
            "task",
            "example_id",
            "compressor",
            "compressor_params",
            "model",
            "input_tokens",
            "raw_tokens",
            "prediction",
            "target",
            "correct",
            "prefill_seconds",
            "flops",
            "attention_n2",
            "config",
        ):
            assert key in r, key
        assert r["config"]["train"]["steps"] == 4 and r["config"]["seed"] == 3
        assert r["attention_n2"] == r["input_tokens"] ** 2
    ltsc = [r for r in records if r["compressor"] == "ltsc"]
    assert ltsc and all(r["input_tokens"] <= r["raw_tokens"] for r in ltsc)
    assert any(r["input_tokens"] < r["raw_tokens"] for r in ltsc)
    assert ltsc[0]["compressor_params"]["pool_size"] >= 1
    # the leaderboard files are written and agree with the records
    rows = json.loads((out / "leaderboard.json").read_text())
    assert {r["compressor"] for r in rows} == {"raw", "ltsc"}
    for row in rows:
        mine = [r for r in records if r["compressor"] == row["compressor"]]
        assert row["n"] == len(mine)
        assert row["accuracy"] == pytest.approx(sum(r["correct"] for r in mine) / len(mine))
        for key in ("task", "model", "mean_tokens", "length_reduction", "attention_reduction"):
            assert key in row
    assert "accuracy" in (out / "leaderboard.md").read_text()
    # checkpoints let evaluation rerun without training
    assert len(list((out / "checkpoints").glob("*/train.json"))) == 2


def test_same_seed_same_records_also_with_parallel_cells(reference, tmp_path):
    _, records = reference
    proc = run_cli(tmp_path, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert comparable(read_records(tmp_path / "records.jsonl")) == comparable(records)


def test_sigkill_then_resume_gives_the_same_records(reference, tmp_path):
    _, records = reference
    path = tmp_path / "records.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", *ARGS, "--output", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if path.exists() and path.stat().st_size > 0:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = read_records(path)
    assert 0 < len(partial) < len(records), "the kill should land part-way through the run"
    with open(path, "a") as fh:  # a torn last line, as a kill in the middle of a write leaves
        fh.write('{"cell": "torn')
    resumed = run_cli(tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    final = read_records(path)
    assert comparable(final) == comparable(records)  # none lost, none duplicated, same content
    assert path.read_bytes().endswith(b"\n")
    # a further rerun does no work and writes nothing
    again = run_cli(tmp_path)
    assert again.returncode == 0 and "already present" in again.stderr
    assert len(read_records(path)) == len(records)


def test_record_store_skips_duplicates_and_repairs_torn_tail(tmp_path):
    store = RecordStore(tmp_path)
    store.append([{"cell": "a", "example_id": "1", "x": 1}])
    store.append([{"cell": "a", "example_id": "1", "x": 2}, {"cell": "a", "example_id": "2", "x": 3}])
    with open(tmp_path / "records.jsonl", "a") as fh:
        fh.write('{"cell": "a", "exa')
    again = RecordStore(tmp_path)
    assert [r["x"] for r in again.records] == [1, 3]
    assert again.done("a", "2") and not again.done("a", "3")
    again.append([{"cell": "a", "example_id": "3", "x": 4}])
    assert [r["x"] for r in read_records(tmp_path / "records.jsonl", required=KEYS)] == [1, 3, 4]


def test_corrupt_records_file_is_a_user_error(tmp_path):
    (tmp_path / "records.jsonl").write_text('{"cell": "a", "example_id": "1"}\nnot json\n{"cell": "b"}\n')
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "leaderboard", str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "corrupt" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--model", "nosuchmodel"], "unknown model"),
        (["--model", "hf:/nonexistent/model/dir"], "not a directory"),
        (["--model", "tiny@depth=3"], "has no parameter"),
        (["--tasks", "nosuchtask"], "unknown task"),
        (["--compressors", "nosuchcompressor"], "unknown compressor"),
        (["--limit", "0"], "positive"),
        (["--device", "tpu"], "unknown device"),
    ],
)
def test_bad_input_is_one_line_exit_2(argv, needle, tmp_path, capsys):
    from harness.cli import main

    code = main(["run", "--quiet", "--no-stats", "--train-steps", "1", "--output", str(tmp_path / "out"), *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert needle in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists()  # validated before any work


def test_cuda_without_gpu_is_a_user_error(tmp_path, capsys):
    import torch

    from harness.cli import main

    if torch.cuda.is_available():
        pytest.skip("a GPU is visible")
    assert main(["run", *ARGS, "--device", "cuda", "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "no CUDA GPU" in err and len(err.strip().splitlines()) == 1


def test_leaderboard_command_formats(reference, capsys):
    from harness.cli import main

    out, _ = reference
    for fmt, needle in (
        ("markdown", "| task"),
        ("latex", "\\toprule"),
        ("csv", "task,compressor"),
        ("html", "<table"),
        ("json", '"attention_reduction"'),
    ):
        assert main(["leaderboard", str(out), "--format", fmt]) == 0
        assert needle in capsys.readouterr().out
    assert main(["leaderboard", str(out / "missing")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_no_finetune_reads_compressed_input_with_the_raw_trained_model(tmp_path):
    """--no-finetune: the lossy cell trains nothing; it is evaluated with raw's checkpoint and says so."""
    out = tmp_path / "nf"
    args = (
        ARGS[: ARGS.index("--compressors")]
        + ["--compressors", "truncate@rate=0.6", "--no-finetune", "truncate@rate=0.6"]
        + ARGS[ARGS.index("--model") :]
    )
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "run", *args, "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    records = read_records(out / "records.jsonl")
    by_compressor = {}
    for r in records:
        by_compressor.setdefault(r["compressor"], []).append(r)
    # raw joins the grid by itself: the raw-trained cell needs its checkpoint
    assert set(by_compressor) == {"raw", "truncate@rate=0.6"}
    assert {r["trained_on"] for r in by_compressor["raw"]} == {"self"}
    assert {r["trained_on"] for r in by_compressor["truncate@rate=0.6"]} == {"raw"}
    assert len(list((out / "checkpoints").iterdir())) == 1  # only raw was trained
    truncated = by_compressor["truncate@rate=0.6"]
    assert all(r["input_tokens"] < r["raw_tokens"] and r["target_tokens"] == r["compressed_tokens"] for r in truncated)
    rows = json.loads((out / "leaderboard.json").read_text())
    lossy = next(r for r in rows if r["compressor"] == "truncate@rate=0.6")
    assert lossy["trained_on"] == "raw" and lossy["rate_adherence"] == pytest.approx(1.0)
    assert "raw-trained model" in (out / "leaderboard.md").read_text()


def test_no_finetune_must_name_a_compressor_of_the_run(tmp_path, capsys):
    from harness.cli import main

    code = main(["run", *ARGS, "--no-finetune", "truncate@rate=0.5", "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "--no-finetune" in err and len(err.strip().splitlines()) == 1, err
