"""The metrics registry: each metric maps one cell's records to a value.

A :class:`Metric` has a name, a function ``records -> value`` (the records of one
cell, as a pandas DataFrame), a display format and a direction (higher or lower is
better; None when neither, e.g. a count). The leaderboard (records of a run) and
``stats`` (per-example compression records, no model) both compute their columns
from here, so a number has one definition. Third-party metrics register a
:class:`Metric` under the entry-point group ``ltsc_bench.metrics``.

Definitions (design notes §4): lengths count what the model reads, dictionary and
delimiters included; ``length_reduction`` is the mean over examples of 1 - n_c/n_raw,
``length_reduction_sums`` = 1 - Σn_c/Σn_raw, ``attention_reduction`` = 1 - Σn_c²/Σn_raw²
(the paper's proxy), ``flops_reduction`` = 1 - ΣFLOPs_c/ΣFLOPs_raw.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ..core.registry import Registry

#: display formats: how a value is shown in Markdown/LaTeX/HTML tables
FORMATS = ("percent", "count", "tokens", "ms", "ratio", "number")


@dataclass(frozen=True)
class Place:
    """Where a metric shows on the leaderboard, declared when it registers: registering is enough for
    ``leaderboard``, ``publish`` and the site to show it there (no list of columns to edit)."""

    #: its column header in the human-readable tables (None: in the JSON rows only)
    column: str | None = None
    #: its position among the columns and in the JSON rows (built-in: 10 ... 70 always, 200+ when present)
    order: float = 100.0
    #: in every JSON row (False: only in the rows where it has a value)
    always: bool = False
    #: its column only when some row has a value
    optional: bool = True
    #: shown in the Markdown/LaTeX/HTML table, and on the site's leaderboard
    table: bool = True
    site: bool = True
    #: the column's text from the whole row (default: the value in the metric's display format)
    text: Callable[[dict], object] | None = None


@dataclass(frozen=True)
class Metric:
    """A per-cell metric. ``compute(g)`` gets the cell's records (DataFrame) and returns a value or None."""

    name: str
    compute: Callable
    fmt: str = "number"
    #: True: higher is better; False: lower is better; None: no direction (counts, baselines)
    higher_is_better: bool | None = None
    #: the record fields it reads (a cell without them gets None)
    needs: tuple[str, ...] = ()
    description: str = ""
    #: where the leaderboard shows it (None: not on the leaderboard, e.g. a model-free statistic)
    place: Place | None = None

    def __call__(self, g):
        if any(col not in g for col in self.needs):
            return None
        value = self.compute(g)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return value


metrics: Registry = Registry("metric")


def metric(
    name: str,
    fmt: str = "number",
    higher_is_better: bool | None = None,
    needs: tuple[str, ...] = (),
    place: Place | None = None,
):
    """Decorator: register ``compute(g)`` as the metric ``name`` (its docstring is the description), shown on the
    leaderboard where ``place`` says."""

    def add(fn):
        doc = (fn.__doc__ or "").strip().splitlines()
        metrics.register(
            name,
            Metric(name, fn, fmt, higher_is_better, needs, doc[0] if doc else "", place),
            description=doc[0] if doc else name,
        )
        return fn

    return add


def placed(*, always: bool | None = None) -> list[Metric]:
    """The registered metrics with a place on the leaderboard (``always``: only those in every row, or only the
    others), in their order."""
    found = [get_metric(name) for name in metrics.names()]
    chosen = [(m.place, m) for m in found if m.place is not None and (always is None or m.place.always is always)]
    return [m for _, m in sorted(chosen, key=lambda pm: (pm[0].order, pm[1].name))]


def get_metric(name: str) -> Metric:
    """The registered metric ``name`` (a plugin's entry point must name a :class:`Metric`)."""
    from ..core.errors import HarnessError

    found = metrics.get(name).factory
    if not isinstance(found, Metric):
        raise HarnessError(
            f"metric {name!r} is registered as {type(found).__name__}, not a harness.metrics.Metric; "
            "fix the plugin's entry point"
        )
    return found


