"""Hardening round 2, findings 2-4: counts capped at what a task supplies (no endless generation), no partial
files, options checked before any output, and files the user did not name left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.core.errors import HarnessError

HUGE = "100000000"
#: a tiny run (seconds on one core): the hardening tests' own grid
RUN = [
    "run",
    "--quiet",
    "--no-stats",
    "--tasks",
    "recall@records=3",
    "--compressors",
    "raw",
    "--model",
    "tiny@d_model=16,layers=1,heads=2",
    "--train-steps",
    "1",
    "--train-examples",
    "8",
    "--limit",
    "2",
    "--device",
    "cpu",
    "--threads",
    "1",
]


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def small_cap(monkeypatch):
    """Generated tasks supply 40 train / 30 test examples (the real cap, 1,000,000 / 100,000, takes minutes)."""
    from harness.tasks import base

    monkeypatch.setitem(base.GENERATED_MAX, "train", 40)
    monkeypatch.setitem(base.GENERATED_MAX, "test", 30)
    return base.GENERATED_MAX


def plant(directory: Path) -> dict[str, bytes]:
    """The user's own files in ``directory``: a note and a subfolder with a file."""
    (directory / "mine").mkdir(parents=True, exist_ok=True)
    files = {"notes.txt": b"my notes\n", "mine/data.bin": b"\x00\x01keep"}
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return files


def survived(directory: Path, files: dict[str, bytes]) -> bool:
    return all((directory / name).read_bytes() == data for name, data in files.items())


def leftovers(directory: Path) -> list[str]:
    """Temporary files or folders of ours left in ``directory`` (or next to it)."""
    return sorted(
        p.name
        for p in [*directory.iterdir(), *directory.parent.iterdir()]
        if ".tmp" in p.name or p.name.startswith(".ltsc-")
    )


# -- finding 2: counts capped at what a task supplies ------------------------------------------------------------
def test_generated_tasks_declare_their_cap():
    from harness.tasks import build_task
    from harness.tasks.base import GENERATED_MAX

    assert GENERATED_MAX == {"train": 1_000_000, "test": 100_000}
    for spec in ("tree", "recall", "path_recall", "tree@stage=small", "recall@by=id"):
        task = build_task(spec)
        assert task.cap("train") == 1_000_000 and task.cap("test") == 100_000 and task.available is None
    for spec in ("sql_extract", "log_extract"):
        assert build_task(spec).cap("test") is None  # a fixed pool bounds itself


@pytest.mark.parametrize("spec", ["tree@stage=small", "recall@records=3", "path_recall"])
def test_examples_never_exceed_the_cap(small_cap, spec):
    from harness.tasks import build_task

    task = build_task(spec)
    assert len(task.examples("test", 10**8, 0)) == 30 and len(task.examples("train", 10**8, 0)) == 40
    assert len(task.examples("test", 7, 0)) == 7
    assert task.examples("test", 10**8, 0) == task.examples("test", 30, 0)  # the capped draw is the usual prefix


def test_generation_shows_progress(small_cap, monkeypatch, capsys):
    from harness.tasks import base, build_task

    monkeypatch.setattr(base, "PROGRESS_FROM", 20)
    task = build_task("recall@records=3")
    task.examples("train", 10**8, 0, progress=True)
    err = capsys.readouterr().err
    assert "generate recall train: 10/40" in err and "generate recall train: 40/40 (100%" in err, err
    task.examples("train", 10, 0, progress=True)  # below PROGRESS_FROM: silent
    task.examples("train", 10**8, 0)  # progress not asked for: silent
    assert capsys.readouterr().err == ""


def test_stats_huge_limit_is_capped_with_one_note(small_cap, capsys):
    assert (
        main(
            [
                "stats",
                "--tasks",
                "recall@records=3",
                "--compressors",
                "raw",
                "--limit",
                HUGE,
                "--format",
                "json",
                "--no-progress",
            ]
        )
        == 0
    )
    out = capsys.readouterr()
    assert json.loads(out.out)[0]["examples"] == 30
    assert one_line(out.err) == (
        "ltsc-bench: task recall@records=3 supplies at most 30 test examples per seed (the "
        "declared cap of a generated task); --limit 100,000,000 is capped to 30"
    )


def test_stats_limit_above_a_datasets_pool_is_noted(capsys):
    from harness.tasks import build_task

    pool = build_task("sql_extract").available()["test"]
    assert (
        main(
            [
                "stats",
                "--tasks",
                "sql_extract",
                "--compressors",
                "raw",
                "--limit",
                HUGE,
                "--format",
                "json",
                "--no-progress",
            ]
        )
        == 0
    )
    out = capsys.readouterr()
    assert json.loads(out.out)[0]["examples"] == pool
    assert one_line(out.err) == (
        f"ltsc-bench: task sql_extract supplies at most {pool} test examples (all its data "
        f"holds); --limit 100,000,000 is capped to {pool}"
    )


