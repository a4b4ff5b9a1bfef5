"""Per-example views for the drill-down: what each cell's model read, rebuilt once and stored by ``publish``.

For a few examples of each task (:func:`select`: those on which the task's cells disagree, then those a
lossless compressor shortened with a dictionary, then the rest, in test-split order), every cell's input is rebuilt from its record's configuration
(task spec, test size, seed, tokenizer, compressor, scope) through :class:`harness.pipeline.Pipeline`, the
one place prompts are compressed, and stored as displayable segments (:mod:`.views`) in
``examples.jsonl.gz``. The site is built from that file, so building it needs no model (LLM-scored lossy
baselines load one to compress). A rebuilt input whose length differs from the record's is kept, flagged
``matches_record: false``; a cell that cannot be rebuilt (a plugin task that is not installed, a scoring
model that is missing) gets one line ``{"cell", "error"}`` instead.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from ..core.errors import HarnessError, first_line
from .views import alignment, dictionary_view, text_segments

EXAMPLES_FILE = "examples.jsonl.gz"
#: examples per task, and at most how many of them are chosen because the task's cells disagree on them
LIMIT = 8
DISAGREE = 4
#: configuration fields a record needs for its input to be rebuilt
NEEDED = ("tokenizer", "compressor_config", "scope", "seed", "test_examples")


class Rebuilder:
    """Builds tasks' test splits, tokenizers and compressors once each, from records' configurations."""

    def __init__(self):
        self._splits: dict[tuple, list] = {}
        self._pipes: dict[tuple, object] = {}

    def split(self, rec: dict) -> list:
        from ..tasks import build_task

        c = rec["config"]
        key = (rec["task"], c["test_examples"], c["seed"])
        if key not in self._splits:
            self._splits[key] = build_task(rec["task"]).examples("test", c["test_examples"], c["seed"])
        return self._splits[key]

    def pipeline(self, rec: dict):
        from ..compressors import build_compressor
        from ..data.tokenizers import get_tokenizer
        from ..engine.pipeline import Pipeline

        c = rec["config"]
        key = (c["tokenizer"], c["compressor_config"], c["scope"])
        if key not in self._pipes:
            tokenizer = get_tokenizer(c["tokenizer"])
            self._pipes[key] = Pipeline(tokenizer, build_compressor(c["compressor_config"], tokenizer), c["scope"])
        return self._pipes[key]


def rebuildable(rec: dict) -> str | None:
    """Why ``rec``'s input cannot be rebuilt (None when it can)."""
    config = rec.get("config")
    if not isinstance(config, dict):
        return "its records carry no configuration (schema 1 or lm-eval records)"
    missing = [k for k in NEEDED if k not in config]
    return f"its configuration lacks {', '.join(missing)}" if missing else None