def compute(names, g) -> dict:
    """``{name: value}`` for the named metrics over one cell's records."""
    return {name: get_metric(name)(g) for name in names}


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson score interval for k successes in n trials."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def accuracy_ci(row: dict) -> str:
    """A row's accuracy with its 95% interval, in percent: ``91.5% [86.8, 94.6]``."""
    return f"{100 * row['accuracy']:.1f}% [{100 * row['ci_low']:.1f}, {100 * row['ci_high']:.1f}]"


def _float_or_none(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _reduction(compressed: float, raw: float) -> float:
    """1 - compressed/raw (0 when raw is 0)."""
    return 1.0 - compressed / raw if raw else 0.0


# -- sizes --------------------------------------------------------------------------------
@metric("n", "count", needs=("raw_tokens",), place=Place("n", 10, always=True, optional=False, text=lambda r: r["n"]))
def _n(g):
    """Number of evaluated examples"""
    return len(g)


@metric(
    "mean_tokens", "tokens", False, needs=("input_tokens",), place=Place("mean tokens", 40, always=True, optional=False)
)
def _mean_tokens(g):
    """Mean tokens the model reads (dictionary and delimiters included)"""
    return float(g["input_tokens"].astype(float).mean())


@metric("mean_raw_tokens", "tokens", needs=("raw_tokens",), place=Place(None, 41, always=True))
def _mean_raw_tokens(g):
    """Mean tokens of the uncompressed prompt"""
    return float(g["raw_tokens"].astype(float).mean())


@metric(
    "length_reduction",
    "percent",
    True,
    needs=("input_tokens", "raw_tokens"),
    place=Place("length red.", 50, always=True, optional=False),
)
def _length_reduction(g):
    """Mean over examples of 1 - n_c/n_raw"""
    raw, comp = g["raw_tokens"].astype(float), g["input_tokens"].astype(float)
    return float((1 - comp / raw.where(raw > 0)).fillna(0).mean())


@metric(
    "length_reduction_sums", "percent", True, needs=("input_tokens", "raw_tokens"), place=Place(None, 51, always=True)
)
def _length_reduction_sums(g):
    """1 - Σn_c / Σn_raw (pooled)"""
    return _reduction(g["input_tokens"].astype(float).sum(), g["raw_tokens"].astype(float).sum())


@metric(
    "attention_reduction",
    "percent",
    True,
    needs=("input_tokens", "raw_tokens"),
    place=Place("attention red. (n²)", 52, always=True, optional=False),
)
def _attention_reduction(g):
    """The paper's quadratic-attention proxy: 1 - Σn_c² / Σn_raw²"""
    raw, comp = g["raw_tokens"].astype(float), g["input_tokens"].astype(float)
    return _reduction((comp**2).sum(), (raw**2).sum()) if raw.sum() else 0.0


@metric(
    "flops_reduction",
    "percent",
    True,
    needs=("flops", "raw_flops"),
    place=Place("FLOPs red.", 53, always=True, optional=False),
)
def _flops_reduction(g):
    """1 - ΣFLOPs_c / ΣFLOPs_raw (the model's forward FLOPs)"""
    return _reduction(g["flops"].sum(), g["raw_flops"].sum())


@metric("dictionary_entries", "number", needs=("dictionary_entries",))
def _dictionary_entries(g):
    """Mean dictionary entries per example"""
    return float(g["dictionary_entries"].astype(float).mean())


@metric(
    "rate_adherence",
    "percent",
    needs=("target_tokens", "compressed_tokens"),
    place=Place("rate adherence", 70, always=True, optional=False),
)
def _rate_adherence(g):
    """Lossy compressors given a target length: mean achieved / requested tokens"""
    asked = g["target_tokens"].astype(float)
    ok = asked.notna() & (asked > 0)
    return float((g["compressed_tokens"][ok].astype(float) / asked[ok]).mean()) if ok.any() else None


@metric("round_trip_rate", "percent", True, needs=("round_trip_ok",), place=Place("round trip", 201, table=False))
def _round_trip_rate(g):
    """Lossless compressors: fraction of examples with decompress(compress(x)) == x (None for lossy ones)"""
    checked = g["round_trip_ok"].dropna()
    return float(checked.astype(bool).mean()) if len(checked) else None


@metric(
    "answer_retention", "percent", True, needs=("answer_retained",), place=Place("answer retention", 200, table=False)
)
def _answer_retention(g):
    """Fraction of examples whose answer evidence survives verbatim in what the model reads (model-free upper bound)"""
    checked = g["answer_retained"].dropna()
    return float(checked.astype(bool).mean()) if len(checked) else None


@metric("codec_ms", "ms", False, needs=("codec_seconds",))
def _codec_ms(g):
    """Mean compression time per example, milliseconds (tokenization excluded)"""
    return 1000.0 * float(g["codec_seconds"].astype(float).mean())


# -- accuracy -------------------------------------------------------------------------------
@metric(
    "accuracy",
    "percent",
    True,
    needs=("correct",),
    place=Place("accuracy (95% CI)", 20, always=True, optional=False, text=accuracy_ci),
)
def _accuracy(g):
    """Fraction of examples the scorer marks correct"""
    return int(g["correct"].sum()) / len(g)


@metric("ci_low", "percent", needs=("correct",), place=Place(None, 21, always=True))
def _ci_low(g):
    """Lower end of accuracy's 95% Wilson interval"""
    return wilson(int(g["correct"].sum()), len(g))[0]


@metric("ci_high", "percent", needs=("correct",), place=Place(None, 22, always=True))
def _ci_high(g):
    """Upper end of accuracy's 95% Wilson interval"""
    return wilson(int(g["correct"].sum()), len(g))[1]


@metric(
    "majority_baseline",
    "percent",
    needs=("target",),
    place=Place("majority", 30, always=True, optional=False, site=False),
)
def _majority(g):
    """Accuracy of always answering the most frequent target of these examples"""
    return float(g["target"].value_counts().iloc[0]) / len(g)


@metric("balanced_accuracy", "percent", True, needs=("correct", "target"), place=Place(None, 204))
def _balanced_accuracy(g):
    """Mean over targets of the accuracy on the examples with that target"""
    return float(g.groupby("target")["correct"].mean().mean())


@metric("mean_score", "percent", True, needs=("score",), place=Place(None, 202))
def _mean_score(g):
    """Mean of the task's score in [0, 1] (equals accuracy for exact-match tasks)"""
    return _float_or_none(g["score"].astype(float).mean())


@metric("edit_similarity", "percent", True, needs=("scores",), place=Place("edit similarity", 203))
def _edit_similarity(g):
    """Mean character edit similarity of prediction and target (tasks that declare it)"""
    values = [s.get("edit_similarity") for s in g["scores"] if isinstance(s, dict)]
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


# -- time --------------------------------------------------------------------------------------
@metric(
    "prefill_ms",
    "ms",
    False,
    needs=("prefill_seconds",),
    place=Place("prefill ms", 60, always=True, optional=False, site=False),
)
def _prefill_ms(g):
    """Mean measured prefill time per example (batch 1, best of 3), milliseconds"""
    return 1000 * float(g["prefill_seconds"].mean())


def format_value(fmt: str, value) -> str:
    """``value`` as shown in a table for the display format ``fmt``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if fmt == "percent":
        return f"{100 * value:.1f}%"
    if fmt == "tokens":
        return f"{value:.1f}"
    if fmt == "ms":
        return f"{value:.2f}"
    if fmt == "ratio":
        return f"{value:.2f}x"
    if fmt == "count":
        return str(int(value))
    return f"{value:.4g}" if isinstance(value, float) else str(value)
