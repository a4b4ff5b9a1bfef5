"""``from harness import evaluate``: the Python entry point a notebook uses, and the one the ``run`` command calls."""

from __future__ import annotations

import json

import pytest

from harness.core.errors import HarnessError

SMALL = dict(
    tasks=["recall@records=3"],
    compressors=["raw", "ltsc"],
    model="tiny@d_model=32,layers=1,heads=2",
    train=dict(steps=4),
    train_examples=16,
    test_examples=12,
    eval_batch=12,
    progress=False,
)


def test_evaluate_runs_a_grid_and_returns_a_dataframe(tmp_path):
    import pandas as pd

    from harness import Results, evaluate

    notes: list[str] = []
    results = evaluate(**SMALL, output=tmp_path / "run", notify=notes.append)
    assert isinstance(results, Results) and results.output_dir == tmp_path / "run"
    board = results.leaderboard
    assert isinstance(board, pd.DataFrame) and list(board["compressor"]) == ["raw", "ltsc"]
    assert list(board["n"]) == [12, 12] and board["accuracy"].between(0, 1).all()
    # model-free, so pinned: the codec on these 12 prompts (cl100k_base)
    assert board.loc[board["compressor"] == "ltsc", "length_reduction"].item() == pytest.approx(0.1159070614, abs=1e-9)
    assert len(results.records) == 24 and {r["cell"] for r in results.records} == set(board["cell"])
    assert results.config.train.steps == 4 and results.stats is None
    assert notes == [f"output in {tmp_path / 'run'}"]
    on_disk = (tmp_path / "run" / "leaderboard.md").read_text()
    assert on_disk == results.table + "\n"
    (entry,) = json.loads((tmp_path / "run" / "run_meta.json").read_text())["invocations"]
    assert entry["command"].startswith(
        "python: harness.evaluate(tasks=['recall@records=3'], compressors=['raw', 'ltsc']"
    )
    assert "train={'steps': 4}" in entry["command"]
    again = evaluate(**SMALL, output=tmp_path / "run", notify=None)  # resumes: nothing new to compute
    assert again.rows == results.rows and len(again.records) == 24
    assert len((tmp_path / "run" / "records.jsonl").read_text().splitlines()) == 24


def test_evaluate_refuses_bad_options_before_any_output(tmp_path):
    from harness import evaluate

    with pytest.raises(HarnessError, match="evaluate\\(\\) has no option 'stepz'"):
        evaluate(**SMALL, output=tmp_path / "a", stepz=3)
    with pytest.raises(HarnessError, match="train must be a TrainConfig or a dict of its fields"):
        evaluate(**{**SMALL, "train": 5}, output=tmp_path / "t")
    with pytest.raises(HarnessError, match="train has no field 'step'"):
        evaluate(**{**SMALL, "train": {"step": 3}}, output=tmp_path / "b")
    with pytest.raises(HarnessError, match="unknown compressor 'nope'"):
        evaluate(**{**SMALL, "compressors": ["raw", "nope"]}, output=tmp_path / "c")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_nothing_named_is_the_default_suite():
    from harness.api import configure, default_output
    from harness.engine.suite import suite_config

    cfg, suite = configure()
    assert suite and cfg == suite_config() and str(default_output(cfg, suite)) == "runs/default-suite"
    cfg, suite = configure(tasks="recall", seed=3)
    assert not suite and cfg.tasks == ["recall"] and cfg.seed == 3
    assert str(default_output(cfg, suite)).startswith("runs/run-")
