"""Every task parameter rejects a bad value at build time with a one-line error naming it."""

from __future__ import annotations

import inspect

import pytest

from harness.core.errors import HarnessError
from harness.tasks import build_task, tasks

#: task -> [(spec parameters, the parameter named in the error)]; every parameter of every task appears
BAD = {
    "recall": [
        ("records=0", "records"),
        ("records=91", "records"),
        ("ask=id", "ask"),
        ("by=name", "by"),
        ("digits=0", "digits"),
        ("digits=7", "digits"),
        ("keys=3", "keys"),
        ("keys=x", "keys"),
        ("records=2.5", "records"),
    ],
    "path_recall": [
        ("records=1", "records"),
        ("records=51", "records"),
        ("depth=0", "depth"),
        ("depth=x", "depth"),
        ("keys=3", "keys"),
    ],
    "tree": [
        ("stage=huge", "stage"),
        ("balance=maybe", "balance"),
        ("balance_test=1", "balance_test"),
        ("pairs_per_tree=0", "pairs_per_tree"),
        ("pairs_per_tree=all", "pairs_per_tree"),
    ],
    "json_lookup": [("dataset=iso", "dataset"), ("records=0", "records"), ("per_window=0", "per_window")],
    "table_lookup": [
        ("table=lineitem", "table"),
        ("rows=-1", "rows"),
        ("sf=0", "sf"),
        ("sf=2", "sf"),
        ("sf=x", "sf"),
        ("per_window=x", "per_window"),
    ],
    "log_extract": [("lines=0", "lines"), ("per_window=true", "per_window")],
    "sql_extract": [("suite=tpcx", "suite"), ("per_window=0", "per_window")],
    "code_edit": [("lines=0", "lines"), ("per_window=1.5", "per_window")],
    "commitpackft": [
        ("path=5", "path"),
        ("language=", "language"),
        ("test_fraction=0", "test_fraction"),
        ("test_fraction=0.9", "test_fraction"),
    ],
}


def test_every_parameter_is_covered():
    assert set(BAD) == set(tasks.names())
    for name, cases in BAD.items():
        covered = {param for _, param in cases}
        assert covered == set(inspect.signature(tasks.get(name).factory).parameters), name


@pytest.mark.parametrize(
    "spec,param", [(f"{name}@{params}", param) for name, cases in BAD.items() for params, param in cases]
)
def test_bad_value_is_a_one_line_error_naming_the_parameter(spec, param):
    with pytest.raises(HarnessError) as exc:
        build_task(spec)
    message = str(exc.value)
    assert "\n" not in message and message.startswith(f"task {spec.partition('@')[0]!r}: {param}"), message


def test_good_values_build_and_params_are_the_given_ones():
    task = build_task("recall@records=3,digits=1,keys=3")
    assert task.params == {"records": 3, "digits": 1, "keys": 3}
    assert task.resolved_params == {"records": 3, "ask": "qty", "by": "status", "digits": 1, "keys": 3}
    assert build_task("tree@pairs_per_tree=none").params == {"pairs_per_tree": None}
    assert build_task("table_lookup@sf=1").params == {"sf": 1}
    assert build_task("recall").params == {}


def test_bad_split_and_size():
    task = build_task("recall")
    with pytest.raises(HarnessError, match="unknown split 'dev'"):
        task.examples("dev", 1)
    with pytest.raises(HarnessError, match="n must be an integer >= 0"):
        task.examples("test", -1)
