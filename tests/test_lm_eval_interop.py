"""lm-eval interop, offline, with a tiny local Hugging Face model: exported tasks run in lm-eval (raw and through
the ``ltsc-hf`` wrapper with ``ltsc``, ``ltsc-text`` and a lossy compressor), logged prompts decompress to the raw
ones, ``--use_cache`` never shares answers between compressors, and the results read back as harness records."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from test_lm_eval_helpers import one_torch_thread, task_texts, tiny_hf_model

from harness.core.errors import HarnessError

lm_eval = pytest.importorskip("lm_eval", reason='lm-eval is optional: pip install "lm-eval[hf]==0.4.13"')


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    yield from one_torch_thread()


TASKS = ["tree@stage=small", "recall@keys=16,records=16"]
RECALL = "ltsc_recall_keys_16_records_16"
LIMIT = 4


def run_lm_eval(*argv: str) -> int:
    """``ltsc-bench lm-eval ARGV`` in this process (lm-eval's import is paid once per test session)."""
    from harness.cli import main

    return main(["lm-eval", *argv])


def results_of(out: Path) -> dict:
    (path,) = sorted(Path(out).rglob("results_*.json"))
    return json.loads(path.read_text())


def logged(out: Path) -> list[dict]:
    return [json.loads(line) for line in (Path(out) / "ltsc_requests.jsonl").read_text().splitlines()]


# -- fixtures -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """Spare rows for ltsc@pool_size=8 (10 extra ids): untrained, but the wrapper accepts them."""
    return tiny_hf_model(tmp_path_factory.mktemp("hf-model"), 16, task_texts(TASKS))


@pytest.fixture(scope="module")
def tasks_dir(tmp_path_factory):
    from harness.interop.lm_eval_tasks import export_tasks

    path = tmp_path_factory.mktemp("lm-eval-tasks")
    export_tasks(path, TASKS, limit=LIMIT, seed=0, max_gen_toks=3)
    return path


def _isolate(monkeypatch, root: Path) -> None:
    """Caches under ``root``; and lm-eval indexes only --include_path, not its thousands of built-in task files
    (15 s per run on a shared 2-core machine; ``test_plain_lm_eval_cli_runs_offline`` keeps the default)."""
    from lm_eval.tasks import TaskManager

    init = TaskManager.__init__

    def only_included(self, *args, include_defaults=False, **kwargs):
        init(self, *args, include_defaults=include_defaults, **kwargs)

    monkeypatch.setattr(TaskManager, "__init__", only_included)
    monkeypatch.setenv("LTSC_CACHE_DIR", str(root / "cache"))
    monkeypatch.delenv("LM_HARNESS_CACHE_PATH", raising=False)
    monkeypatch.delenv("LTSC_LM_EVAL_LOG", raising=False)
    monkeypatch.delenv("LTSC_LM_EVAL_OUTPUT", raising=False)


@pytest.fixture(autouse=True)
def _caches(tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path)


def evaluate(model_dir, tasks_dir, out, model="ltsc-hf", extra_args=(), tasks=None, **model_args) -> Path:
    args = ",".join(f"{k}={v}" for k, v in {"pretrained": model_dir, "dtype": "float32", **model_args}.items())
    code = run_lm_eval(
        "--model",
        model,
        "--model_args",
        args,
        "--device",
        "cpu",
        "--include_path",
        str(tasks_dir),
        "--tasks",
        tasks or f"ltsc_tree_stage_small,{RECALL}",
        "--output_path",
        str(out),
        "--log_samples",
        *extra_args,
    )
    assert code == 0
    return Path(out)


#: (lm-eval model, compressor) of the runs the tests below read; each runs once per session
CONFIGS = [
    ("hf", None),
    ("ltsc-hf", "raw"),
    ("ltsc-hf", "ltsc@pool_size=8"),
    ("ltsc-hf", "ltsc-text"),
    ("ltsc-hf", "truncate@rate=0.5"),
]


@pytest.fixture(scope="module")
def outputs(model_dir, tasks_dir, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("lm-eval-runs")
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, root)
        for i, (model, compressor) in enumerate(CONFIGS):
            args = {} if compressor is None else {"compressor": compressor.replace(",", ";")}
            out[(model, compressor)] = evaluate(model_dir, tasks_dir, root / f"run{i}", model=model, **args)
    return out


# -- export-lm-eval --------------------------------------------------------------------------------------
def test_export_writes_offline_task_files(tasks_dir):
    names = {p.name for p in tasks_dir.iterdir()}
    assert {
        "utils.py",
        "ltsc_tree_stage_small.yaml",
        "ltsc_tree_stage_small.jsonl",
        f"{RECALL}.yaml",
        f"{RECALL}.jsonl",
    } <= names
    tree = (tasks_dir / "ltsc_tree_stage_small.yaml").read_text()
    assert "output_type: multiple_choice" in tree and 'target_delimiter: ""' in tree and "tag: ltsc" in tree
    assert "process_results: !function utils.process_results" in tree and "custom_dataset: !function utils.load" in tree
    recall = (tasks_dir / f"{RECALL}.yaml").read_text()
    assert "output_type: generate_until" in recall and "until: []" in recall and "max_gen_toks: 3" in recall
    docs = [json.loads(line) for line in (tasks_dir / "ltsc_tree_stage_small.jsonl").read_text().splitlines()]
    from harness.tasks import build_task

    examples = build_task("tree@stage=small").examples("test", LIMIT, 0)
    assert [d["id"] for d in docs] == [ex.id for ex in examples]
    for d, ex in zip(docs, examples):
        assert d["prompt"] == ex.prefix + ex.context + ex.suffix and d["choices"][d["label"]] == ex.target


def test_utils_py_is_standalone_and_scores_like_the_harness(tasks_dir):
    import importlib.util

    from harness.tasks.scoring import edit_similarity, levenshtein

    source = (tasks_dir / "utils.py").read_text()
    top_level_imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert all("harness" not in line for line in top_level_imports)
    spec = importlib.util.spec_from_file_location("exported_utils", tasks_dir / "utils.py")
    utils = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(utils)
    rng = random.Random(0)
    for _ in range(200):
        a = "".join(rng.choice("ab \n") for _ in range(rng.randint(0, 30)))
        b = "".join(rng.choice("ab \n") for _ in range(rng.randint(0, 30)))
        assert utils.levenshtein(a, b) == levenshtein(a, b) and utils.edit_similarity(a, b) == edit_similarity(a, b)
    doc = {"target": " 67\n", "extra_scores": ["edit_similarity"]}
    assert utils.process_results(doc, ["67 "]) == {"exact_match": 1.0, "edit_similarity": 1.0}
    mc = {"target": "false", "choices": ["true", "false"], "label": 1}
    assert utils.process_results(mc, [(-3.0, False), (-1.0, True)]) == {"exact_match": 1.0}
    assert utils.process_results(dict(mc, target="true"), [(-3.0, False), (-1.0, True)]) == {"exact_match": 0.0}
    assert utils.load("ltsc_tree_stage_small.jsonl", version=1.0)["test"].num_rows == LIMIT


def test_export_errors_are_one_line(tmp_path):
    from harness.cli import main

    assert main(["export-lm-eval", str(tmp_path / "x"), "--tasks", "no_such_task"]) == 2
    assert main(["export-lm-eval", str(tmp_path / "x"), "--tasks", "tree", "--limit", "0"]) == 2
    assert not (tmp_path / "x").exists()


# -- the ltsc-hf wrapper inside lm-eval --------------------------------------------------------------------
@pytest.mark.parametrize("model, compressor", CONFIGS)
def test_lm_eval_runs_the_exported_tasks(model_dir, tasks_dir, outputs, model, compressor):
    from harness.compressors import build_compressor
    from harness.data.tokenizers import get_tokenizer

    out = outputs[(model, compressor)]
    res = results_of(out)
    assert set(res["results"]) == {"ltsc_tree_stage_small", RECALL}
    assert all("exact_match,none" in r for r in res["results"].values())
    if model == "hf":
        return
    info = res["config"]["ltsc_bench"]
    assert info["compressor_label"] == compressor and info["scope"] == "prompt"
    # the log is named relative to --output_path: no absolute path of this machine in the results
    assert info["log"] == "ltsc_requests.jsonl" and str(out.resolve()) not in json.dumps(res)
    assert "LTSC_LM_EVAL_OUTPUT" not in os.environ  # restored after the run
    lines = logged(out)
    assert len(lines) == 2 * LIMIT and {line["run"] for line in lines} == {info["run"]}
    tok = get_tokenizer(f"hf:{model_dir}")
    comp = build_compressor(compressor, tok)
    docs = {
        json.loads(d)["id"]: json.loads(d)
        for name in ("ltsc_tree_stage_small", RECALL)
        for d in (tasks_dir / f"{name}.jsonl").read_text().splitlines()
    }
    for line in lines:
        doc = docs[line["example_id"]]
        raw = tok.encode(doc["prefix"]) + tok.encode(doc["context"]) + tok.encode(doc["suffix"])
        assert (
            line["raw_ids"] == raw and line["raw_tokens"] == len(raw) and line["input_tokens"] == len(line["input_ids"])
        )
        if comp.lossless:  # the logged prompt decompresses to the raw one
            assert comp.decompress(line["input_ids"]) == raw and line["round_trip_ok"] is True
            assert line["input_tokens"] <= line["raw_tokens"]
        else:
            assert line["round_trip_ok"] is None and line["input_tokens"] == round(0.5 * len(raw))
    recall = [line for line in lines if line["task"] == RECALL]
    if compressor.startswith("ltsc"):  # 16 JSON records: both lossless codecs shorten them
        assert all(line["changed"] and line["input_tokens"] < line["raw_tokens"] for line in recall)


def test_wrapper_defaults_and_refusals(model_dir, tmp_path):
    from lm_eval.api.instance import Instance

    from harness.interop.lm_eval_model import CompressingHFLM

    bare = tiny_hf_model(tmp_path / "bare", 0, task_texts(TASKS[:1]))
    with pytest.raises(HarnessError, match="embedding rows") as err:
        CompressingHFLM(pretrained=str(bare), compressor="ltsc", device="cpu", dtype="float32")
    assert "\n" not in str(err.value)
    with pytest.raises(HarnessError, match="unknown compressor"):
        CompressingHFLM(pretrained=str(bare), compressor="nope", device="cpu")
    with pytest.raises(HarnessError, match="scope"):
        CompressingHFLM(pretrained=str(bare), scope="everything", device="cpu")
    lm = CompressingHFLM(pretrained=str(model_dir), device="cpu", dtype="float32", log=str(tmp_path / "log.jsonl"))
    assert lm.compressor.name == "raw" and lm.scope == "prompt"
    assert lm.get_model_info()["ltsc_bench"]["log"] == "log.jsonl"  # no output folder known: its name, not its path
    lm.log_path = tmp_path / "out" / "logs" / "log.jsonl"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LTSC_LM_EVAL_OUTPUT", str(tmp_path / "out"))
        assert lm.get_model_info()["ltsc_bench"]["log"] == "logs/log.jsonl"
    req = Instance("loglikelihood_rolling", {}, ("some text",), 0, ("t", 0, 1))
    with pytest.raises(HarnessError, match="rolling-window"):
        lm.loglikelihood_rolling([req])


def test_generated_meta_ids_are_expanded_or_dropped(model_dir, tmp_path):
    from harness.interop.lm_eval_model import CompressingHFLM

    lm = CompressingHFLM(
        pretrained=str(model_dir),
        compressor="ltsc@pool_size=8",
        device="cpu",
        dtype="float32",
        log=str(tmp_path / "log.jsonl"),
    )
    tok, comp = lm.harness_tokenizer, lm.compressor
    ids = tok.encode('{"id": 1, "name": "Anna", "result": 20}\n' * 6)
    out = comp.compress(ids)
    assert out.changed
    close = out.ids.index(comp.dict_close)
    meta = out.ids[1]  # the first entry's meta-token
    entry = comp.decompress(out.ids[: close + 1] + [meta])
    assert len(entry) >= 2
    text = tok.encode("Anna")
    # a defined meta-token becomes its run; an id the dictionary cannot expand (here <Dict>) is dropped
    assert lm._output_ids(text + [meta, comp.dict_open] + text, {"compressed": out}) == text + entry + text
    assert lm._output_ids(text, {"compressed": out}) == text


def test_use_cache_is_never_shared_between_compressors(model_dir, tasks_dir, tmp_path):
    cache, tree = tmp_path / "cache" / "answers", "ltsc_tree_stage_small"
    first = evaluate(
        model_dir, tasks_dir, tmp_path / "a", compressor="raw", extra_args=("--use_cache", str(cache)), tasks=tree
    )
    second = evaluate(
        model_dir,
        tasks_dir,
        tmp_path / "b",
        compressor="truncate@rate=0.5",
        extra_args=("--use_cache", str(cache)),
        tasks=tree,
    )
    dbs = sorted(p.name for p in cache.parent.glob("answers-*.db"))
    assert len(dbs) == 2, dbs  # one database per model and model arguments
    # the second run's requests reached the model (a shared cache would have answered all of them)
    assert len(logged(second)) == LIMIT and len(logged(first)) == LIMIT
    again = evaluate(
        model_dir, tasks_dir, tmp_path / "c", compressor="raw", extra_args=("--use_cache", str(cache)), tasks=tree
    )
    assert not (again / "ltsc_requests.jsonl").exists()  # the same configuration is answered from its own cache
    assert results_of(again)["results"] == results_of(first)["results"]


def test_a_cache_of_another_configuration_is_refused(model_dir, tmp_path):
    from lm_eval.api.model import CachingLM

    from harness.interop.lm_eval_model import CompressingHFLM

    db = str(tmp_path / "shared.db")
    raw = CompressingHFLM(pretrained=str(model_dir), compressor="raw", device="cpu", dtype="float32")
    CachingLM(raw, db)
    lossy = CompressingHFLM(pretrained=str(model_dir), compressor="truncate@rate=0.5", device="cpu", dtype="float32")
    with pytest.raises(HarnessError, match="belongs to another model, compressor or scope"):
        CachingLM(lossy, db)
    CachingLM(raw, db)  # its own database: accepted


def test_cache_paths_and_request_cache_location(tmp_path, monkeypatch):
    from harness.interop.lm_eval_cli import log_path, safe_cache_path, set_environment

    a = safe_cache_path("c", "ltsc-hf", {"pretrained": "m", "compressor": "raw"})
    b = safe_cache_path("c", "ltsc-hf", {"pretrained": "m", "compressor": "ltsc"})
    assert a != b and a.startswith("c-ltsc-hf-")
    assert a == safe_cache_path("c", "ltsc-hf", {"compressor": "raw", "pretrained": "m"})  # order does not matter
    assert safe_cache_path("c", "hf", {"pretrained": "m"}) != safe_cache_path("c", "ltsc-hf", {"pretrained": "m"})
    assert log_path("out") == Path("out/ltsc_requests.jsonl") and log_path("out/r.json") == Path(
        "out/ltsc_requests.jsonl"
    )
    env = {}
    set_environment(env)
    assert env["LM_HARNESS_CACHE_PATH"] == str(tmp_path / "cache" / "lm-eval" / "requests")
    env = {"LM_HARNESS_CACHE_PATH": "/mine"}
    set_environment(env)
    assert env["LM_HARNESS_CACHE_PATH"] == "/mine"
    assert "site-packages" not in os.environ.get("LM_HARNESS_CACHE_PATH", "")


# -- results into the leaderboard ----------------------------------------------------------------------------
def test_plain_lm_eval_cli_runs_offline(tasks_dir, model_dir, tmp_path):
    """``lm_eval --include_path DIR --tasks ltsc_tree_stage_small`` in a fresh process, hub access forbidden."""
    import subprocess
    import sys

    env = dict(
        os.environ,
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        LM_HARNESS_CACHE_PATH=str(tmp_path / "lm-cache"),
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lm_eval",
            "--model",
            "hf",
            "--model_args",
            f"pretrained={model_dir},dtype=float32",
            "--device",
            "cpu",
            "--include_path",
            str(tasks_dir),
            "--tasks",
            "ltsc_tree_stage_small",
            "--limit",
            "2",
            "--output_path",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ltsc_tree_stage_small" in proc.stdout and "exact_match" in proc.stdout


def test_results_read_back_as_a_leaderboard(outputs, tmp_path, capsys):
    from harness.cli import main
    from harness.interop.lm_eval_results import is_lm_eval_output, read_lm_eval
    from harness.results.leaderboard import compute_rows
    from harness.results.records import Record

    raw, ltsc = outputs[("ltsc-hf", "raw")], outputs[("ltsc-hf", "ltsc@pool_size=8")]
    assert is_lm_eval_output(raw) and not is_lm_eval_output(tmp_path)
    records = read_lm_eval([raw, ltsc])
    assert len(records) == 4 * LIMIT
    assert set(Record.__dataclass_fields__) == set(records[0])
    rows = {(r["task"], r["compressor"]): r for r in compute_rows(records)}
    row = rows[(TASKS[1], "ltsc@pool_size=8")]
    assert row["length_reduction"] > 0.2 and row["attention_reduction"] > row["length_reduction"]
    assert row["flops_reduction"] > 0 and row["delta_vs_raw"] is not None and row["lossless"] is True
    assert rows[(TASKS[1], "raw")]["length_reduction"] == 0
    capsys.readouterr()
    assert main(["lm-eval-results", str(raw), str(ltsc), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown) == 4 and {r["n"] for r in shown} == {LIMIT}
    plain = read_lm_eval([outputs[("hf", None)]])  # lm-eval's own hf model: read as raw, lengths counted
    assert len(plain) == 2 * LIMIT and all(r["compressor"] == "raw" and r["input_tokens"] > 0 for r in plain)
    assert main(["lm-eval-results", str(tmp_path / "nothing")]) == 2
