"""End to end: ``ltsc-bench run`` fine-tunes a tiny model on ``ltsc`` input, ``export-model`` saves it, and lm-eval
evaluates the exported model through the ``ltsc-hf`` wrapper on the exported tasks: every prediction, and so the
accuracy, equals the run's own on the same examples; the merged leaderboard holds both.

The tokenizer is word-level over the words of the training split, so every id of the exported model was seen in
training and the exported model is tiny's network exactly (its ids permuted): greedy decoding and label scores agree.
"""

from __future__ import annotations

import json

import pytest
from test_lm_eval_helpers import one_torch_thread, task_texts, word_tokenizer

pytest.importorskip("lm_eval", reason='lm-eval is optional: pip install "lm-eval[hf]==0.4.13"')


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


TASKS = ["recall", "tree@stage=small"]
TRAIN, TEST = 200, 16


def test_run_export_and_lm_eval_agree(tmp_path, monkeypatch, capsys):
    from lm_eval.tasks import TaskManager

    from harness.cli import main
    from harness.interop.lm_eval_results import read_lm_eval

    init = TaskManager.__init__  # index only --include_path (see test_lm_eval_interop._isolate)
    monkeypatch.setattr(
        TaskManager,
        "__init__",
        lambda self, *a, include_defaults=False, **k: init(self, *a, include_defaults=include_defaults, **k),
    )
    monkeypatch.setenv("LTSC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LM_HARNESS_CACHE_PATH", raising=False)
    tok = word_tokenizer(tmp_path / "tok", task_texts(TASKS, "train", TRAIN))
    cells = [("recall", "ltsc@pool_size=8", "ltsc_recall"), ("tree@stage=small", "raw", "ltsc_tree_stage_small")]
    records = []
    for task, compressor, name in cells:  # one run per cell: only these two are trained
        assert (
            main(
                [
                    "run",
                    "--tasks",
                    task,
                    "--compressors",
                    compressor,
                    "--model",
                    "tiny@d_model=32,layers=1,heads=2",
                    "--tokenizer",
                    f"hf:{tok}",
                    "--train-steps",
                    "60",
                    "--train-examples",
                    str(TRAIN),
                    "--limit",
                    str(TEST),
                    "--lr",
                    "0.01",
                    "--prompt-loss",
                    "1",
                    "--device",
                    "cpu",
                    "--threads",
                    "1",
                    "--quiet",
                    "--output",
                    str(tmp_path / f"run-{name}"),
                ]
            )
            == 0
        )
        records += [json.loads(line) for line in (tmp_path / f"run-{name}" / "records.jsonl").read_text().splitlines()]
    checked = 0
    for task, compressor, name in cells:
        model = tmp_path / f"model-{name}"
        assert main(["export-model", str(tmp_path / f"run-{name}"), str(model), "--compressor", compressor]) == 0
        steps = json.loads((model / "ltsc_bench.json").read_text())["train"]
        tasks = tmp_path / f"tasks-{name}"
        assert (
            main(
                [
                    "export-lm-eval",
                    str(tasks),
                    "--tasks",
                    task,
                    "--limit",
                    str(TEST),
                    "--max-gen-toks",
                    str(steps["max_answer_tokens"] + 2),
                ]
            )
            == 0
        )  # as the run decodes
        out = tmp_path / f"lm-eval-{name}"
        assert (
            main(
                [
                    "lm-eval",
                    "--model",
                    "ltsc-hf",
                    "--model_args",
                    f"pretrained={model}",
                    "--device",
                    "cpu",
                    "--include_path",
                    str(tasks),
                    "--tasks",
                    name,
                    "--output_path",
                    str(out),
                    "--log_samples",
                ]
            )
            == 0
        )
        ours = {r["example_id"]: r for r in records if r["task"] == task and r["compressor"] == compressor}
        theirs = {r["example_id"]: r for r in read_lm_eval([out])}
        assert set(theirs) == set(ours) and len(ours) == TEST
        for key, r in ours.items():
            assert theirs[key]["prediction"].strip() == r["prediction"].strip(), key
            assert theirs[key]["correct"] == r["correct"]
            assert (theirs[key]["input_tokens"], theirs[key]["raw_tokens"]) == (r["input_tokens"], r["raw_tokens"])
        if compressor != "raw":
            assert any(r["input_tokens"] < r["raw_tokens"] for r in ours.values())  # meta-tokens were read
        checked += len(ours)
    assert checked == 2 * TEST
    capsys.readouterr()
    assert (
        main(
            [
                "lm-eval-results",
                *(str(tmp_path / f"{kind}-{name}") for _, _, name in cells for kind in ("run", "lm-eval")),
                "--format",
                "json",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 + 2  # the runs' two cells and the two lm-eval cells
    lm_rows = [r for r in rows if r["model"].endswith("(lm-eval ltsc-hf)")]
    by_cell = {(r["task"], r["compressor"]): r for r in rows if r not in lm_rows}
    assert len(lm_rows) == 2 and {r["model"] for r in lm_rows} == {"tiny@d_model=32,heads=2,layers=1 (lm-eval ltsc-hf)"}
    for r in lm_rows:
        run_row = by_cell[(r["task"], r["compressor"])]
        assert r["accuracy"] == run_row["accuracy"] and r["mean_tokens"] == run_row["mean_tokens"]
        assert r["length_reduction"] == run_row["length_reduction"]
