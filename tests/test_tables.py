"""The one table renderer: untrusted text cannot shift Markdown columns or become a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import json
import math

from harness.results.tables import render_rows

ROWS = [{"compressor": "evil|name", "note": '=HYPERLINK("x")', "delta": -0.5, "x": math.nan}]


def test_markdown_escapes_pipes_so_columns_stay_put():
    table = render_rows(ROWS, "markdown")
    header, _, row = table.splitlines()
    assert "evil\\|name" in row
    assert row.count(" | ") == header.count(" | ")


def test_csv_neutralises_formulas_but_not_numbers():
    (row,) = list(csv.DictReader(io.StringIO(render_rows(ROWS, "csv"))))
    assert row["note"] == '\'=HYPERLINK("x")'
    assert row["delta"] == "-0.5"  # a number keeps its sign
    for lead in "+-@":
        (cell,) = list(csv.DictReader(io.StringIO(render_rows([{"a": lead + "1+1"}], "csv"))))
        assert cell["a"] == "'" + lead + "1+1"


def test_json_has_no_nan():
    assert json.loads(render_rows(ROWS, "json"))[0]["x"] is None
