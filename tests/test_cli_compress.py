"""``ltsc-bench compress``: the JSON report and one-line errors for bad input."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli

CODE = "".join(f"def f{i}(x, y):\n    return x + y * {i}\n\n" for i in range(30))
CL100K_VOCAB = 100277
FIELDS = {"tokens_in", "tokens_out", "reduction", "attention_reduction", "dictionary_entries", "seconds", "lossless"}


def assert_one_line_error(proc, *needles):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize("compressor", ["ltsc", "ltsc-opt@max_len=8"])
def test_json_report(tmp_path, compressor):
    path = tmp_path / "code.py"
    path.write_text(CODE)
    proc = run_cli("compress", str(path), "--tokenizer", "cl100k_base", "--compressor", compressor, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert FIELDS <= set(report)
    assert report["lossless"] is True
    assert 0 < report["tokens_out"] < report["tokens_in"]
    assert report["reduction"] == pytest.approx(1 - report["tokens_out"] / report["tokens_in"])
    assert report["attention_reduction"] == pytest.approx(1 - (report["tokens_out"] / report["tokens_in"]) ** 2)
    assert report["dictionary_entries"] > 0 and report["seconds"] >= 0
    assert report["compressor"].startswith(compressor.split("@")[0] + "@")


def test_stdin_ids_and_print_ids():
    ids = [5, 6, 7, 8, 9] * 6
    proc = run_cli("compress", "-", "--ids", "--compressor", "ltsc", "--json", "--print-ids", stdin=json.dumps(ids))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["tokens_in"] == 30 and report["ids"][0] == CL100K_VOCAB and report["lossless"] is True


def test_unchanged_input_reported():
    proc = run_cli("compress", "--ids", "--json", stdin="1 2 3")
    report = json.loads(proc.stdout)
    assert report["changed"] is False and report["reduction"] == 0 and report["tokens_out"] == 3


@pytest.mark.parametrize("bad", [CL100K_VOCAB, CL100K_VOCAB + 2, -1])
def test_ids_out_of_range_or_colliding_with_meta_tokens(bad):
    proc = run_cli("compress", "--ids", "--compressor", "ltsc", "--json", stdin=f"[1, 2, {bad}]")
    assert_one_line_error(proc, f"token id {bad} at position 2", "outside the tokenizer's range")


def test_unknown_tokenizer_lists_valid_names():
    assert_one_line_error(
        run_cli("compress", "--tokenizer", "cl100k", stdin="x"), "unknown tokenizer", "cl100k_base", "gpt2"
    )


def test_unknown_compressor_lists_valid_names():
    assert_one_line_error(
        run_cli("compress", "--compressor", "ltsc-best", stdin="x"), "unknown compressor", "ltsc-opt", "raw"
    )


def test_bad_parameter():
    assert_one_line_error(
        run_cli("compress", "--compressor", "ltsc@max_len=1", stdin="x"), "max_len must be", ">= 2", "got 1"
    )


def test_resource_parameters_are_bounded():
    """pool_size beyond the bound is one line (it was a MemoryError); a huge max_len is capped at the input."""
    assert_one_line_error(
        run_cli("compress", "--compressor", "ltsc@pool_size=1e9", stdin="x"), "pool_size must be", "1000000000"
    )
    proc = run_cli("compress", "--ids", "--json", "--compressor", "ltsc@max_len=1e8", stdin=json.dumps([5, 6, 7] * 8))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["lossless"] is True and report["tokens_out"] < 24 and report["seconds"] < 1


def test_unreadable_files(tmp_path):
    assert_one_line_error(run_cli("compress", str(tmp_path / "missing.txt")), "cannot read input file")
    assert_one_line_error(run_cli("compress", str(tmp_path)), "cannot read input file")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    assert_one_line_error(run_cli("compress", str(binary)), "cannot read input file")


def test_malformed_ids():
    assert_one_line_error(run_cli("compress", "--ids", stdin='[1, 2, "x"]'), "JSON list of integers")


def test_list_compressors_json():
    proc = run_cli("list", "compressors", "--format", "json")
    rows = {row["name"]: row for row in json.loads(proc.stdout)}
    assert {"ltsc", "ltsc-opt", "delta-ltsc"} <= set(rows)
    assert rows["ltsc"]["lossless"] is True and "max_len" in rows["ltsc"]["parameters"]
