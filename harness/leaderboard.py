"""The accuracy leaderboard, computed from per-example records (pandas, rendered with tabulate).

One row per run cell (task x compressor x model x training budget). Metrics
(design notes section 4):

- ``accuracy`` with a 95% Wilson interval (``ci_low``, ``ci_high``);
- ``majority_baseline``: accuracy of always answering the most frequent target of
  the evaluated examples (an upper bound for any constant answer);
- ``delta_vs_raw``: accuracy minus that of ``raw`` with the same task, model, seed
  and budget (empty when no such raw cell exists);
- ``mean_tokens`` / ``mean_raw_tokens``; ``length_reduction`` = mean over examples of
  1 - n_c/n_raw, ``length_reduction_sums`` = 1 - sum n_c / sum n_raw;
- ``attention_reduction`` = 1 - sum n_c^2 / sum n_raw^2 (the paper's proxy);
- ``flops_reduction`` = 1 - sum FLOPs_c / sum FLOPs_raw (model's forward FLOPs);
- ``prefill_ms`` (mean measured prefill) and ``prefill_speedup`` (raw's mean / this one);
- ``rate_adherence`` (lossy compressors given a target length): mean of achieved / requested tokens;
- ``trained_on``: ``self`` (fine-tuned on this input format) or ``raw`` (``--no-finetune``: the model
  trained on raw prompts reads this compressor's output).
"""

from __future__ import annotations

import math
from pathlib import Path

from .errors import HarnessError, missing_package
from .records import RECORDS_FILE, read_records

FORMATS = ("markdown", "latex", "csv", "html", "json")


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson score interval for k successes in n trials."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _pandas():
    try:
        import pandas as pd
    except ImportError:
        raise missing_package("pandas", "the leaderboard") from None
    return pd


def compute_rows(records: list[dict]) -> list[dict]:
    """Leaderboard rows (list of dicts) from records."""
    if not records:
        return []
    pd = _pandas()
    df = pd.DataFrame(records)
    rows = []
    for cell, g in df.groupby("cell", sort=False):
        first = g.iloc[0]
        n = len(g)
        k = int(g["correct"].sum())
        lo, hi = wilson(k, n)
        raw_n, comp_n = g["raw_tokens"].astype(float), g["input_tokens"].astype(float)
        rows.append({
            "task": first["task"], "compressor": first["compressor"], "model": first["model"], "n": n,
            "accuracy": k / n, "ci_low": lo, "ci_high": hi,
            "majority_baseline": float(g["target"].value_counts().iloc[0]) / n,
            "delta_vs_raw": None,
            "mean_tokens": comp_n.mean(), "mean_raw_tokens": raw_n.mean(),
            "length_reduction": float((1 - comp_n / raw_n.where(raw_n > 0)).fillna(0).mean()),
            "length_reduction_sums": 1 - comp_n.sum() / raw_n.sum() if raw_n.sum() else 0.0,
            "attention_reduction": 1 - (comp_n ** 2).sum() / (raw_n ** 2).sum() if raw_n.sum() else 0.0,
            "flops_reduction": 1 - g["flops"].sum() / g["raw_flops"].sum() if g["raw_flops"].sum() else 0.0,
            "prefill_ms": 1000 * g["prefill_seconds"].mean(),
            "prefill_speedup": None,
            "rate_adherence": _adherence(g),
            "trained_on": first["trained_on"] if "trained_on" in g and isinstance(first["trained_on"], str) else "self",
            "tokenizer": first["tokenizer"], "seed": int(first["seed"]), "train_steps": int(first["train_steps"]),
            "comparison": first["comparison"], "cell": cell,
        })
    # raw first within each task and model, then the other compressors by name
    rows.sort(key=lambda r: (r["task"], r["model"], r["compressor"].partition("@")[0] != "raw", r["compressor"]))
    raw = {r["comparison"]: r for r in rows if r["compressor"].partition("@")[0] == "raw"}
    for r in rows:
        base = raw.get(r["comparison"])
        if base is not None:
            r["delta_vs_raw"] = r["accuracy"] - base["accuracy"]
            r["prefill_speedup"] = base["prefill_ms"] / r["prefill_ms"] if r["prefill_ms"] else None
    return rows


def _adherence(g) -> float | None:
    """Mean achieved / requested length over the records that carry a requested length."""
    if "target_tokens" not in g or "compressed_tokens" not in g:
        return None
    asked = g["target_tokens"].astype(float)
    ok = asked.notna() & (asked > 0)
    return float((g["compressed_tokens"][ok].astype(float) / asked[ok]).mean()) if ok.any() else None


def rows_from_dir(directory: str | Path) -> list[dict]:
    directory = Path(directory)
    if not directory.is_dir():
        raise HarnessError(f"{directory} is not a directory; pass the --output directory of an `ltsc-bench run`")
    path = directory / RECORDS_FILE
    if not path.is_file():
        raise HarnessError(f"{path} does not exist; pass the --output directory of an `ltsc-bench run`")
    return compute_rows(read_records(path))


def _pct(x) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def display_rows(rows: list[dict]) -> list[dict]:
    """The human-readable table: one string per cell, percentages formatted."""
    out = []
    for r in rows:
        delta = r["delta_vs_raw"]
        out.append({
            "task": r["task"],
            "compressor": r["compressor"] + (" (raw-trained model)" if r.get("trained_on") == "raw" else ""),
            "model": r["model"], "n": r["n"],
            "accuracy (95% CI)": f"{100 * r['accuracy']:.1f}% [{100 * r['ci_low']:.1f}, {100 * r['ci_high']:.1f}]",
            "majority": _pct(r["majority_baseline"]),
            "Δ vs raw": "" if delta is None else f"{100 * delta:+.1f} pts",
            "mean tokens": f"{r['mean_tokens']:.1f}",
            "length red.": _pct(r["length_reduction"]),
            "attention red. (n²)": _pct(r["attention_reduction"]),
            "FLOPs red.": _pct(r["flops_reduction"]),
            "prefill ms": f"{r['prefill_ms']:.2f}",
            "prefill speed-up": "" if r["prefill_speedup"] is None else f"{r['prefill_speedup']:.2f}x",
            "rate adherence": "" if r.get("rate_adherence") is None else f"{100 * r['rate_adherence']:.1f}%",
        })
    return out


def render(rows: list[dict], fmt: str = "markdown") -> str:
    """Render leaderboard rows as markdown, latex, csv, html (display columns) or json (all fields)."""
    import json

    if fmt == "json":
        return json.dumps(rows, indent=2, default=float)
    if fmt == "csv":
        pd = _pandas()
        return pd.DataFrame(rows).to_csv(index=False).rstrip("\n")
    if fmt not in FORMATS:
        raise HarnessError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    try:
        from tabulate import tabulate
    except ImportError:
        raise missing_package("tabulate", "rendering the leaderboard") from None
    shown = display_rows(rows)
    if not shown:
        return "(no records)"
    table = {"markdown": "github", "latex": "latex_booktabs", "html": "html"}[fmt]
    return tabulate(shown, headers="keys", tablefmt=table, disable_numparse=True)
