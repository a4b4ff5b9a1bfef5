"""The regression gate (``ltsc-bench compare BASE NEW``): is NEW worse than BASE on the same examples?

Cells are matched by task, model, compressor, training input (``trained_on``) and
comparison configuration (the ``comparison`` id: tokenizer, scope, seed, budget, split
sizes). ``pairs`` (``--pair A B``) compares BASE's cells of compressor A with NEW's cells
of compressor B instead (a new compressor against ``ltsc``, BASE and NEW may be one run).

For each matched cell, on the example ids both sides evaluated (the pairs of every statistic):

- accuracy: the paired exact McNemar test on the discordant examples (b: correct in
  BASE only, c: correct in NEW only; two-sided p = P(min(b, c) or fewer of b+c fair
  coin flips) x 2), and Newcombe's hybrid score interval (1998, method 10) for the
  accuracy difference NEW - BASE at confidence 1 - alpha;
- a regression is any of: an accuracy drop beyond ``max_drop`` points that is also
  significant (p < alpha); a round-trip failure of a lossless compressor in NEW (a record
  with ``round_trip_ok`` false, on any of NEW's examples; schema-1 records carry no such field); a length
  reduction below the floor ``BASE's - (1 - min_ratio) x |BASE's|`` (``min_ratio`` 1: it must not fall).

A cell whose example sets differ between BASE and NEW (a run stopped early, a torn last record, another
split) is *incomparable*: reported with both counts, not judged, and ``compare`` exits 2, unless
``allow_count_mismatch`` (``--allow-count-mismatch``), when it is judged on the common examples and still
flagged (``count_mismatch``, the ``n BASE`` / ``n NEW`` columns, its verdict text).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from ..core.errors import HarnessError
from ..core.validate import InvalidParameter
from .metrics import get_metric, wilson

#: what a cell is matched by (``compressor`` may be renamed by a pair)
KEY = ("task", "model", "compressor", "trained_on", "comparison")


@dataclass(frozen=True)
class Thresholds:
    #: an accuracy drop counts only beyond this many percentage points (and only when significant)
    max_drop: float = 0.0
    #: the fraction of BASE's length reduction NEW must keep, in [0, 1] (1.0: it must not fall)
    min_ratio: float = 1.0
    #: significance level of the McNemar test; the interval's confidence is 1 - alpha
    alpha: float = 0.05

    def __post_init__(self):
        _in_range(
            "--max-accuracy-drop",
            self.max_drop,
            0,
            100,
            False,
            "percentage points of accuracy NEW may lose before a significant drop is a regression",
        )
        _in_range(
            "--min-reduction-ratio",
            self.min_ratio,
            0,
            1,
            False,
            "the fraction of BASE's length reduction NEW must keep; 1: it must not fall, 0.9: it may lose a tenth",
        )
        _in_range("--alpha", self.alpha, 0, 1, True, "the significance level of the McNemar test")


def _in_range(option: str, value, low: float, high: float, open_ends: bool, meaning: str) -> None:
    """Refuse a threshold outside ``[low, high]`` (``(low, high)`` with ``open_ends``), NaN and infinities included,
    with one line naming the option, its valid range and what it means."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = low < value < high if open_ends else low <= value <= high
    if not ok:
        interval = f"({low:g}, {high:g})" if open_ends else f"[{low:g}, {high:g}]"
        raise InvalidParameter(f"{option} must be a finite number in {interval} ({meaning}), got {value!r}")


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for ``b`` and ``c`` discordant pairs (1.0 when there are none)."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
    return min(1.0, 2 * tail / 2**n)


