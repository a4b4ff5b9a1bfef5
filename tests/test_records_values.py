"""Records with impossible values (hand-edited lengths, scores) are rejected with file:line, in runs and published
folders alike; before, a hand-edited input_tokens gave a length reduction of -145,348,795.6%."""

from __future__ import annotations

import gzip
import json

import pytest

from harness.cli import main


def _record(**changes) -> dict:
    rec = {
        "cell": "c1",
        "comparison": "k",
        "example_id": "e0",
        "task": "recall",
        "compressor": "ltsc",
        "model": "tiny",
        "tokenizer": "cl100k_base",
        "correct": True,
        "score": 1.0,
        "input_tokens": 6,
        "raw_tokens": 10,
        "compressed_tokens": 6,
        "dictionary_tokens": 2,
        "dictionary_entries": 1,
        "target_tokens": None,
        "attention_n2": 36,
        "raw_attention_n2": 100,
        "seed": 0,
        "train_steps": 1,
        "target": "a",
        "config": {},
    }
    rec.update(changes)
    return rec


IMPOSSIBLE = [
    (dict(input_tokens=-3, attention_n2=9), "input_tokens is negative (-3)"),
    (
        dict(input_tokens=145_348_800),
        "attention_n2 (36) is not the square of its length (145348800): the lengths were edited",
    ),
    (dict(raw_tokens=0, raw_attention_n2=0), "raw_tokens must be at least 1, got 0"),
    (dict(dictionary_tokens=7), "dictionary_tokens (7) exceeds input_tokens (6)"),
    (dict(compressed_tokens=-1), "compressed_tokens is negative (-1)"),
    (dict(raw_attention_n2=99), "raw_attention_n2 (99) is not the square of its length (10): the lengths were edited"),
    (dict(score=1.5), "score 1.5 lies outside [0, 1]"),
]


@pytest.mark.parametrize("published", [False, True], ids=["run", "published"])
@pytest.mark.parametrize("change,problem", IMPOSSIBLE, ids=[p for _, p in IMPOSSIBLE])
def test_impossible_values_are_rejected_with_file_and_line(tmp_path, capsys, change, problem, published):
    lines = [_record(), _record(example_id="e1", **change)]
    payload = "".join(json.dumps(r) + "\n" for r in lines)
    name = "records.jsonl.gz" if published else "records.jsonl"
    if published:
        (tmp_path / name).write_bytes(gzip.compress(payload.encode()))
    else:
        (tmp_path / name).write_text(payload)
    assert main(["leaderboard", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / name}:2: corrupt record: {problem}; fix or delete that line" in err, err
    assert len(err.strip().splitlines()) == 1


def test_consistent_records_with_and_without_optional_fields_are_read(tmp_path, capsys):
    minimal = {
        k: v
        for k, v in _record(example_id="e1").items()
        if k not in ("attention_n2", "raw_attention_n2", "dictionary_tokens", "compressed_tokens")
    }
    (tmp_path / "records.jsonl").write_text(json.dumps(_record()) + "\n" + json.dumps(minimal) + "\n")
    assert main(["leaderboard", str(tmp_path), "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["n"] == 2 and row["length_reduction"] == pytest.approx(0.4)
