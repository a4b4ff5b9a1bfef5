"""`ltsc-bench publish`, the run's own provenance (run_meta.json), merged leaderboards, and `compare` on a real run."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.results.leaderboard import compute_rows, read_dir, render

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
    "8",
    "--quiet",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "run", *ARGS, "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def published(run_dir, tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("results") / "tiny-recall"
    assert main(["publish", str(run_dir), str(dest), "--note", "A smoke run."]) == 0
    return dest


def test_run_records_its_command_line_and_wall_time(run_dir):
    (entry,) = json.loads((run_dir / "run_meta.json").read_text())["invocations"]
    # the output directory lies outside the directory the run started from: no machine path is recorded
    assert entry["command"] == "ltsc-bench run " + " ".join(ARGS) + " --output '<abs>/run'"
    assert "cwd" not in entry and str(run_dir.parent) not in json.dumps(entry)
    assert entry["wall_seconds"] > 0 and entry["started_utc"] <= entry["finished_utc"]
    assert entry["packages"]["torch"] and entry["machine"]["cpu_count"] >= 1 and "git_commit" in entry


def test_published_folder_is_self_contained(run_dir, published):
    files = {p.name for p in published.iterdir()}
    assert {
        "README.md",
        "leaderboard.md",
        "leaderboard.csv",
        "leaderboard.tex",
        "leaderboard.json",
        "leaderboard.png",
        "records.jsonl.gz",
        "run_config.json",
        "run_meta.json",
    } <= files
    readme = (published / "README.md").read_text()
    command = json.loads((run_dir / "run_meta.json").read_text())["invocations"][0]["command"]
    for needle in (
        command,
        "git commit:",
        "packages: python",
        "wall time",
        "CPU cores",
        "GPU:",
        "A smoke run.",
        "![accuracy against attention-compute reduction](leaderboard.png)",
        "| recall",
    ):
        assert needle in readme, needle
    assert "\\toprule" in (published / "leaderboard.tex").read_text()
    assert (published / "leaderboard.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    records = read_dir(published)
    assert records == read_dir(run_dir)
    assert (published / "leaderboard.md").read_text() == render(compute_rows(records)) + "\n"


def test_published_tables_re_render_and_publishing_is_reproducible(run_dir, published, tmp_path, capsys):
    assert main(["leaderboard", str(published)]) == 0
    assert capsys.readouterr().out == (published / "leaderboard.md").read_text()
    again = tmp_path / "again"
    assert main(["publish", str(published), str(again)]) == 0  # a published folder publishes to the same tables
    for name in ("records.jsonl.gz", "leaderboard.md", "leaderboard.csv", "leaderboard.tex", "leaderboard.json"):
        assert (again / name).read_bytes() == (published / name).read_bytes(), name
    before = (published / "leaderboard.md").read_text()
    assert main(["publish", str(published), str(published)]) == 0  # in place: re-renders, keeps source and note
    readme = (published / "README.md").read_text()
    assert (published / "leaderboard.md").read_text() == before and "A smoke run." in readme
    info = json.loads((published / "publish.json").read_text())
    # the README cites the publication it re-renders and the command that re-rendered it, never a made-up one
    assert info["command"] == "ltsc-bench publish '<abs>/run' '<abs>/tiny-recall'" and info["rendered_utc"]
    assert f"with `{info['command']}`; re-rendered {info['rendered_utc']} with `ltsc-bench publish" in readme


def _plant(src: Path, dest: Path, edit) -> str:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("checkpoints"))
    records = [edit(r) for r in read_dir(src)]
    (dest / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(dest)


def test_compare_a_run_against_its_published_copy_and_planted_regressions(run_dir, published, tmp_path, capsys):
    assert main(["compare", str(published), str(run_dir)]) == 0
    assert "no regression in 2 cells" in capsys.readouterr().out
    ltsc = lambda r: r["compressor"] == "ltsc"  # noqa: E731
    better = _plant(run_dir, tmp_path / "better", lambda r: dict(r, correct=True, score=1.0) if ltsc(r) else r)
    plants = {
        "accuracy fell 100.0 pts": (better, str(run_dir)),
        "1 round-trip failure of a lossless compressor": (
            str(published),
            _plant(
                run_dir,
                tmp_path / "rt",
                lambda r: dict(r, round_trip_ok=False) if ltsc(r) and r["example_id"].endswith("-0") else r,
            ),
        ),
        "length reduction fell": (
            str(published),
            _plant(
                run_dir,
                tmp_path / "len",
                lambda r: dict(r, input_tokens=r["raw_tokens"], attention_n2=r["raw_attention_n2"]) if ltsc(r) else r,
            ),
        ),
    }
    for needle, (base, new) in plants.items():
        assert main(["compare", base, new]) == 1, needle
        out = capsys.readouterr().out
        assert needle in out and "REGRESSION" in out and "1 of 2 cells regressed" in out


def test_publish_bad_inputs_are_one_line_errors(run_dir, tmp_path, capsys):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    (tmp_path / "norecords").mkdir()
    for args, needle in (
        ([str(run_dir), str(tmp_path / "full")], "is not a published results folder"),
        ([str(tmp_path / "norecords"), str(tmp_path / "x")], "holds neither"),
        ([str(run_dir), str(run_dir)], "is the run directory itself"),
        ([str(tmp_path / "missing"), str(tmp_path / "y")], "is not a directory"),
    ):
        assert main(["publish", *args]) == 2
        err = capsys.readouterr().err
        assert needle in err and len(err.strip().splitlines()) == 1, err


def test_merged_leaderboard_counts_duplicates_once(run_dir, published, capsys):
    assert main(["leaderboard", str(run_dir), "--format", "json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert main(["leaderboard", str(run_dir), str(published), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == alone
    assert "48 duplicate records" in captured.err and "never counted twice" in captured.err


def _cell(name: str, steps: int, seed: int = 0) -> list[dict]:
    config = {"task": "recall", "seed": seed, "train": {"steps": steps, "lr": 0.01}}
    return [
        {
            "cell": f"{name}-{steps}-{seed}",
            "comparison": f"c{steps}{seed}",
            "example_id": str(i),
            "task": "recall",
            "compressor": name,
            "model": "tiny",
            "tokenizer": "cl100k_base",
            "seed": seed,
            "train_steps": steps,
            "input_tokens": 10,
            "raw_tokens": 10,
            "correct": bool(i % 2),
            "target": "a",
            "config": config,
        }
        for i in range(4)
    ]


def test_rows_differing_only_in_configuration_show_the_difference():
    plain = render(compute_rows(_cell("raw", 4) + _cell("ltsc", 4)))
    assert "configuration" not in plain.splitlines()[0]
    rows = compute_rows(_cell("raw", 4) + _cell("raw", 8) + _cell("raw", 8, seed=1) + _cell("ltsc", 4))
    table = render(rows)
    assert "configuration" in table.splitlines()[0]
    shown = {r["cell"]: r["config_diff"] for r in rows}
    assert shown == {
        "raw-4-0": "seed=0, train.steps=4",
        "raw-8-0": "seed=0, train.steps=8",
        "raw-8-1": "seed=1, train.steps=8",
        "ltsc-4-0": None,
    }
    assert "seed=1, train.steps=8" in table and "config_diff" in render(rows, "csv").splitlines()[0]


def test_gzip_records_are_written_without_a_timestamp(published):
    data = (published / "records.jsonl.gz").read_bytes()
    assert data[4:8] == b"\0\0\0\0" and gzip.decompress(data).count(b"\n") == 48


# -- hardening round 2: publish touches only what it was asked to write ------------------------------------


def _snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_publish_refuses_a_folder_published_from_another_run(run_dir, tmp_path, capsys):
    other = tmp_path / "runB"
    shutil.copytree(run_dir, other, ignore=shutil.ignore_patterns("checkpoints", ".lock"))
    dest = tmp_path / "pubA"
    assert main(["publish", str(run_dir), str(dest)]) == 0
    capsys.readouterr()
    before = _snapshot(dest)
    assert main(["publish", str(other), str(dest)]) == 2  # before: exit 0, runA's records replaced silently
    err = capsys.readouterr().err
    assert "was published from" in err and "--force" in err and len(err.strip().splitlines()) == 1, err
    assert _snapshot(dest) == before
    assert main(["publish", str(run_dir), str(dest)]) == 0  # the same run refreshes its own folder
    assert main(["publish", str(other), str(dest), "--force"]) == 0
    assert json.loads((dest / "publish.json").read_text())["source"] == "<abs>/runB"


def _hold_lock(directory: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom harness.records import RunLock\n"
            f"RunLock({str(directory)!r}).acquire()\nprint('held', flush=True)\ntime.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_publish_refuses_a_run_still_writing_or_marks_it_partial(run_dir, tmp_path, capsys):
    busy = tmp_path / "busy"
    shutil.copytree(run_dir, busy, ignore=shutil.ignore_patterns("checkpoints", ".lock"))
    dest = tmp_path / "results" / "busy"
    holder = _hold_lock(busy)
    try:
        assert main(["publish", str(busy), str(dest)]) == 2  # before: exit 0 with half the records
        err = capsys.readouterr().err
        assert f"is still being written by a run (PID {holder.pid})" in err and "--partial" in err, err
        assert not dest.exists() and not dest.parent.exists()
        assert main(["publish", str(busy), str(dest), "--partial"]) == 0
        assert "marked partial" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    from harness.results.publish import PARTIAL_NOTICE

    assert json.loads((dest / "publish.json").read_text())["partial"] is True
    assert (dest / "README.md").read_text().split("\n")[2] == PARTIAL_NOTICE
    assert main(["leaderboard", str(dest)]) == 0
    assert "is a partial publication" in capsys.readouterr().err
    assert main(["publish", str(busy), str(dest)]) == 0  # the finished run, published again: no longer partial
    assert json.loads((dest / "publish.json").read_text())["partial"] is False
    assert PARTIAL_NOTICE not in (dest / "README.md").read_text()


def test_publish_keeps_user_files_and_a_failure_changes_nothing(run_dir, tmp_path, monkeypatch, capsys):
    dest = tmp_path / "pub"
    assert main(["publish", str(run_dir), str(dest)]) == 0
    (dest / "notes.txt").write_text("mine")
    (dest / "mine").mkdir()
    (dest / "mine" / "data.csv").write_text("1,2\n")
    assert main(["publish", str(run_dir), str(dest), "--note", "again"]) == 0
    assert (dest / "notes.txt").read_text() == "mine" and (dest / "mine" / "data.csv").read_text() == "1,2\n"
    before = _snapshot(dest)

    def broken_plot(rows, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr("harness.results.plots.leaderboard_plot", broken_plot)
    assert main(["publish", str(run_dir), str(dest), "--note", "a third time"]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {dest}: the disk is full (writing leaderboard.png); nothing in {dest} was changed" in err, err
    assert _snapshot(dest) == before  # nothing half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pub"]  # no staging folder left behind


def test_published_provenance_names_no_directory_of_the_machine(run_dir, published):
    meta = json.loads((published / "run_meta.json").read_text())
    assert all("cwd" not in run for run in meta["invocations"])
    for name in ("README.md", "run_meta.json", "run_config.json", "publish.json", "leaderboard.json"):
        text = (published / name).read_text()
        assert str(run_dir.parent) not in text and str(published.parent) not in text, name
