"""Rendering rows as tables: Markdown, LaTeX (booktabs), HTML, CSV and JSON. The one place tables are drawn.

JSON and CSV carry every field (machine-readable); Markdown, LaTeX and HTML show a
display version of the rows when the caller gives one (formatted percentages, ...).
Untrusted text is neutralised: ``|`` is escaped in Markdown cells, and CSV cells that
start with ``=``, ``+``, ``-`` or ``@`` (a spreadsheet formula) are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable

from ..core.errors import HarnessError, missing_package

FORMATS = ("markdown", "latex", "csv", "html", "json")
_TABULATE = {"markdown": "github", "latex": "latex_booktabs", "html": "html"}
_FORMULA = ("=", "+", "-", "@")
#: characters pdfLaTeX does not know in text mode, as LaTeX (after tabulate's escaping)
_LATEX = {"Δ": r"$\Delta$", "Σ": r"$\Sigma$", "²": r"$^2$", "−": "-", "→": r"$\to$", "≥": r"$\geq$", "—": "---"}


def _clean(value):
    """JSON-safe: NaN and infinities become null, numpy scalars plain numbers."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _csv_cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def fieldnames(rows: list[dict]) -> list[str]:
    """Every key of ``rows``, in order of first appearance."""
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r))
    return list(names)


def json_safe(obj):
    """``obj`` with every nested value made JSON-safe (:func:`_clean`)."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return _clean(obj)


def to_json(rows) -> str:
    """``rows`` (a list of dicts, or any JSON-like object) as indented JSON, NaN as null."""
    return json.dumps(json_safe(rows), indent=2, ensure_ascii=False)


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=fieldnames(rows), lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: _csv_cell("" if v is None else _clean(v)) for k, v in r.items()})
    return buf.getvalue().rstrip("\n")


def _escape_markdown(rows: list[dict]) -> list[dict]:
    return [{k: v.replace("|", "\\|") if isinstance(v, str) else v for k, v in r.items()} for r in rows]


def render_rows(
    rows: list[dict],
    fmt: str = "markdown",
    *,
    display: Callable[[list[dict]], list[dict]] | None = None,
    empty: str = "(no rows)",
    floatfmt: str = ".4g",
) -> str:
    """Render ``rows`` in ``fmt``; ``display(rows)`` gives the human-readable version for drawn tables."""
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return to_csv(rows)
    if fmt not in _TABULATE:
        raise HarnessError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    try:
        from tabulate import tabulate
    except ImportError:
        raise missing_package("tabulate", "rendering tables") from None
    shown = display(rows) if display else rows
    if not shown:
        return empty
    if fmt == "markdown":
        shown = _escape_markdown(shown)
    table = tabulate(
        shown, headers="keys", tablefmt=_TABULATE[fmt], floatfmt=floatfmt, disable_numparse=display is not None
    )
    if fmt == "latex":
        for char, latex in _LATEX.items():
            table = table.replace(char, latex)
    return table
