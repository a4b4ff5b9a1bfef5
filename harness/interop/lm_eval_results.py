"""lm-eval results as harness records, so ``ltsc-bench`` leaderboards show them next to ``run``'s.

Reads an lm-eval ``--output_path`` (or one ``results_*.json``) written with ``--log_samples``:
the results JSON, its ``samples_<task>_<time>.jsonl`` files and, for ``ltsc-hf`` runs, the
request log the results name (``config.ltsc_bench.log``), which gives each example's raw and
compressed lengths. The log is looked up only inside the folder read: relative to the results
folder and the lm-eval output folder above it (an absolute path written by older versions only
where it lies there, else its file name there); a log missing there is an error, never read from
elsewhere (a copied folder must bring its own). One record per (task, document), in the schema of
:class:`harness.records.Record`: the score is the task's ``exact_match`` (tasks exported by
``export-lm-eval``) or lm-eval's first metric; n² and FLOPs come from the lengths and the
model's architecture. Runs of lm-eval's plain ``hf`` model are read as ``raw``, their lengths
counted with the model's tokenizer. Cells pair up for Δ vs raw when model, task, limit, few-shot
count and scope agree; models exported from one run (``export-model``) count as one model,
as they do in the run.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import HarnessError

if TYPE_CHECKING:
    from ..data.tokenizers import Tokenizer
from .lm_eval_tasks import is_exported_doc

RESULTS_GLOB = "results_*.json"


def is_lm_eval_output(path) -> bool:
    """Is ``path`` an lm-eval results file, or a directory holding one (and no ``ltsc-bench run`` records)?"""
    path = Path(path)
    if path.is_file():
        return path.name.startswith("results_") and path.suffix == ".json"
    return path.is_dir() and not (path / "records.jsonl").exists() and next(path.rglob(RESULTS_GLOB), None) is not None


def results_files(path) -> list[Path]:
    """The lm-eval results files under ``path`` (a results .json, or a directory searched recursively)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise HarnessError(
            f"{path} does not exist; pass an lm-eval --output_path directory or results_*.json file "
            "(or an `ltsc-bench run` directory)"
        )
    found = sorted(path.rglob(RESULTS_GLOB))
    if not found:
        raise HarnessError(
            f"{path} holds no lm-eval {RESULTS_GLOB}; run lm-eval with --output_path {path} --log_samples"
        )
    return found


