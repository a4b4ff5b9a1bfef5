"""Where lm-eval results find their ``ltsc-hf`` request log, and paths given twice to ``lm-eval-results``; on
hand-made lm-eval output folders (no lm-eval, no model): the log is named relative to the output folder, read only
from inside the folder being read (never a copy's original, never the working directory), and a folder or results
file given twice is read once, with a note."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.core.errors import HarnessError

TASK, STAMP, RUN, N = "ltsc_recall", "2025-01-01T00-00-00.000000", "20250101T000000-abc", 5
MODEL_DIR = "ltsc-hf__m"  # lm-eval writes results into a folder per model under --output_path
LOG = "ltsc_requests.jsonl"


def log_entries(run: str = RUN, raw: int = 10, comp: int = 6) -> list[dict]:
    return [
        {
            "run": run,
            "task": TASK,
            "doc_id": i,
            "raw_tokens": raw,
            "input_tokens": comp,
            "dictionary_entries": 1,
            "dictionary_tokens": 2,
            "changed": True,
            "target_tokens": None,
            "round_trip_ok": True,
            "codec_seconds": 0.001,
        }
        for i in range(N)
    ]


def write_log(path: Path, entries: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    return path


def lm_eval_output(out: Path, log_ref, log_at: str | None = LOG, entries=None) -> Path:
    """An lm-eval ``--output_path`` as ``ltsc-bench lm-eval`` leaves it: ``MODEL_DIR/results_*.json`` naming the log
    ``log_ref``, ``N`` samples (3 right), and the request log at ``out/log_at`` (None: no log)."""
    folder = out / MODEL_DIR
    folder.mkdir(parents=True)
    info = {
        "compressor": "ltsc",
        "compressor_label": "ltsc",
        "compressor_params": {},
        "lossless": True,
        "scope": "prompt",
        "tokenizer": "hf:m",
        "log": log_ref,
        "run": RUN,
        "architecture": {"params": 1000, "layers": 2, "d_model": 32},
    }
    res = {
        "results": {TASK: {"alias": TASK, "exact_match,none": 0.6, "exact_match_stderr,none": 0.2}},
        "n-shot": {TASK: 0},
        "config": {"model": "ltsc-hf", "model_args": "pretrained=m", "limit": N, "random_seed": 0, "ltsc_bench": info},
    }
    (folder / f"results_{STAMP}.json").write_text(json.dumps(res))
    samples = [
        {
            "doc_id": i,
            "doc": {"question": f"q{i}"},
            "target": "a",
            "filtered_resps": ["a" if i < 3 else "b"],
            "exact_match": 1.0 if i < 3 else 0.0,
        }
        for i in range(N)
    ]
    (folder / f"samples_{TASK}_{STAMP}.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples))
    if log_at is not None:
        write_log(out / log_at, log_entries() if entries is None else entries)
    return out


def lengths(records: list[dict]) -> set[tuple[int, int]]:
    return {(r["input_tokens"], r["raw_tokens"]) for r in records}


# -- finding 1: the log is named relative to the output folder, never by an absolute path ---------------------------
def test_log_reference_is_relative_to_the_output_folder(tmp_path):
    from harness.interop.lm_eval_results import log_reference

    out = tmp_path / "lm_out"
    assert log_reference(out / LOG, out) == LOG
    assert log_reference(out / "logs" / "req.jsonl", out) == "logs/req.jsonl"
    assert log_reference(tmp_path / "cache" / "requests.jsonl", out) == "requests.jsonl"  # outside: its name only
    assert log_reference(tmp_path / "cache" / "requests.jsonl", None) == "requests.jsonl"  # no output folder known
    assert log_reference(Path("lm_out") / LOG, Path("lm_out")) == LOG  # relative paths as given
    for ref in (log_reference(out / LOG, out), log_reference(tmp_path / "x.jsonl", out)):
        assert not Path(ref).is_absolute() and str(tmp_path) not in ref


def test_the_output_folder_of_an_output_path():
    """What ``ltsc-bench lm-eval`` passes the wrapper (``LTSC_LM_EVAL_OUTPUT``); the results of a real run name the
    log ``ltsc_requests.jsonl`` (test_lm_eval_interop.test_lm_eval_runs_the_exported_tasks)."""
    from harness.interop.lm_eval_cli import output_dir

    assert output_dir("out") == Path("out") and output_dir("out/r.json") == Path("out")


# -- finding 2: the log is read from inside the folder being read ------------------------------------------------
def test_a_relative_log_is_read_relative_to_the_results_folder_not_the_working_directory(tmp_path, monkeypatch):
    from harness.interop.lm_eval_results import read_lm_eval

    out = lm_eval_output(tmp_path / "lm_out", "logs/req.jsonl", log_at="logs/req.jsonl")
    decoy = tmp_path / "elsewhere"
    write_log(decoy / "logs" / "req.jsonl", log_entries(raw=99, comp=1))  # same run, other figures
    monkeypatch.chdir(decoy)
    records = read_lm_eval([out])
    assert len(records) == N and lengths(records) == {(6, 10)}
    assert sum(r["correct"] for r in records) == 3
    assert {r["attention_n2"] for r in records} == {36} and {r["raw_attention_n2"] for r in records} == {100}


def test_a_plain_log_name_is_not_taken_from_the_working_directory(tmp_path, monkeypatch):
    from harness.interop.lm_eval_results import read_lm_eval

    out = lm_eval_output(tmp_path / "lm_out", LOG)
    decoy = tmp_path / "elsewhere"
    write_log(decoy / LOG, log_entries(raw=99, comp=1))
    monkeypatch.chdir(decoy)
    assert lengths(read_lm_eval([out])) == {(6, 10)}


def test_an_absolute_log_of_an_older_version_is_used_inside_the_folder(tmp_path):
    from harness.interop.lm_eval_results import read_lm_eval

    out = tmp_path / "lm_out"
    lm_eval_output(out, str((out / LOG).resolve()))
    assert lengths(read_lm_eval([out])) == {(6, 10)}
    sub = tmp_path / "sub_out"  # an older absolute path into a subfolder of the output folder
    lm_eval_output(sub, str((sub / "logs" / "x.jsonl").resolve()), log_at="logs/x.jsonl")
    assert lengths(read_lm_eval([sub])) == {(6, 10)}


def test_a_copied_folder_without_its_log_never_reads_the_originals(tmp_path):
    from harness.interop.lm_eval_results import read_lm_eval

    orig = tmp_path / "orig"
    lm_eval_output(orig, str((orig / LOG).resolve()))  # as an older version wrote it: an absolute path
    copy = tmp_path / "copy"
    shutil.copytree(orig / MODEL_DIR, copy / MODEL_DIR)  # results and samples, not the log
    with pytest.raises(HarnessError) as err:
        read_lm_eval([copy])
    msg = str(err.value)
    assert "\n" not in msg and f"request log {LOG} is not in {copy}" in msg and "copy" in msg.split(";")[-1]
    assert lengths(read_lm_eval([orig])) == {(6, 10)}  # the original still reads


def test_a_copied_folder_with_its_own_log_reads_its_own(tmp_path):
    from harness.interop.lm_eval_results import read_lm_eval

    orig = tmp_path / "orig"
    lm_eval_output(orig, str((orig / LOG).resolve()))
    copy = tmp_path / "copy"
    shutil.copytree(orig / MODEL_DIR, copy / MODEL_DIR)
    write_log(copy / LOG, log_entries(raw=12, comp=3))
    assert lengths(read_lm_eval([copy])) == {(3, 12)}
    assert lengths(read_lm_eval([copy / MODEL_DIR / f"results_{STAMP}.json"])) == {(3, 12)}  # the file alone too


def test_the_log_next_to_the_results_file_counts(tmp_path):
    from harness.interop.lm_eval_results import read_lm_eval

    out = lm_eval_output(tmp_path / "lm_out", "/somewhere/else/ltsc_requests.jsonl", log_at=f"{MODEL_DIR}/{LOG}")
    assert lengths(read_lm_eval([out])) == {(6, 10)}


def test_a_log_path_leaving_the_folder_is_not_followed(tmp_path):
    from harness.interop.lm_eval_results import read_lm_eval

    out = lm_eval_output(tmp_path / "a" / "lm_out", "../../shared/x.jsonl", log_at=None)
    write_log(tmp_path / "shared" / "x.jsonl", log_entries())
    with pytest.raises(HarnessError, match="request log x.jsonl is not in"):
        read_lm_eval([out])


def test_a_log_of_another_run_is_refused_in_one_line(tmp_path):
    from harness.interop.lm_eval_results import read_lm_eval

    out = lm_eval_output(tmp_path / "lm_out", LOG, entries=log_entries(run="another-run"))
    with pytest.raises(HarnessError) as err:
        read_lm_eval([out])
    assert "\n" not in str(err.value) and f"holds no request of run {RUN}" in str(err.value)


def test_a_missing_log_fails_the_cli_in_one_line(tmp_path, capsys):
    from harness.cli import main

    out = lm_eval_output(tmp_path / "lm_out", LOG, log_at=None)
    assert main(["lm-eval-results", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"request log {LOG} is not in {out}" in err


# -- finding 3: a folder or results file given twice is read once, with a note -----------------------------------
def run_cli(capsys, *paths) -> tuple[list[dict], list[str]]:
    from harness.cli import main

    capsys.readouterr()
    assert main(["lm-eval-results", *map(str, paths), "--format", "json"]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), [line for line in captured.err.splitlines() if line.strip()]


def test_a_folder_given_twice_is_counted_once(tmp_path, capsys, monkeypatch):
    out = lm_eval_output(tmp_path / "lm_out", LOG)
    monkeypatch.chdir(tmp_path)
    rows, notes = run_cli(capsys, out, f"{out}/", "./lm_out", "lm_out")
    assert len(rows) == 1 and rows[0]["n"] == N and rows[0]["accuracy"] == 0.6
    assert len(notes) == 3 and all("already read from" in n and "never counted twice" in n for n in notes)
    assert notes[0] == f"ltsc-bench: {out}/: already read from {out}; ignored, never counted twice"


def test_a_results_file_given_twice_or_inside_a_given_folder_is_counted_once(tmp_path, capsys):
    out = lm_eval_output(tmp_path / "lm_out", LOG)
    results = out / MODEL_DIR / f"results_{STAMP}.json"
    rows, notes = run_cli(capsys, results, results)
    assert [r["n"] for r in rows] == [N] and len(notes) == 1 and "never counted twice" in notes[0]
    rows, notes = run_cli(capsys, out, results)
    assert [r["n"] for r in rows] == [N] and notes == [
        f"ltsc-bench: {results}: already read from {out}; ignored, never counted twice"
    ]


def test_a_copy_of_a_folder_is_counted_once_as_the_leaderboard_does(tmp_path, capsys):
    out = lm_eval_output(tmp_path / "lm_out", LOG)
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    rows, notes = run_cli(capsys, out, copy)
    assert [r["n"] for r in rows] == [N]
    assert len(notes) == 1 and f"{N} duplicate records (cell and example already read from" in notes[0]


def test_distinct_folders_are_all_read_without_a_note(tmp_path, capsys):
    a = lm_eval_output(tmp_path / "a", LOG)
    b = tmp_path / "b"
    lm_eval_output(b, LOG)
    res = next((b / MODEL_DIR).glob("results_*.json"))
    data = json.loads(res.read_text())
    data["config"]["limit"] = 4  # another configuration: another cell
    res.write_text(json.dumps(data))
    rows, notes = run_cli(capsys, a, b)
    assert sorted(r["n"] for r in rows) == [N, N] and notes == []


def test_a_run_directory_given_twice_is_counted_once(tmp_path, capsys):
    from harness.interop.lm_eval_results import read_lm_eval

    out = lm_eval_output(tmp_path / "lm_out", LOG)
    run = tmp_path / "run"
    run.mkdir()
    (run / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in read_lm_eval([out])))
    rows, notes = run_cli(capsys, run, f"{run}/")
    assert [r["n"] for r in rows] == [N]
    assert notes == [f"ltsc-bench: {run}/: already read from {run}; ignored, never counted twice"]


def test_read_lm_eval_reads_a_results_file_once(tmp_path):
    from harness.interop.lm_eval_results import read_lm_eval

    out = lm_eval_output(tmp_path / "lm_out", LOG)
    notes = []
    assert len(read_lm_eval([out, out, out / MODEL_DIR], notify=notes.append)) == N
    assert len(notes) == 2