def export(directory: Path, *argv: str) -> int:
    return main(["export-lm-eval", str(directory), "--no-progress", *argv])


def test_export_huge_limit_is_capped_with_one_note(small_cap, tmp_path, capsys):
    assert export(tmp_path / "x", "--tasks", "recall@records=3", "--limit", HUGE) == 0
    out = capsys.readouterr()
    assert "ltsc_recall_records_3: 30 examples" in out.out
    assert one_line(out.err).startswith("ltsc-bench: task recall@records=3 supplies at most 30 test examples")
    assert len((tmp_path / "x" / "ltsc_recall_records_3.jsonl").read_text().splitlines()) == 30


# -- findings 2 and 4: nothing partial, and the user's own files untouched, on success and on failure ------------
def test_export_keeps_the_users_files_and_replaces_only_its_own(tmp_path, capsys):
    out = tmp_path / "tasks"
    mine = plant(out)
    (out / "utils.py").write_text("old")
    assert export(out, "--tasks", "recall@records=3", "tree@stage=small", "--limit", "3") == 0
    assert survived(out, mine) and leftovers(out) == []
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "notes.txt",
            "mine",
            "utils.py",
            "ltsc_recall_records_3.jsonl",
            "ltsc_recall_records_3.yaml",
            "ltsc_tree_stage_small.jsonl",
            "ltsc_tree_stage_small.yaml",
        ]
    )
    assert (out / "utils.py").read_text() != "old"


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, OSError])
def test_export_failing_part_way_leaves_nothing_partial(tmp_path, monkeypatch, capsys, interrupt):
    """The second task fails while its split is drawn (or the disk fails while writing): no utils.py, YAML or
    JSON-lines file of this export appears, and the user's files stay as they were."""
    from harness.interop import lm_eval_tasks

    out = tmp_path / "tasks"
    mine = plant(out)
    if interrupt is KeyboardInterrupt:
        from harness.tasks.base import Task

        real = Task.examples

        def examples(self, split="test", n=None, seed=42, **kw):
            if self.name == "tree":
                raise KeyboardInterrupt
            return real(self, split, n, seed, **kw)

        monkeypatch.setattr(Task, "examples", examples)
        assert export(out, "--tasks", "recall@records=3", "tree@stage=small", "--limit", "3") == 130
    else:

        def full(*_):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(lm_eval_tasks, "_yaml", full)
        assert export(out, "--tasks", "recall@records=3", "--limit", "3") == 2
        assert one_line(capsys.readouterr().err) == (
            f"ltsc-bench: error: cannot write into {out} (No space left on "
            "device); free space or pass a writable directory, then rerun"
        )
    assert sorted(p.name for p in out.iterdir()) == ["mine", "notes.txt"] and survived(out, mine)


def test_export_into_a_new_folder_that_fails_leaves_no_folder(tmp_path, monkeypatch):
    from harness.interop import lm_eval_tasks

    def boom(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(lm_eval_tasks, "_yaml", boom)  # interrupted while writing (Ctrl-C)
    assert export(tmp_path / "new" / "tasks", "--tasks", "recall@records=3", "--limit", "3") == 130
    assert list(tmp_path.iterdir()) == []


def test_export_removes_the_staging_folder_of_a_killed_export(tmp_path):
    out = tmp_path / "tasks"
    stale = out / ".ltsc-export.tmp999999999"  # no such process
    stale.mkdir(parents=True)
    (stale / "utils.py").write_text("half")
    assert export(out, "--tasks", "recall@records=3", "--limit", "2") == 0
    assert not stale.exists() and leftovers(out) == []


def test_run_huge_counts_are_capped_with_notes(small_cap, tmp_path, capsys):
    from harness.results.records import read_records

    out = tmp_path / "run"
    assert main([*RUN, "--limit", HUGE, "--train-examples", HUGE, "--output", str(out)]) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "supplies at most" in line]
    assert notes == [
        "ltsc-bench run: task recall@records=3 supplies at most 30 test examples per seed (the declared cap of a generated "
        "task); --limit 100,000,000 is capped to 30",
        "ltsc-bench run: task recall@records=3 supplies at most 40 train examples per seed (the declared cap of a "
        "generated task); --train-examples 100,000,000 is capped to 40",
    ], err
    assert err.index("supplies at most") < err.index("output in")  # said before anything is written
    assert len(read_records(out / "records.jsonl")) == 30 and ": 40 examples, 1 steps" in err


# -- finding 3: options that failed late, or with the wrong cause ----------------------------------------------
@pytest.mark.parametrize(
    "where, needle",
    [
        ("file", "--checkpoint-dir {f} is a file; pass a directory (it is created if missing)"),
        ("below", "--checkpoint-dir {f}/ckpts: {f} is a file; pass a directory (it is created if missing)"),
    ],
)
def test_checkpoint_dir_that_is_a_file_fails_at_once(where, needle, tmp_path, capsys):
    """Before: the run trained, then failed with 'free space and rerun', leaving .lock and run_config.json."""
    f = tmp_path / "ckpt-file"
    f.write_text("not a folder")
    value = str(f) if where == "file" else f"{f}/ckpts"
    out = tmp_path / "out"
    assert main([*RUN, "--output", str(out), "--checkpoint-dir", value]) == 2
    assert one_line(capsys.readouterr().err) == "ltsc-bench: error: " + needle.format(f=f)
    assert not out.exists() and f.read_text() == "not a folder"