def _read_jsonl(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise HarnessError(f"cannot read {path}: {exc.__class__.__name__}; is it an lm-eval or ltsc-hf file?") from None


def _hash(obj) -> str:
    from ..engine.cells import config_hash

    return config_hash(obj)


def log_reference(log, output) -> str:
    """How a results JSON names the request log ``log``: relative to the lm-eval output folder ``output`` (the
    ``--output_path``) when it lies inside it, else by its name only; never an absolute path of this machine."""
    log = Path(log)
    if output is not None:
        try:
            return Path(os.path.abspath(log)).relative_to(os.path.abspath(output)).as_posix()
        except ValueError:
            pass
    return log.name


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (OSError, ValueError):
        return False


def _log_candidates(results_path: Path, logged: str) -> tuple[list[Path], Path]:
    """Where the request log a results file names may be read, and the folder it must lie in: the results folder
    and the one above it (lm-eval writes results into a folder per model under its ``--output_path``, which holds
    the log). A relative name is read relative to them; an absolute one (older versions) only where it lies inside
    them, else its name is looked up there. Never the working directory, never anywhere else."""
    here = results_path.parent
    output = here.parent if here.name else here
    ref = Path(logged)
    out: list[Path] = []
    if ref.is_absolute():
        out += [ref] if _inside(ref, output) else []
    elif ref.name and ".." not in ref.parts:
        out += [here / ref, output / ref]
    if ref.name:
        out += [here / ref.name, output / ref.name]
    return list(dict.fromkeys(out)), output


def _request_log(results_path: Path, info: dict) -> dict:
    """``(task, doc_id) -> log entry`` of this run (the first request of each document)."""
    logged = str(info.get("log") or "")
    candidates, output = _log_candidates(results_path, logged)
    found = [p for p in candidates if p.is_file()]
    wrote = f"the log this run wrote ({logged})" if logged else "the log this run wrote"
    if not found:
        raise HarnessError(
            f"{results_path}: the ltsc-hf request log {Path(logged).name or ''} is not in {output} "
            "(the lengths, n² and FLOPs need it; a log outside the folder read is never used); "
            f"copy {wrote} into {output}"
        )
    run = info.get("run")
    for path in found:
        out: dict = {}
        for entry in _read_jsonl(path):
            if entry.get("run") == run:
                out.setdefault((entry["task"], entry["doc_id"]), entry)
        if out:
            return out
    raise HarnessError(
        f"{results_path}: the request log {found[0]} holds no request of run {run} (it is another "
        f"run's); copy {wrote} into {output}"
    )


def _plain_hf_info(cfg: dict) -> dict:
    """What a plain ``hf`` run lacks: the tokenizer and architecture, from the model directory (raw prompts)."""
    from transformers import AutoConfig

    from ..data.tokenizers import get_tokenizer

    args = cfg.get("model_args") or {}
    if isinstance(args, str):
        args = dict(kv.split("=", 1) for kv in args.split(",") if "=" in kv)
    pretrained = args.get("pretrained")
    if not pretrained:
        raise HarnessError("an lm-eval run without pretrained=...: cannot tell its tokenizer")
    hf_cfg = AutoConfig.from_pretrained(pretrained, local_files_only=True)
    return {
        "compressor": "raw",
        "compressor_label": "raw",
        "compressor_params": {},
        "lossless": True,
        "scope": "prompt",
        "tokenizer": get_tokenizer(f"hf:{args.get('tokenizer') or pretrained}").name,
        "plain_hf": True,
        "architecture": {
            "params": int(cfg.get("model_num_parameters") or 0),
            "layers": hf_cfg.num_hidden_layers,
            "d_model": hf_cfg.hidden_size,
        },
    }


def _prediction(sample: dict, doc: object):
    resps = sample.get("filtered_resps") or []
    if isinstance(doc, dict) and doc.get("choices") and resps and isinstance(resps[0], (list, tuple)):
        lls = [float(r[0]) for r in resps]
        return doc["choices"][max(range(len(lls)), key=lls.__getitem__)]
    first = resps[0] if resps else ""
    return first if isinstance(first, str) else json.dumps(first)


@dataclass
class _ResultsFile:
    """One lm-eval results file and what every record built from it shares."""

    path: Path
    res: dict
    cfg: dict
    info: dict
    log: dict
    model: str
    pretrained: str | None
    #: plain Hugging Face results: the tokenizer that counts prompt lengths (None: a request log has them)
    tokenizer: Tokenizer | None
    relation: str

    @property
    def stamp(self) -> str:
        return self.path.stem[len("results_") :]


def _open_results(results_path: Path) -> _ResultsFile:
    from ..data.tokenizers import get_tokenizer

    try:
        res = json.loads(results_path.read_text(encoding="utf-8"))
        cfg = res["config"]
    except (OSError, ValueError, KeyError, TypeError):
        raise HarnessError(f"{results_path} is not an lm-eval results file") from None
    info = cfg.get("ltsc_bench") or _plain_hf_info(cfg)
    log = {} if info.get("plain_hf") else _request_log(results_path, info)
    model_args = cfg.get("model_args")
    pretrained = model_args.get("pretrained") if isinstance(model_args, dict) else str(model_args)
    lm_model = cfg.get("model", "hf")
    # a model exported from a run is named as in the run; any other by its path
    model = f"{info['run_model']} (lm-eval {lm_model})" if info.get("run_model") else f"{lm_model}:{pretrained}"
    tokenizer = get_tokenizer(info["tokenizer"]) if info.get("plain_hf") else None
    trained_on = info.get("trained_on")
    if not trained_on or trained_on == info["compressor"]:
        relation = "self" if trained_on or info["compressor_label"] == "raw" else "raw"
    else:
        relation = "raw" if trained_on.partition("@")[0] == "raw" else trained_on
    return _ResultsFile(results_path, res, cfg, info, log, model, pretrained, tokenizer, relation)


def records_from_results(results_path) -> list[dict]:
    """The records of one lm-eval results file (see the module docstring)."""
    rf = _open_results(Path(results_path))
    records = []
    for task, task_res in rf.res.get("results", {}).items():
        records += _task_records(rf, task, task_res)
    return records


def _task_records(rf: _ResultsFile, task: str, task_res: dict) -> list[dict]:
    """The records of one task: one per document of its samples file."""
    info, cfg = rf.info, rf.cfg
    files = sorted(rf.path.parent.glob(f"samples_{task}_{rf.stamp}.jsonl"))
    if not files:
        raise HarnessError(f"{rf.path}: no samples for task {task}; run lm-eval with --log_samples")
    metric_names = [k.split(",")[0] for k in task_res if "," in k and "_stderr" not in k]
    n_shot = (rf.res.get("n-shot") or {}).get(task)
    base = info.get("comparison") or {"model": rf.pretrained, "tokenizer": info["tokenizer"]}
    comparison = _hash(
        {
            "base": base,
            "task": task,
            "limit": cfg.get("limit"),
            "n_shot": n_shot,
            "scope": info["scope"],
            "source": "lm-eval",
        }
    )
    config = {
        "source": "lm-eval",
        "results": str(rf.path),
        "model": cfg.get("model"),
        "model_args": cfg.get("model_args"),
        "task": task,
        "limit": cfg.get("limit"),
        "n_shot": n_shot,
        "compressor": info["compressor_label"],
        "compressor_config": info["compressor"],
        "compressor_params": info["compressor_params"],
        "compressor_lossless": info["lossless"],
        "scope": info["scope"],
        "tokenizer": info["tokenizer"],
    }
    shared = {
        "cell": _hash(dict(config, results=None, comparison=comparison)),
        "comparison": comparison,
        "config": config,
    }
    records, seen = [], set()
    for sample in _read_jsonl(files[0]):
        if sample.get("doc_id") in seen:  # one document under several filters: the first one counts
            continue
        seen.add(sample.get("doc_id"))
        records.append(_sample_record(rf, task, sample, metric_names, shared))
    return records


def _lengths(rf: _ResultsFile, task: str, sample: dict) -> dict:
    """The compression fields of one sample: counted from its prompt (plain hf), else from the request log."""
    if rf.tokenizer is not None:
        args = sample.get("arguments", {}).get("gen_args_0", {})
        n = len(rf.tokenizer.encode(str(args.get("arg_0", ""))))
        return {
            "raw_tokens": n,
            "input_tokens": n,
            "dictionary_entries": 0,
            "dictionary_tokens": 0,
            "changed": False,
            "target_tokens": None,
            "round_trip_ok": True,
            "codec_seconds": 0.0,
        }
    entry = rf.log.get((task, sample.get("doc_id")))
    if entry is None:
        raise HarnessError(f"{rf.path}: the request log has no entry for {task} document {sample.get('doc_id')}")
    return entry


def _sample_record(rf: _ResultsFile, task: str, sample: dict, metric_names: list[str], shared: dict) -> dict:
    from ..engine.compute import forward_flops
    from ..results.records import SCHEMA_VERSION

    info, doc = rf.info, sample.get("doc")
    ours, arch = doc if is_exported_doc(doc) else None, info["architecture"]  # the document export-lm-eval wrote
    entry = _lengths(rf, task, sample)
    n, n_raw = entry["input_tokens"], entry["raw_tokens"]
    metric = "exact_match" if "exact_match" in sample else next((m for m in metric_names if m in sample), None)
    if metric is None:
        raise HarnessError(f"{rf.path}: samples of {task} carry no metric value")
    score = float(sample[metric])
    flops = functools.partial(forward_flops, params=arch["params"], layers=arch["layers"], d_model=arch["d_model"])
    return {
        "cell": shared["cell"],
        "comparison": shared["comparison"],
        "example_id": ours["id"] if ours is not None else f"{task}-{sample.get('doc_id')}",
        "task": ours.get("task_spec", task) if ours is not None else task,
        "compressor": info["compressor_label"],
        "compressor_params": info["compressor_params"],
        "model": rf.model,
        "tokenizer": info["tokenizer"],
        "scope": info["scope"],
        "seed": int(info.get("seed") or rf.cfg.get("random_seed") or 0),
        "train_steps": int(info.get("train_steps") or 0),
        "trained_on": rf.relation,
        "input_tokens": n,
        "raw_tokens": n_raw,
        "dictionary_entries": entry["dictionary_entries"],
        "dictionary_tokens": entry["dictionary_tokens"],
        "changed": entry["changed"],
        "compressed_tokens": n,
        "target_tokens": entry["target_tokens"],
        "attention_n2": n * n,
        "raw_attention_n2": n_raw * n_raw,
        "flops": flops(n),
        "raw_flops": flops(n_raw),
        "codec_seconds": entry["codec_seconds"],
        "round_trip_ok": entry["round_trip_ok"],
        "prediction": _prediction(sample, doc),
        "target": ours["target"] if ours is not None else str(sample.get("target")),
        "score": min(max(score, 0.0), 1.0),
        "correct": score == 1.0,
        "scores": {m: float(sample[m]) for m in metric_names if m != metric and m in sample},
        "prefill_seconds": None,
        "train_final_answer_loss": None,
        "config": shared["config"],
        "schema_version": SCHEMA_VERSION,
    }


def unique_inputs(groups, notify=None) -> list:
    """The items of ``groups`` (``(path as given, [items it stands for])``), each once by resolved path: an item
    already read (a folder given twice, as ``DIR``, ``DIR/`` or ``./DIR``; a results file given twice, or inside a
    folder given) is skipped and reported through ``notify(message)``, so it is never counted twice."""
    seen: dict[Path, str] = {}
    out = []
    for given, items in groups:
        firsts, fresh = [], 0
        for item in items:
            key = Path(item).resolve()
            if key in seen:
                firsts.append(seen[key])
                continue
            seen[key] = str(given)
            out.append(item)
            fresh += 1
        if firsts and notify:
            where = ", ".join(dict.fromkeys(firsts))
            what = f"{len(firsts)} of its results files" if fresh else ""
            notify(f"{given}: {what + ' ' if what else ''}already read from {where}; ignored, never counted twice")
    return out


def read_lm_eval(paths, notify=None) -> list[dict]:
    """The records of every lm-eval results file under ``paths``, each file once (see :func:`unique_inputs`)."""
    files = unique_inputs(((path, results_files(path)) for path in paths), notify)
    return [r for f in files for r in records_from_results(f)]
