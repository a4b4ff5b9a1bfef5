"""The accuracy leaderboard: one row per run cell, its columns computed by the metrics registry.

A cell is task x compressor x model x training budget (records share its ``cell`` id).
Per-cell columns come from :mod:`harness.metrics` (:data:`CELL_METRICS`); two columns
compare a cell with the ``raw`` cell of the same comparison (same task, model, seed and
budget): ``delta_vs_raw`` (accuracy difference) and ``prefill_speedup`` (raw's mean
prefill time / this one's). ``trained_on`` says whether the model was fine-tuned on
this input format (``self``) or trained on raw prompts (``raw``, ``--no-finetune``).
"""

from __future__ import annotations

from pathlib import Path

from .errors import HarnessError, missing_package
from .metrics import compute, format_value, get_metric, wilson  # noqa: F401  (wilson: re-exported)
from .records import RECORDS_FILE, read_records

#: per-cell metrics, in the order of the JSON rows (delta_vs_raw and prefill_speedup slot in after them)
CELL_METRICS = ("n", "accuracy", "ci_low", "ci_high", "majority_baseline", "mean_tokens", "mean_raw_tokens",
                "length_reduction", "length_reduction_sums", "attention_reduction", "flops_reduction", "prefill_ms",
                "rate_adherence")
#: metrics added to the JSON rows when the records carry them (schema 2 records and tasks with extra scores)
EXTRA_METRICS = ("round_trip_rate", "mean_score", "edit_similarity", "balanced_accuracy")
IDENTITY = ("tokenizer", "seed", "train_steps", "comparison")


def _pandas():
    try:
        import pandas as pd
    except ImportError:
        raise missing_package("pandas", "the leaderboard") from None
    return pd


def is_raw(compressor: str) -> bool:
    return compressor.partition("@")[0] == "raw"


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
               comparison=first["comparison"], cell=cell)
    for name, value in compute(EXTRA_METRICS, g).items():
        if value is not None:
            row[name] = value
    row.update(compute(extra, g))
    return row


def compute_rows(records: list[dict], metrics: tuple[str, ...] = ()) -> list[dict]:
    """Leaderboard rows (list of dicts) from records: raw first within each task and model.

    ``metrics``: further registered metrics to add to every row (``leaderboard --metrics``).
    """
    if not records:
        return []
    for name in metrics:
        get_metric(name)  # an unknown name fails before any work
    df = _pandas().DataFrame(records)
    rows = [cell_row(cell, g, tuple(metrics)) for cell, g in df.groupby("cell", sort=False)]
    rows.sort(key=lambda r: (r["task"], r["model"], not is_raw(r["compressor"]), r["compressor"]))
    raw = {r["comparison"]: r for r in rows if is_raw(r["compressor"])}
    for r in rows:
        base = raw.get(r["comparison"])
        if base is not None:
            r["delta_vs_raw"] = r["accuracy"] - base["accuracy"]
            r["prefill_speedup"] = base["prefill_ms"] / r["prefill_ms"] if r["prefill_ms"] else None
    return rows


def rows_from_dir(directory: str | Path, metrics: tuple[str, ...] = ()) -> list[dict]:
    directory = Path(directory)
    if not directory.is_dir():
        raise HarnessError(f"{directory} is not a directory; pass the --output directory of an `ltsc-bench run`")
    path = directory / RECORDS_FILE
    if not path.is_file():
        raise HarnessError(f"{path} does not exist; pass the --output directory of an `ltsc-bench run`")
    return compute_rows(read_records(path), metrics)


def _metric_cell(name: str):
    fmt = get_metric(name).fmt
    return lambda r: format_value(fmt, r.get(name))


#: the human-readable table: (header, row -> text)
DISPLAY_COLUMNS = (
    ("task", lambda r: r["task"]),
    ("compressor", lambda r: r["compressor"] + (" (raw-trained model)" if r.get("trained_on") == "raw" else "")),
    ("model", lambda r: r["model"]),
    ("n", lambda r: r["n"]),
    ("accuracy (95% CI)", lambda r: f"{100 * r['accuracy']:.1f}% [{100 * r['ci_low']:.1f}, {100 * r['ci_high']:.1f}]"),
    ("majority", _metric_cell("majority_baseline")),
    ("Δ vs raw", lambda r: "" if r["delta_vs_raw"] is None else f"{100 * r['delta_vs_raw']:+.1f} pts"),
    ("mean tokens", lambda r: f"{r['mean_tokens']:.1f}"),
    ("length red.", _metric_cell("length_reduction")),
    ("attention red. (n²)", _metric_cell("attention_reduction")),
    ("FLOPs red.", _metric_cell("flops_reduction")),
    ("prefill ms", lambda r: f"{r['prefill_ms']:.2f}"),
    ("prefill speed-up", lambda r: "" if r["prefill_speedup"] is None else f"{r['prefill_speedup']:.2f}x"),
    ("rate adherence", _metric_cell("rate_adherence")),
)
#: shown only when some row has them
OPTIONAL_COLUMNS = (("edit similarity", "edit_similarity"),)


def display_rows(rows: list[dict], metrics: tuple[str, ...] = ()) -> list[dict]:
    """The human-readable table: one string per cell, percentages formatted (``metrics``: extra columns)."""
    optional = [(header, name) for header, name in OPTIONAL_COLUMNS if any(r.get(name) is not None for r in rows)]
    optional += [(name, name) for name in metrics if name not in dict(optional).values()]
    out = []
    for r in rows:
        shown = {header: fn(r) for header, fn in DISPLAY_COLUMNS}
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
