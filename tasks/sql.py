"""SQL reading over the real TPC-H (22) and TPC-DS (99) benchmark queries shipped with duckdb.

The context is one query; the question names a column and a comparison operator that
occur together exactly once in it and asks for the literal compared against, spelled
exactly as in the query (quotes included for strings).
"""

from __future__ import annotations

import re

from ..core.validate import one_of, positive_int
from ..data import corpora
from .base import Task
from .registry import tasks
from .windows import Question, Window, WindowSource, window_task

_NAME = r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)"
_LITERAL = r"(?:CAST\(\s*)?('[^']*'|-?\d+(?:\.\d+)?)(?![\w.])"
COMPARISON = re.compile(_NAME + r"\s*(<=|>=|<>|!=|=|<|>)\s*" + _LITERAL)
BETWEEN = re.compile(_NAME + r"\s+BETWEEN\s+" + _LITERAL + r"\s+AND\s+" + _LITERAL, re.IGNORECASE)


def comparisons(sql: str) -> list[tuple[str, str, str]]:
    """(column, operator, literal) for every comparison with a literal; BETWEEN gives two."""
    found = [(col, op, lit) for col, op, lit in COMPARISON.findall(sql)]
    for col, low, high in BETWEEN.findall(sql):
        found += [(col, "BETWEEN (lower bound)", low), (col, "BETWEEN (upper bound)", high)]
    return found


def literal_questions(query_name: str, sql: str) -> list[Question]:
    found = comparisons(sql)
    pairs = [(col, op) for col, op, _ in found]
    out = []
    for col, op, literal in found:
        if pairs.count((col, op)) == 1:
            out.append(
                Question(
                    f"\nQuestion: in this query, which literal is {col} compared with by `{op}`? Answer: ",
                    literal,
                    {"column": col, "op": op},
                )
            )
    return out


SUITES = {"tpch": ("tpch",), "tpcds": ("tpcds",), "both": ("tpch", "tpcds")}


@tasks.register("sql_extract")
def sql_extract(suite: str = "both", per_window: int = 8) -> Task:
    """Read the literal a column is compared with in a real TPC-H / TPC-DS query"""
    one_of("suite", suite, SUITES)
    per_window = positive_int("per_window", per_window)

    def windows():
        return [
            Window(name.replace(" ", "-"), f"SQL ({name}):\n", sql.strip(), name)
            for s in SUITES[suite]
            for name, sql in corpora.benchmark_queries(s)
        ]

    source = WindowSource(f"sql_extract/{suite}", windows, lambda w: literal_questions(w.data, w.context), per_window)
    return window_task(
        "sql_extract",
        f"Literal extraction from one real benchmark query ({suite})",
        "TPC-H / TPC-DS queries from duckdb's tpch/tpcds extensions",
        source,
        default_sizes={"train": 1000, "test": 100},
    )
