"""benchmarks/identical_records.py: two runs are the same computation when every record field but the timings agrees."""

from __future__ import annotations

import importlib.util
import json

from conftest import ROOT

spec = importlib.util.spec_from_file_location("identical_records", ROOT / "benchmarks" / "identical_records.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def _run(folder, changes: dict | None = None, drop: str | None = None):
    folder.mkdir()
    rows = []
    for i in range(3):
        rec = {
            "cell": "c",
            "example_id": f"e{i}",
            "task": "recall",
            "compressor": "raw",
            "model": "tiny",
            "correct": True,
            "input_tokens": 5,
            "raw_tokens": 5,
            "prediction": "7",
            "prefill_seconds": 0.1 * i,
            "codec_seconds": 0.01,
        }
        if f"e{i}" != drop:
            rows.append({**rec, **(changes or {})} if i == 1 else rec)
    (folder / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(folder)


def test_timings_aside_identical_runs_pass_and_any_difference_fails(tmp_path, capsys):
    base = _run(tmp_path / "a")
    assert tool.main([base, _run(tmp_path / "b", {"prefill_seconds": 9.0, "codec_seconds": 3.0})]) == 0
    assert "differing fields (timings aside): none" in capsys.readouterr().out
    assert tool.main([base, _run(tmp_path / "c", {"prediction": "8", "correct": False})]) == 1
    assert "differing fields (timings aside): {'correct': 1, 'prediction': 1}" in capsys.readouterr().out
    assert tool.main([base, _run(tmp_path / "d", drop="e2")]) == 1
    assert "only in A: 1, only in B: 0" in capsys.readouterr().out