def select(records: list[dict], order: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per task, :data:`LIMIT` example ids: up to :data:`DISAGREE` on which its cells' ``correct`` differ, then
    those that some record shows compressed with a dictionary, then any; returned in test-split ``order``."""
    correct: dict[str, dict[str, set]] = {}
    packed: dict[str, set] = {}
    for r in records:
        correct.setdefault(r["task"], {}).setdefault(r["example_id"], set()).add(bool(r["correct"]))
        if r.get("dictionary_entries"):
            packed.setdefault(r["task"], set()).add(r["example_id"])
    out = {}
    for task, ids in correct.items():
        ordered = [i for i in order.get(task, []) if i in ids] or sorted(ids)
        disagree = [i for i in ordered if len(ids[i]) > 1][:DISAGREE]
        rest = [i for i in ordered if i not in disagree]
        chosen = set(disagree + sorted(rest, key=lambda i: i not in packed.get(task, ()))[: LIMIT - len(disagree)])
        out[task] = [i for i in ordered if i in chosen]
    return out


def view(prompt, rec: dict, pipe) -> dict:
    """The stored view of one rebuilt :class:`~harness.pipeline.Prompt` (see the module docstring)."""
    from ..engine.pipeline import encode_parts

    tokenizer, compressor, example = pipe.tokenizer, pipe.compressor, prompt.example
    raw_ids = [i for part in encode_parts(tokenizer, example) for i in part]
    kind = "raw" if compressor.name == "raw" else "lossless" if compressor.lossless else "lossy"
    out = {
        "cell": rec["cell"],
        "example_id": rec["example_id"],
        "task": rec["task"],
        "compressor": rec["compressor"],
        "compressor_config": rec["config"]["compressor_config"],
        "tokenizer": tokenizer.name,
        "kind": kind,
        "raw_text": example.prompt,
        "raw_tokens": prompt.raw_tokens,
        "model_tokens": len(prompt.ids),
        "matches_record": len(prompt.ids) == rec["input_tokens"] and prompt.raw_tokens == rec["raw_tokens"],
        "answer_retained": prompt.answer_retained,
        "round_trip_ok": prompt.round_trip_ok,
    }
    if kind == "lossy":
        out["alignment"] = alignment(raw_ids, prompt.ids, tokenizer)
    elif kind == "lossless":
        layout = getattr(compressor, "layout", None)
        out["dictionary"], labels = dictionary_view(prompt.ids, tokenizer, layout)
        out["model_input"] = text_segments(prompt.ids, tokenizer, layout, labels)
    return out


def _cell_views(cell_recs: list[dict], ids: list[str], rebuilder: Rebuilder) -> list[dict]:
    first = cell_recs[0]
    why = rebuildable(first)
    if why:
        raise HarnessError(why)
    by_id = {ex.id: ex for ex in rebuilder.split(first)}
    pipe = rebuilder.pipeline(first)
    recs = {r["example_id"]: r for r in cell_recs}
    return [view(pipe.prepare(by_id[i]), recs[i], pipe) for i in ids if i in recs and i in by_id]


def compute(records: list[dict], notify=None, only=None) -> list[dict]:
    """The views of the selected examples of every cell of ``records`` (``only``: of these cells), one error
    line per cell that fails."""
    rebuilder = Rebuilder()
    cells: dict[str, list[dict]] = {}
    for r in records:
        cells.setdefault(r["cell"], []).append(r)
    order = {}
    for recs in cells.values():
        if recs[0]["task"] not in order and not rebuildable(recs[0]):
            try:
                order[recs[0]["task"]] = [ex.id for ex in rebuilder.split(recs[0])]
            except Exception:  # noqa: BLE001  (reported per cell below)
                pass
    chosen = select(records, order)
    out = []
    for cell, recs in cells.items():
        if only is not None and cell not in only:
            continue
        try:
            out += _cell_views(recs, chosen[recs[0]["task"]], rebuilder)
        except Exception as exc:  # noqa: BLE001  (a drill-down must never stop a publish)
            message = first_line(exc)
            out.append({"cell": cell, "task": recs[0]["task"], "compressor": recs[0]["compressor"], "error": message})
            if notify:
                notify(f"no drill-down for cell {cell} ({recs[0]['task']}, {recs[0]['compressor']}): {message}")
    return out


def read_examples(folder: Path) -> list[dict]:
    """The stored views of a published folder ([] when it has none)."""
    path = Path(folder) / EXAMPLES_FILE
    if not path.is_file():
        return []
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except (OSError, EOFError, ValueError) as exc:
        raise HarnessError(f"cannot read {path}: {exc}; publish the folder again to rewrite it") from None


def store(dest: Path, records: list[dict], source: Path | None = None, notify=None, refresh: bool = False) -> Path:
    """Write ``dest/examples.jsonl.gz`` for ``records``: kept (or copied from ``source``) when one there
    covers exactly the same cells, computed otherwise (or when ``refresh``)."""
    from ..results.layouts import write_records_gz

    dest, path = Path(dest), Path(dest) / EXAMPLES_FILE
    cells = {r["cell"] for r in records}
    for folder in [] if refresh else [x for x in (dest, source) if x is not None]:
        if (Path(folder) / EXAMPLES_FILE).is_file() and {v["cell"] for v in read_examples(folder)} == cells:
            if Path(folder).resolve() != dest.resolve():
                shutil.copyfile(Path(folder) / EXAMPLES_FILE, path)
            return path
    write_records_gz(compute(records, notify), path)
    return path
