"""The accuracy leaderboard: one row per run cell, its columns computed by the metrics registry.

A cell is task x compressor x model x training budget (records share its ``cell`` id).
Per-cell columns come from :mod:`harness.metrics` (:data:`CELL_METRICS`); two columns
compare a cell with the ``raw`` cell of the same comparison (same task, model, seed and
budget): ``delta_vs_raw`` (accuracy difference) and ``prefill_speedup`` (raw's mean
prefill time / this one's). ``trained_on`` says whether the model was fine-tuned on
this input format (``self``) or trained on raw prompts (``raw``, ``--no-finetune``).
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import HarnessError, missing_package
from .layouts import PUBLISHED_RECORDS, merge_dirs, read_dir, records_file  # noqa: F401  (re-exported)
from .metrics import compute, format_value, get_metric, wilson  # noqa: F401  (wilson: re-exported)
from .tables import json_safe

#: per-cell metrics, in the order of the JSON rows (delta_vs_raw and prefill_speedup slot in after them)
CELL_METRICS = ("n", "accuracy", "ci_low", "ci_high", "majority_baseline", "mean_tokens", "mean_raw_tokens",
                "length_reduction", "length_reduction_sums", "attention_reduction", "flops_reduction", "prefill_ms",
                "rate_adherence")
#: metrics added to the JSON rows when the records carry them (schema 2 records and tasks with extra scores)
EXTRA_METRICS = ("round_trip_rate", "mean_score", "edit_similarity", "balanced_accuracy")
#: rows with the same values here are told apart by the configuration fields in which they differ
ROW_NAME = ("task", "compressor", "model", "trained_on")


def _pandas():
    try:
        import pandas as pd
    except ImportError:
        raise missing_package("pandas", "the leaderboard") from None
    return pd


def is_raw(compressor: str) -> bool:
    return compressor.partition("@")[0] == "raw"


def _lossless(first, g) -> bool | None:
    """Is the cell's compressor lossless? From its configuration, else from the round-trip field (schema 2)."""
    config = first["config"] if "config" in g else None
    if isinstance(config, dict) and isinstance(config.get("compressor_lossless"), bool):
        return config["compressor_lossless"]
    if "round_trip_ok" in g:
        return bool(g["round_trip_ok"].notna().any())
    return None


def cell_row(cell: str, g, extra: tuple[str, ...] = ()) -> dict:
    """The leaderboard row of one cell's records (``extra``: further metric names, always included)."""
    first = g.iloc[0]
    values = compute(CELL_METRICS, g)
    row = {"task": first["task"], "compressor": first["compressor"], "model": first["model"]}
    for name in CELL_METRICS:
        row[name] = values[name]
        if name == "majority_baseline":
            row["delta_vs_raw"] = None
        if name == "prefill_ms":
            row["prefill_speedup"] = None
    trained_on = first["trained_on"] if "trained_on" in g else None
    row["trained_on"] = trained_on if isinstance(trained_on, str) else "self"
    row.update(tokenizer=first["tokenizer"], seed=int(first["seed"]), train_steps=int(first["train_steps"]),
               comparison=first["comparison"], cell=cell, lossless=_lossless(first, g))
    for name, value in compute(EXTRA_METRICS, g).items():
        if value is not None:
            row[name] = value
    row.update(compute(extra, g))
    return row


def _flat(config: dict, prefix: str = "") -> dict:
    """``{"train": {"lr": 1}}`` -> ``{"train.lr": 1}``."""
    out = {}
    for key, value in config.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def _cell_config(g) -> dict:
    """A cell's configuration, flattened (records without ``config``: the identity fields they carry)."""
    first = g.iloc[0]
    config = first["config"] if "config" in g else None
    if isinstance(config, dict):
        return _flat(config)
    return json_safe({k: first[k] for k in ("tokenizer", "scope", "seed", "train_steps") if k in g})  # numpy -> Python


