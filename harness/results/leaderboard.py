"""The accuracy leaderboard: one row per run cell, its columns computed by the metrics registry.

A cell is task x compressor x model x training budget (records share its ``cell`` id).
Per-cell columns come from :mod:`harness.metrics`: each metric declares its place (its JSON
field, column header and position, :class:`~harness.metrics.Place`), so registering one is
enough to show it. Two columns compare a cell with the ``raw`` cell of the same comparison
(same task, model, seed and budget): ``delta_vs_raw`` (accuracy difference) and
``prefill_speedup`` (raw's mean prefill time / this one's). ``trained_on`` says whether the model was fine-tuned on
this input format (``self``) or trained on raw prompts (``raw``, ``--no-finetune``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ..core.errors import missing_package
from .layouts import PUBLISHED_RECORDS, merge_dirs, read_dir, records_file  # noqa: F401  (re-exported)
from .metrics import Metric, Place, accuracy_ci, compute, format_value, get_metric, placed, wilson  # noqa: F401  (re-exported)
from .tables import json_safe

#: rows with the same values here are told apart by the configuration fields in which they differ
ROW_NAME = ("task", "compressor", "model", "trained_on")


def _delta(r: dict) -> str:
    return "" if r.get("delta_vs_raw") is None else f"{100 * r['delta_vs_raw']:+.1f} pts"


def _speedup(r: dict) -> str:
    return "" if r.get("prefill_speedup") is None else f"{r['prefill_speedup']:.2f}x"


#: the two columns that compare a cell with the raw cell of its comparison, placed like metrics
DERIVED = {
    "delta_vs_raw": Place("Δ vs raw", 35, always=True, optional=False, text=_delta),
    "prefill_speedup": Place("prefill speed-up", 65, always=True, optional=False, site=False, text=_speedup),
}


def row_fields(always: list[Metric] | None = None) -> list[str]:
    """The metric fields of every JSON row, in order: the metrics placed ``always`` and the derived columns."""
    always = placed(always=True) if always is None else always
    places = {m.name: m.place for m in always if m.place is not None} | DERIVED  # placed: all have one
    return sorted(places, key=lambda name: places[name].order)


def __getattr__(name: str):
    """``CELL_METRICS`` / ``EXTRA_METRICS``: the metrics in every row / in rows where they have a value, as the
    registry's declared places say (kept for code written when they were fixed tuples)."""
    if name == "CELL_METRICS":
        return tuple(m.name for m in placed(always=True))
    if name == "EXTRA_METRICS":
        return tuple(m.name for m in placed(always=False))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def cell_row(cell: str, g, extra: tuple[str, ...] = (), layout: tuple | None = None) -> dict:
    """The leaderboard row of one cell's records: every metric placed on the leaderboard where it declared
    (:class:`~harness.metrics.Place`), the derived columns empty until :func:`compute_rows` fills them, and the
    cell's identity (``extra``: further metric names, always included; ``layout``: :func:`_row_layout`, computed
    once per leaderboard)."""
    always, fields, sometimes = layout or _row_layout()
    first = g.iloc[0]
    values = compute([m.name for m in always], g)
    row = {"task": first["task"], "compressor": first["compressor"], "model": first["model"]}
    row.update({name: values.get(name) for name in fields})
    trained_on = first["trained_on"] if "trained_on" in g else None
    row["trained_on"] = trained_on if isinstance(trained_on, str) else "self"
    row.update(
        tokenizer=first["tokenizer"],
        seed=int(first["seed"]),
        train_steps=int(first["train_steps"]),
        comparison=first["comparison"],
        cell=cell,
        lossless=_lossless(first, g),
    )
    for m in sometimes:
        value = m(g)
        if value is not None:
            row[m.name] = value
    row.update(compute(extra, g))
    return row


def _row_layout() -> tuple[list[Metric], list[str], list[Metric]]:
    """The metrics in every row, the row's metric fields in order, the metrics in rows where they have a value."""
    always = placed(always=True)
    return always, row_fields(always), placed(always=False)


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
        keys = sorted(
            {k for f in flat for k in f if len({json.dumps(c.get(k), sort_keys=True, default=str) for c in flat}) > 1}
        )
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
    layout = _row_layout()
    rows = [cell_row(cell, g, tuple(metrics), layout) for cell, g in cells]
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


def metric_columns(
    rows: list[dict], view: str = "table", metrics: tuple[str, ...] = ()
) -> list[tuple[str, str, Callable]]:
    """``(header, field, row -> text)`` of the metric columns of a leaderboard ``view`` (``table``: Markdown, LaTeX,
    HTML; ``site``): each placed metric and derived column that declares a header for that view, in order (an
    ``optional`` one only when some row has a value), then the requested ``metrics``."""
    places = [(m.name, m.place, m.fmt) for m in placed() if m.place is not None]  # placed: all have one
    places += [(k, p, "number") for k, p in DERIVED.items()]
    out = []
    for name, place, fmt in sorted(places, key=lambda x: x[1].order):
        if place.column is None or not getattr(place, view):
            continue
        if place.optional and not any(r.get(name) is not None for r in rows):
            continue
        out.append((place.column, name, place.text or _formatted(name, fmt)))
    shown = {field for _, field, _ in out}
    out += [(name, name, _formatted(name, get_metric(name).fmt)) for name in metrics if name not in shown]
    return out


def _formatted(name: str, fmt: str) -> Callable:
    return lambda r: format_value(fmt, r.get(name))


def display_rows(rows: list[dict], metrics: tuple[str, ...] = ()) -> list[dict]:
    """The human-readable table: one string per cell, percentages formatted (``metrics``: extra columns)."""
    identity = [
        ("task", lambda r: r["task"]),
        ("compressor", lambda r: r["compressor"] + (" (raw-trained model)" if r.get("trained_on") == "raw" else "")),
        ("model", lambda r: r["model"]),
    ]
    if any(r.get("config_diff") for r in rows):
        identity.append(("configuration", lambda r: r.get("config_diff") or ""))
    columns = identity + [(header, text) for header, _, text in metric_columns(rows, "table", metrics)]
    return [{header: text(r) for header, text in columns} for r in rows]


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
