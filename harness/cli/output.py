"""Printing rows as JSON, CSV or Markdown tables."""

from __future__ import annotations

import csv
import io
import json
import math

FORMATS = ("markdown", "json", "csv")


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def render(rows: list[dict], fmt: str = "markdown", floatfmt: str = ".4g") -> str:
    """Render a list of row dicts (same keys) in ``fmt``."""
    if fmt == "json":
        return json.dumps([{k: _clean(v) for k, v in r.items()} for r in rows], indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        if rows:
            writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        return buf.getvalue().rstrip("\n")
    from tabulate import tabulate

    return tabulate(rows, headers="keys", tablefmt="github", floatfmt=floatfmt) if rows else "(no rows)"