def mark_config_differences(rows: list[dict], configs: dict[str, dict]) -> None:
    """Rows with the same task, compressor, model and training input differ in configuration only: give every
    row a ``config_diff`` naming the fields in which its group differs (set only when some group needs it)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in ROW_NAME), []).append(r)
    diffs = {}
    for group in (g for g in groups.values() if len(g) > 1):
        flat = [configs.get(r["cell"], {}) for r in group]
        keys = sorted({k for f in flat for k in f if len({json.dumps(c.get(k), sort_keys=True, default=str) for c in flat}) > 1})
        for r, f in zip(group, flat):
            diffs[r["cell"]] = ", ".join(f"{k}={f.get(k)}" for k in keys) or "(identical configuration)"
    if diffs:
        for r in rows:
            r["config_diff"] = diffs.get(r["cell"])


def compute_rows(records: list[dict], metrics: tuple[str, ...] = ()) -> list[dict]:
    """Leaderboard rows (list of dicts) from records: raw first within each task and model.

    ``metrics``: further registered metrics to add to every row (``leaderboard --metrics``).
    """
    if not records:
        return []
    for name in metrics:
        get_metric(name)  # an unknown name fails before any work
    df = _pandas().DataFrame(records)
    cells = list(df.groupby("cell", sort=False))
    rows = [cell_row(cell, g, tuple(metrics)) for cell, g in cells]
    rows.sort(key=lambda r: (r["task"], r["model"], not is_raw(r["compressor"]), r["compressor"]))
    raw = {r["comparison"]: r for r in rows if is_raw(r["compressor"])}
    for r in rows:
        base = raw.get(r["comparison"])
        if base is not None:
            r["delta_vs_raw"] = r["accuracy"] - base["accuracy"]
            r["prefill_speedup"] = base["prefill_ms"] / r["prefill_ms"] if r["prefill_ms"] else None
    mark_config_differences(rows, {cell: _cell_config(g) for cell, g in cells})
    return rows


# -- reading: the folders' layouts live in harness/layouts.py (these names stay importable from here) ------
def rows_from_dirs(directories, metrics: tuple[str, ...] = (), notify=None) -> list[dict]:
    """Leaderboard rows of the merged records of one or more run directories or published folders."""
    return compute_rows(merge_dirs(directories, notify), metrics)


def rows_from_dir(directory: str | Path, metrics: tuple[str, ...] = ()) -> list[dict]:
    return rows_from_dirs([directory], metrics)


def accuracy_ci(row: dict) -> str:
    """A row's accuracy with its 95% interval, in percent: ``91.5% [86.8, 94.6]``."""
    return f"{100 * row['accuracy']:.1f}% [{100 * row['ci_low']:.1f}, {100 * row['ci_high']:.1f}]"


def _metric_cell(name: str):
    fmt = get_metric(name).fmt
    return lambda r: format_value(fmt, r.get(name))


#: the human-readable table: (header, row -> text)
DISPLAY_COLUMNS = (
    ("task", lambda r: r["task"]),
    ("compressor", lambda r: r["compressor"] + (" (raw-trained model)" if r.get("trained_on") == "raw" else "")),
    ("model", lambda r: r["model"]),
    ("configuration", lambda r: r.get("config_diff") or ""),
    ("n", lambda r: r["n"]),
    ("accuracy (95% CI)", lambda r: accuracy_ci(r)),
    ("majority", _metric_cell("majority_baseline")),
    ("Δ vs raw", lambda r: "" if r["delta_vs_raw"] is None else f"{100 * r['delta_vs_raw']:+.1f} pts"),
    ("mean tokens", _metric_cell("mean_tokens")),
    ("length red.", _metric_cell("length_reduction")),
    ("attention red. (n²)", _metric_cell("attention_reduction")),
    ("FLOPs red.", _metric_cell("flops_reduction")),
    ("prefill ms", _metric_cell("prefill_ms")),
    ("prefill speed-up", lambda r: "" if r["prefill_speedup"] is None else f"{r['prefill_speedup']:.2f}x"),
    ("rate adherence", _metric_cell("rate_adherence")),
)
#: shown only when some row has them
OPTIONAL_COLUMNS = (("edit similarity", "edit_similarity"),)


def display_rows(rows: list[dict], metrics: tuple[str, ...] = ()) -> list[dict]:
    """The human-readable table: one string per cell, percentages formatted (``metrics``: extra columns)."""
    optional = [(header, name) for header, name in OPTIONAL_COLUMNS if any(r.get(name) is not None for r in rows)]
    optional += [(name, name) for name in metrics if name not in dict(optional).values()]
    columns = [(h, fn) for h, fn in DISPLAY_COLUMNS if h != "configuration" or any(r.get("config_diff") for r in rows)]
    out = []
    for r in rows:
        shown = {header: fn(r) for header, fn in columns}
        for header, name in optional:
            shown[header] = _metric_cell(name)(r)
        out.append(shown)
    return out


def render(rows: list[dict], fmt: str = "markdown", metrics: tuple[str, ...] = ()) -> str:
    """Render leaderboard rows: markdown, latex, html (display columns), csv or json (all fields)."""
    from .tables import render_rows

    return render_rows(rows, fmt, display=lambda rs: display_rows(rs, tuple(metrics)), empty="(no records)")


def write_leaderboard(rows: list[dict], output: Path) -> str:
    """Write ``leaderboard.json`` and ``leaderboard.md`` into ``output``; return the Markdown."""
    table = render(rows, "markdown")
    (Path(output) / "leaderboard.json").write_text(render(rows, "json") + "\n")
    (Path(output) / "leaderboard.md").write_text(table + "\n")
    return table
