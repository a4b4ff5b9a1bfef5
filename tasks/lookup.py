"""Structured-data lookup over real records: ISO code lists and vega JSON, TPC-H tables as CSV.

The context is a block of consecutive records; the question names one record by a key
field whose value is unique in the block and asks for another of its fields. The
answer is that field's value exactly as the context spells it, so it can only be
found by reading the block.
"""

from __future__ import annotations

import csv
import io
import json

from ..core.validate import number, one_of, positive_int
from ..data import corpora
from .base import Task
from .registry import tasks
from .windows import Question, Window, WindowSource, chunks, window_task

#: dataset -> (loader returning (records, path), fields a question may name a record by)
JSON_DATASETS = {
    "iso_639-3": (lambda: corpora.iso_codes("639-3"), ("name", "alpha_3")),
    "iso_3166-1": (lambda: corpora.iso_codes("3166-1"), ("name", "alpha_2", "alpha_3", "numeric")),
    "iso_3166-2": (lambda: corpora.iso_codes("3166-2"), ("code", "name")),
    "iso_4217": (lambda: corpora.iso_codes("4217"), ("name", "alpha_3", "numeric")),
    "iso_15924": (lambda: corpora.iso_codes("15924"), ("name", "alpha_4", "numeric")),
    "vega_cars": (lambda: corpora.vega_json("cars"), ("Name",)),
}

#: TPC-H table -> key columns (the primary key, and unique text columns)
TPCH_KEYS = {
    "orders": ("o_orderkey",),
    "customer": ("c_custkey", "c_name"),
    "part": ("p_partkey", "p_name"),
    "supplier": ("s_suppkey", "s_name"),
}


def record_questions(records: list[dict], keys, rendered, ask) -> list[Question]:
    """Every (record, key field, asked field) with a key value unique in the block."""
    out = []
    for key in keys:
        values = [rendered(r.get(key)) for r in records]
        for r, value in zip(records, values):
            if r.get(key) is None or values.count(value) != 1:
                continue
            for field, answer in r.items():
                shown = rendered(answer)
                if field == key or answer is None or not shown.strip():
                    continue
                out.append(Question(ask(field, key, value), shown, {"key": key, "field": field}))
    return out


def json_value(value) -> str:
    """A JSON value as the context spells it (strings without their quotes)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@tasks.register("json_lookup")
def json_lookup(dataset: str = "iso_639-3", records: int = 40, per_window: int = 8) -> Task:
    """Look up a field of one record in a block of real JSON records (ISO code lists, vega)"""
    one_of("dataset", dataset, JSON_DATASETS)
    records, per_window = positive_int("records", records), positive_int("per_window", per_window)
    loader, keys = JSON_DATASETS[dataset]

    def windows():
        items, _ = loader()
        return [
            Window(f"{dataset}@{start}", "Data (JSON):\n", json.dumps(block, indent=1, ensure_ascii=False), block)
            for start, block in chunks(items, records)
        ]

    def ask(w):
        return record_questions(
            w.data,
            keys,
            json_value,
            lambda f, k, v: f'\nQuestion: what is the "{f}" of the record whose "{k}" is "{v}"? Answer: ',
        )

    source = WindowSource(f"json_lookup/{dataset}", windows, ask, per_window)
    return window_task(
        "json_lookup",
        f"JSON lookup in blocks of {records} records of {dataset}: one field of one record",
        f"{dataset} ({'Debian iso-codes or pycountry' if dataset.startswith('iso') else 'vega-datasets'})",
        source,
    )


@tasks.register("table_lookup")
def table_lookup(table: str = "orders", rows: int = 30, sf: float = 0.01, per_window: int = 4) -> Task:
    """Look up one cell of a real TPC-H table (duckdb dbgen) given as CSV"""
    one_of("table", table, TPCH_KEYS)
    rows, per_window = positive_int("rows", rows), positive_int("per_window", per_window)
    sf = number("sf (the TPC-H scale factor)", sf, 0, 1, low_open=True)

    def windows():
        cols, data = corpora.tpch_table(table, sf)
        recs = [dict(zip(cols, (str(v) for v in row))) for row in data]
        out = []
        for start, block in chunks(recs, rows):
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
            writer.writeheader()
            writer.writerows(block)
            out.append(Window(f"{table}@{start}", f"Table {table} (CSV):\n", buf.getvalue(), block))
        return out

    def ask(w):
        return record_questions(
            w.data,
            TPCH_KEYS[table],
            str,
            lambda f, k, v: f"\nQuestion: in the row where {k} is {v}, what is {f}? Answer: ",
        )

    source = WindowSource(f"table_lookup/{table}@sf={sf}", windows, ask, per_window)
    return window_task(
        "table_lookup",
        f"Cell lookup in {rows}-row CSV blocks of TPC-H {table} (sf={sf})",
        "TPC-H via duckdb's tpch extension (CALL dbgen)",
        source,
    )