def test_checkpoint_save_under_a_file_names_the_real_cause(tmp_path):
    from harness.engine import checkpoints

    class Model:
        def save(self, directory):
            Path(directory).mkdir()

    f = tmp_path / "file"
    f.write_text("")
    with pytest.raises(HarnessError) as err:
        checkpoints.save(Model(), f / "cell", "cell", {})
    assert str(err.value) == (
        f"cannot write checkpoint {f}/cell (Not a directory); pass a writable directory as "
        "--checkpoint-dir (or --output) and rerun the same command to resume"
    )


@pytest.mark.parametrize(
    "address",
    ["not an address", "10.0.0.1", "host:", ":6379", "host:70000", "10.0.0.1:63 79", "ray//10.0.0.1:10001", ""],
)
def test_bad_ray_address_fails_before_any_output(address, tmp_path, capsys):
    """Before: the output folder, its lock and run_config.json were written, then Ray refused the address."""
    out = tmp_path / "out"
    assert main([*RUN, "--output", str(out), "--backend", "ray", "--ray-address", address]) == 2
    err = one_line(capsys.readouterr().err)
    assert (
        f"--ray-address {address!r} is not a Ray address; pass HOST:PORT" in err
        if address
        else "--ray-address must be a non-empty string" in err
    ), err
    assert not out.exists()


@pytest.mark.parametrize(
    "address",
    [
        "auto",
        "local",
        "10.0.0.1:6379",
        "head-node.cluster.local:6379",
        "[::1]:6379",
        "ray://10.0.0.1:10001",
        "ray://head",
    ],
)
def test_good_ray_addresses_pass_the_syntax_check(address):
    from harness.backends.ray import ray_address

    assert ray_address(address) == address


def test_ray_join_failure_and_no_room_fail_before_any_output(tmp_path, capsys, monkeypatch):
    """Joining the cluster (or starting a local one) and checking a cell fits happen while the options are
    checked: a failure there leaves no output folder (before: after the lock and run_config.json)."""
    pytest.importorskip("ray")
    from harness.backends import ray as ray_backend

    calls = []

    def refuse(ray, config, options):
        calls.append(options.address)
        raise HarnessError("cannot start or join the Ray cluster at auto: no cluster; start one")

    monkeypatch.setattr(ray_backend, "connect", refuse)
    out = tmp_path / "out"
    assert main([*RUN, "--output", str(out), "--backend", "ray", "--ray-address", "auto"]) == 2
    assert one_line(capsys.readouterr().err).startswith("ltsc-bench: error: cannot start or join the Ray cluster")
    assert calls == ["auto"] and not out.exists()


def test_missing_task_data_fails_before_any_output(tmp_path, capsys):
    """Before: the output folder, .lock and run_config.json were written, then the cell could not read the data."""
    out = tmp_path / "out"
    argv = [*RUN, "--output", str(out), "--tasks", f"commitpackft@path={tmp_path}/missing.jsonl"]
    assert main(argv) == 2
    assert "cannot read CommitPackFT file" in one_line(capsys.readouterr().err)
    assert not out.exists()


def test_export_model_on_a_published_folder_names_the_real_cause(tmp_path, capsys):
    """Before: 'has no checkpoint ...; run `ltsc-bench run` for it first'."""
    from conftest import ROOT

    published = ROOT / "results" / "default-suite"
    source = json.loads((published / "publish.json").read_text())["source"]
    out = tmp_path / "exported"
    for which in (["--compressor", "ltsc@pool_size=32"], ["--cell", "0"]):
        assert main(["export-model", str(published), str(out), *which]) == 2
        assert one_line(capsys.readouterr().err) == (
            f"ltsc-bench: error: {published} is a published results folder, and published folders hold no "
            f"checkpoints; pass the --output directory of the run instead (publish.json names it: {source})"
        )
        assert not out.exists()


def test_run_output_keeps_the_users_files_on_success_and_failure(tmp_path, capsys):
    out = tmp_path / "out"
    mine = plant(out)
    assert main([*RUN, "--output", str(out)]) == 0
    assert survived(out, mine)
    f = tmp_path / "file"
    f.write_text("")
    assert main([*RUN, "--output", str(out), "--checkpoint-dir", str(f)]) == 2  # fails before writing anything
    assert main([*RUN, "--output", str(out), "--tasks", f"commitpackft@path={tmp_path}/missing.jsonl"]) == 2
    assert survived(out, mine) and leftovers(out) == []