def paired_interval(a: int, b: int, c: int, d: int, alpha: float = 0.05) -> tuple[float, float]:
    """Newcombe's interval for p_new - p_base from the 2x2 table: ``a`` both correct, ``b`` BASE only,
    ``c`` NEW only, ``d`` neither."""
    n = a + b + c + d
    z = statistics.NormalDist().inv_cdf(1 - alpha / 2)
    p1, p2 = (a + b) / n, (a + c) / n
    (l1, u1), (l2, u2) = wilson(a + b, n, z), wilson(a + c, n, z)
    denom = (a + b) * (c + d) * (a + c) * (b + d)
    phi = (a * d - b * c) / math.sqrt(denom) if denom else 0.0
    low = (p2 - p1) - math.sqrt(max(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2))
    high = (p2 - p1) + math.sqrt(max(0.0, (u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2))
    return max(-1.0, low), min(1.0, high)


def cell_label(key: tuple) -> str:
    task, model, compressor, trained_on, comparison = key
    return f"{task} | {compressor}{' (raw-trained)' if trained_on == 'raw' else ''} | {model} [config {comparison[:8]}]"


def _key(rec: dict, rename: dict | None = None) -> tuple:
    comp = rec["compressor"]
    trained_on = rec.get("trained_on") if isinstance(rec.get("trained_on"), str) else "self"
    return (rec["task"], rec["model"], (rename or {}).get(comp, comp), trained_on, str(rec.get("comparison")))


def group(records: list[dict], side: str, keep=None, rename: dict | None = None) -> dict[tuple, list[dict]]:
    """``{key: records}`` of one side (``keep(compressor)`` filters); two cells under one key are bad input."""
    cells: dict[tuple, dict[str, list[dict]]] = {}
    for rec in records:
        if keep is None or keep(rec["compressor"]):
            cells.setdefault(_key(rec, rename), {}).setdefault(rec["cell"], []).append(rec)
    for key, by_cell in cells.items():
        if len(by_cell) > 1:
            raise HarnessError(
                f"{side} holds {len(by_cell)} cells for {cell_label(key)} (cells {', '.join(sorted(by_cell))}); "
                "compare one configuration at a time: publish or run them into separate folders"
            )
    return {key: next(iter(by_cell.values())) for key, by_cell in cells.items()}


def _frame(records: list[dict]):
    import pandas as pd

    return pd.DataFrame(records)


def compare_cell(
    key: tuple, base: list[dict], new: list[dict], th: Thresholds, allow_count_mismatch: bool = False
) -> dict:
    """The comparison of one matched cell (see the module docstring), paired on the common example ids: its
    ``verdict`` (``ok``, ``regression`` or ``incomparable``), ``regression`` (None when not judged) and ``reasons``."""
    b_by, n_by = {r["example_id"]: r for r in base}, {r["example_id"]: r for r in new}
    common = sorted(set(b_by) & set(n_by))
    if not common:
        raise HarnessError(f"{cell_label(key)}: BASE and NEW share no example ids; compare runs of the same test split")
    pairs = [(bool(b_by[e]["correct"]), bool(n_by[e]["correct"])) for e in common]
    a, b = sum(x and y for x, y in pairs), sum(x and not y for x, y in pairs)
    c, d = sum(y and not x for x, y in pairs), sum(not x and not y for x, y in pairs)
    n = len(common)
    p_value = mcnemar_exact(b, c)
    low, high = paired_interval(a, b, c, d, th.alpha)
    reduction = get_metric("length_reduction")
    base_red = reduction(_frame([b_by[e] for e in common]))
    new_red = reduction(_frame([n_by[e] for e in common]))
    checked = [r["round_trip_ok"] for r in new if r.get("round_trip_ok") is not None]  # lossless, schema 2
    failures = sum(v is False for v in checked) if checked else None
    row = {
        "task": key[0],
        "model": key[1],
        "base_compressor": base[0]["compressor"],
        "compressor": new[0]["compressor"],
        "trained_on": key[3],
        "comparison": key[4],
        "n": n,
        "n_base": len(b_by),
        "n_new": len(n_by),
        "base_only_examples": len(b_by) - n,
        "new_only_examples": len(n_by) - n,
        "count_mismatch": len(b_by) != n or len(n_by) != n,
        "base_accuracy": (a + b) / n,
        "new_accuracy": (a + c) / n,
        "accuracy_delta": (c - b) / n,
        "delta_ci_low": low,
        "delta_ci_high": high,
        "base_only_correct": b,
        "new_only_correct": c,
        "p_value": p_value,
        "significant": p_value < th.alpha,
        "base_length_reduction": base_red,
        "new_length_reduction": new_red,
        "round_trip_failures": failures,
    }
    row["incomparable"] = row["count_mismatch"] and not allow_count_mismatch
    row["reasons"] = [] if row["incomparable"] else _reasons(row, th)
    row["regression"] = None if row["incomparable"] else bool(row["reasons"])
    row["verdict"] = "incomparable" if row["incomparable"] else "regression" if row["regression"] else "ok"
    return row


def _percents(*values: float) -> list[str]:
    """``values`` as percentages with the fewest decimals (1 to 6) that show apart the ones that differ."""
    for digits in range(1, 7):
        shown = [f"{100 * v:.{digits}f}%" for v in values]
        if all(
            shown[i] != shown[j] for i in range(len(values)) for j in range(i) if abs(values[i] - values[j]) > 1e-12
        ):
            break
    return shown


def _reasons(row: dict, th: Thresholds) -> list[str]:
    reasons = []
    drop = -100 * row["accuracy_delta"]
    if drop > th.max_drop and row["significant"]:
        reasons.append(
            f"accuracy fell {drop:.1f} pts (> {th.max_drop:g}, McNemar p = {row['p_value']:.3g} < {th.alpha:g})"
        )
    if row["round_trip_failures"]:
        n = row["round_trip_failures"]
        reasons.append(f"{n} round-trip failure{'s' if n != 1 else ''} of a lossless compressor")
    base, new = row["base_length_reduction"] or 0.0, row["new_length_reduction"] or 0.0
    floor = base - (1 - th.min_ratio) * abs(base)
    if new < floor - 1e-12:
        base_pct, new_pct, floor_pct = _percents(base, new, floor)
        reasons.append(
            f"length reduction fell from {base_pct} to {new_pct}"
            + (
                f", below the floor of {floor_pct} allowed by --min-reduction-ratio {th.min_ratio:g}"
                if th.min_ratio != 1
                else ""
            )
        )
    return reasons


def parse_pairs(pairs) -> dict[str, str]:
    """``[["ltsc", "rle"]]`` (``--pair ltsc rle``, repeatable) -> ``{"ltsc": "rle"}`` (BASE -> NEW compressor)."""
    out: dict[str, str] = {}
    for base, new in pairs or ():
        if base in out or new in out.values():
            raise HarnessError(f"--pair {base} {new}: each compressor may appear in one pair only")
        out[base] = new
    return out


def _sides(base_records, new_records, pairs: dict[str, str]):
    if not pairs:
        return group(base_records, "BASE"), group(new_records, "NEW")
    for side, records, names in (("BASE", base_records, pairs), ("NEW", new_records, pairs.values())):
        have = sorted({r["compressor"] for r in records})
        missing = [n for n in names if n not in have]
        if missing:
            raise HarnessError(
                f"--pair: {side} has no cells of compressor {missing[0]!r}; its compressors: {', '.join(have)}"
            )
    back = {new: base for base, new in pairs.items()}
    return (
        group(base_records, "BASE", keep=lambda c: c in pairs),
        group(new_records, "NEW", keep=lambda c: c in back, rename=back),
    )


def compare_records(
    base_records: list[dict],
    new_records: list[dict],
    th: Thresholds = Thresholds(),
    pairs: dict[str, str] | None = None,
    allow_count_mismatch: bool = False,
) -> list[dict]:
    """One comparison row per matched cell; unmatched cells on either side are bad input (listed). Cells whose
    example sets differ are incomparable (not judged) unless ``allow_count_mismatch``."""
    base, new = _sides(base_records, new_records, pairs or {})
    only_base, only_new = sorted(set(base) - set(new)), sorted(set(new) - set(base))
    if only_base or only_new:
        parts = [
            f"in {side} only: " + "; ".join(cell_label(k) for k in keys)
            for side, keys in (("BASE", only_base), ("NEW", only_new))
            if keys
        ]
        raise HarnessError(
            f"{len(only_base) + len(only_new)} cells do not match ({' / '.join(parts)}); cells match by "
            "task, model, compressor and comparison config (--pair BASE_COMPRESSOR NEW_COMPRESSOR to "
            "compare two compressors)"
        )
    if not base:
        raise HarnessError("nothing to compare: BASE and NEW hold no records")
    order = sorted(base, key=lambda k: (k[0], k[1], k[2].partition("@")[0] != "raw", k[2], k[3], k[4]))
    return [compare_cell(key, base[key], new[key], th, allow_count_mismatch) for key in order]


def exit_code(rows: list[dict]) -> int:
    """``compare``'s exit status: 2 when a cell is incomparable (even if another regressed: the verdict is
    incomplete), else 1 when a cell regressed, else 0."""
    return 2 if any(r["incomparable"] for r in rows) else 1 if any(r["regression"] for r in rows) else 0


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def verdict_text(r: dict) -> str:
    """A row's verdict as shown in the diff table: ok, REGRESSION: reasons, or INCOMPARABLE with both counts."""
    if r["incomparable"]:
        parts = [f"{r['n']} in common"] + [
            f"{k} in {side} only"
            for side, k in (("BASE", r["base_only_examples"]), ("NEW", r["new_only_examples"]))
            if k
        ]
        return f"INCOMPARABLE: BASE has {r['n_base']} examples, NEW {r['n_new']} ({', '.join(parts)}); not judged"
    text = "REGRESSION: " + "; ".join(r["reasons"]) if r["regression"] else "ok"
    if r["count_mismatch"]:
        text += (
            f"{';' if r['regression'] else ','} judged on the {_count(r['n'], 'common example')} "
            f"(BASE {r['n_base']}, NEW {r['n_new']})"
        )
    return text


def incomparable_error(rows: list[dict]) -> str:
    """The one-line message behind exit 2 for incomparable cells (the first one named)."""
    bad = [r for r in rows if r["incomparable"]]
    first = bad[0]
    name = f"{first['task']} | {first['compressor']} | {first['model']}"
    return (
        f"{_count(len(bad), 'cell')} {'is' if len(bad) == 1 else 'are'} incomparable: their example sets differ "
        f"between BASE and NEW (e.g. {name}: BASE {first['n_base']}, NEW {first['n_new']}; see the n BASE and "
        "n NEW columns); rerun the incomplete side to completion, or pass --allow-count-mismatch to judge the "
        "common examples only"
    )


def _pct(value) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def display_rows(rows: list[dict]) -> list[dict]:
    """The diff table: one line per matched cell, the verdict last."""
    out = []
    for r in rows:
        paired = r["base_compressor"] != r["compressor"]
        out.append(
            {
                "task": r["task"],
                "compressor": f"{r['base_compressor']} → {r['compressor']}" if paired else r["compressor"],
                "model": r["model"] + (" (raw-trained)" if r["trained_on"] == "raw" else ""),
                "n": r["n"],
                "n BASE": r["n_base"],
                "n NEW": r["n_new"],
                "BASE acc.": _pct(r["base_accuracy"]),
                "NEW acc.": _pct(r["new_accuracy"]),
                "Δ pts [CI]": f"{100 * r['accuracy_delta']:+.1f} [{100 * r['delta_ci_low']:+.1f}, {100 * r['delta_ci_high']:+.1f}]",
                "only BASE / only NEW correct": f"{r['base_only_correct']} / {r['new_only_correct']}",
                "McNemar p": f"{r['p_value']:.3g}",
                "length red. BASE → NEW": f"{_pct(r['base_length_reduction'])} → {_pct(r['new_length_reduction'])}",
                "round-trip failures": "—" if r["round_trip_failures"] is None else str(r["round_trip_failures"]),
                "verdict": verdict_text(r),
            }
        )
    return out


def render_comparison(
    rows: list[dict], fmt: str, th: Thresholds, notes: list[str] | tuple = (), allow_count_mismatch: bool = False
) -> str:
    """Markdown (the diff table and a summary line) or JSON (thresholds, verdict, notes and every field)."""
    from .tables import render_rows, to_json

    bad = sum(bool(r["regression"]) for r in rows)
    incomparable = sum(r["incomparable"] for r in rows)
    mismatched = sum(r["count_mismatch"] for r in rows)
    if fmt == "json":
        verdict = "incomparable" if incomparable else "regression" if bad else "ok"
        return to_json(
            {
                "verdict": verdict,
                "regression": bool(bad),
                "regressions": bad,
                "incomparable": incomparable,
                "count_mismatches": mismatched,
                "cells": len(rows),
                "allow_count_mismatch": allow_count_mismatch,
                "thresholds": {
                    "max_accuracy_drop": th.max_drop,
                    "min_reduction_ratio": th.min_ratio,
                    "alpha": th.alpha,
                },
                "notes": list(notes),
                "rows": rows,
            }
        )
    table = render_rows(rows, "markdown", display=display_rows)
    parts = []
    if incomparable:
        parts.append(
            f"{incomparable} of {_count(len(rows), 'cell')} INCOMPARABLE (example sets differ: see the n BASE "
            "and n NEW columns; --allow-count-mismatch judges the common examples only)"
        )
    judged = len(rows) - incomparable
    if bad:
        parts.append(f"{bad} of {_count(len(rows), 'cell')} regressed")
    elif judged:
        parts.append(f"no regression in {'the other ' if incomparable else ''}{_count(judged, 'cell')}")
    if mismatched > incomparable:
        parts.append(
            f"{_count(mismatched - incomparable, 'cell')} judged on their common examples only "
            "(example sets differ, --allow-count-mismatch)"
        )
    floor = (
        "length reduction must not fall"
        if th.min_ratio == 1
        else f"length reduction may fall by at most {100 * (1 - th.min_ratio):g}% of BASE's"
    )
    return (
        f"{table}\n\n{'; '.join(parts)} (accuracy: drop > {th.max_drop:g} pts and McNemar p < {th.alpha:g}; "
        f"{100 * (1 - th.alpha):g}% CI of the difference; {floor}; no round-trip failure)"
    )
