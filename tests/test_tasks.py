"""Contract tests every registered task must pass, plus checks of the Textualized Tree task."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from harness.cli import main
from harness.core.errors import HarnessError
from harness.tasks import build_task, tasks

FIXTURES = Path(__file__).parent / "fixtures"

TINY_COMMITPACK = FIXTURES / "commitpackft_tiny.jsonl"


def _commitpack_rows() -> Path:
    """40 rows in the CommitPackFT schema (the 10 fixture rows, 4 variants each), so both splits hold several."""
    rows = [json.loads(line) for line in TINY_COMMITPACK.read_text().splitlines() if line.strip()]
    out = [
        {
            **r,
            "commit": f"{r['commit']}-{k}",
            "old_contents": f"{r['old_contents']}# variant {k}\n",
            "new_contents": f"{r['new_contents']}# variant {k}\n",
        }
        for k in range(4)
        for r in rows
    ]
    folder = Path(tempfile.gettempdir()) / "ltsc-bench-tests"
    folder.mkdir(exist_ok=True)
    path = folder / "commitpackft_40.jsonl"
    tmp = folder / f".commitpackft_40.{os.getpid()}"
    tmp.write_text("".join(json.dumps(r) + "\n" for r in out))
    tmp.replace(path)  # atomic: concurrent test runs write the same bytes
    return path


COMMITPACK = f"commitpackft@path={_commitpack_rows()},test_fraction=0.5"

TASK_SPECS = [
    "tree@stage=small",
    "tree@stage=x3large",
    "code_edit",
    "json_lookup",
    "json_lookup@dataset=vega_cars,records=10",
    "table_lookup@table=customer,rows=10",
    "log_extract",
    "sql_extract",
    COMMITPACK,
]
# tasks registered elsewhere (other modules, plugins) pass the same contract with their defaults
TASK_SPECS += sorted(set(tasks.names()) - {s.partition("@")[0] for s in TASK_SPECS})


def available(specs):
    """The specs whose data is present here (the log task needs scripts/bootstrap.sh to have run)."""
    out = []
    for spec in specs:
        try:
            build_task(spec).examples("test", 1)
            out.append(spec)
        except HarnessError:
            pass
    return out


def near_miss(target: str) -> str:
    """The target with one character changed (the last non-space one)."""
    i = len(target.rstrip()) - 1
    ch = target[i]
    swap = "x" if ch != "x" else "y"
    return target[:i] + swap + target[i + 1 :]


def _examples(spec, split, n, seed=42):
    try:
        return build_task(spec).examples(split, n, seed)
    except HarnessError as exc:
        pytest.skip(f"{spec}: data unavailable here ({exc})")


@pytest.mark.parametrize("spec", TASK_SPECS)
def test_deterministic_for_a_seed(spec):
    a = _examples(spec, "test", 6, seed=7)
    b = _examples(spec, "test", 6, seed=7)
    assert a == b and len(a) == 6
    c = _examples(spec, "test", 6, seed=8)
    assert [e.prompt for e in c] != [e.prompt for e in a] or [e.target for e in c] != [e.target for e in a]


@pytest.mark.parametrize("spec", TASK_SPECS)
def test_train_and_test_are_disjoint(spec):
    train = _examples(spec, "train", 30)
    test = _examples(spec, "test", 10)
    assert {e.id for e in train}.isdisjoint(e.id for e in test)
    assert {(e.prompt, e.target) for e in train}.isdisjoint((e.prompt, e.target) for e in test)
    units = lambda exs: {e.meta.get("unit") for e in exs}  # noqa: E731  (the split unit: tree, code window, row...)
    assert units(train).isdisjoint(units(test)) or units(train) == {None}


@pytest.mark.parametrize("spec", TASK_SPECS)
def test_scorer_accepts_exact_and_rejects_near_miss(spec):
    task = build_task(spec)
    for ex in _examples(spec, "test", 5):
        assert task.score(ex.target, ex.target)
        assert not task.score(near_miss(ex.target), ex.target)


@pytest.mark.parametrize("spec", TASK_SPECS)
def test_prompt_parts_and_answer(spec):
    for ex in _examples(spec, "test", 5):
        assert ex.context and ex.target.strip()
        assert ex.prompt == ex.prefix + ex.context + ex.suffix


# -- tree ---------------------------------------------------------------------------
def test_tree_matches_the_paper_format():
    ex = build_task("tree@stage=medium").examples("test", 1)[0]
    assert ex.prefix == "Tree: "
    assert ex.suffix.startswith(", Task: Parent/Child Relationship, Parent: ") and ex.suffix.endswith(", Answer: ")
    lines = ex.context.split("\n")
    assert not lines[0].startswith("+") and all(line.lstrip("+") for line in lines)
    labels = [line.lstrip("+") for line in lines]
    assert len(set(labels)) == len(labels) and all(len(x) == 2 and x.isupper() for x in labels)


def _parent_of(tree_text: str) -> dict:
    stack, parent = [], {}
    for line in tree_text.split("\n"):
        label, depth = line.lstrip("+"), len(line) - len(line.lstrip("+"))
        del stack[depth:]
        if stack:
            parent[label] = stack[-1]
        stack.append(label)
    return parent


@pytest.mark.parametrize("stage,max_nodes,max_depth", [("small", 3, 2), ("medium", 10, 3), ("x3large", 150, 4)])
def test_tree_answers_are_the_edges_of_the_rendered_tree(stage, max_nodes, max_depth):
    exs = build_task(f"tree@stage={stage}").examples("test", 40)
    for ex in exs:
        parent = _parent_of(ex.context)
        p = ex.suffix.split("Parent: ")[1].split(",")[0]
        c = ex.suffix.split("Child: ")[1].split(",")[0]
        assert ex.target == ("true" if parent.get(c) == p else "false")
        lines = ex.context.split("\n")
        assert len(lines) <= max_nodes and max(len(x) - len(x.lstrip("+")) for x in lines) <= max_depth


def test_tree_balance_applies_to_train_only():
    task = build_task("tree@stage=large")
    train = task.examples("train", 200)
    assert sum(e.target == "true" for e in train) == 100
    test = task.examples("test", 200)
    assert sum(e.target == "true" for e in test) < 40  # natural distribution: few edges
    unbalanced = build_task("tree@stage=large,balance=false").examples("train", 200)
    assert sum(e.target == "true" for e in unbalanced) < 40
    balanced_test = build_task("tree@stage=large,balance_test=true").examples("test", 200)
    assert sum(e.target == "true" for e in balanced_test) == 100
    assert not {e.meta["unit"] for e in balanced_test} & {e.meta["unit"] for e in train}  # still disjoint by tree


def test_tree_split_is_about_98_2_by_tree():
    from harness.tasks.splits import rng, split_of
    from harness.tasks.tree import STAGES, TreeSource, grow_tree, render

    assert TreeSource.test_period == 50
    trees = [render(grow_tree(STAGES["large"], rng("tree", "large", 0, i))) for i in range(5000)]
    tests = sum(split_of(t, TreeSource.test_period) == "test" for t in trees)
    assert 60 <= tests <= 140


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "tasks"],
        ["list", "tasks", "--format", "json"],
    ],
)
def test_list_tasks(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "tree" in out and "x3large" in out


def test_bad_task_name_and_params_raise_one_line_errors():
    with pytest.raises(HarnessError, match="unknown task 'tre'.*did you mean 'tree'"):
        build_task("tre")
    with pytest.raises(HarnessError, match="task 'tree': stage must be one of small, xsmall, .*; got 'huge'"):
        build_task("tree@stage=huge")
    with pytest.raises(
        HarnessError, match="task .tree. has no parameter .depth.; its parameters: stage, balance, pairs_per_tree"
    ):
        build_task("tree@depth=3")


# -- real-data tasks ----------------------------------------------------------------------
@pytest.mark.parametrize("spec", ["json_lookup", "table_lookup", "log_extract", "sql_extract"])
def test_short_answers_are_read_from_the_context(spec):
    for ex in _examples(spec, "test", 20):
        assert ex.target in ex.context and len(ex.target) < 120 and "\n" not in ex.target


def test_code_edit_targets_apply_the_instruction():
    import re

    seen = set()
    for ex in _examples("code_edit@per_window=8", "test", 80):
        instruction = ex.suffix.split("Instructions: ")[1].split("\nNew Content:")[0]
        assert ex.target != ex.context
        quoted = re.findall(r"`([^`]*)`", instruction)
        if instruction.startswith("Replace every"):
            old, new = quoted
            assert not re.search(rf"\b{old}\b", ex.target) and new in ex.target
            seen.add("rename")
        elif instruction.startswith("Delete"):
            assert ex.target.count("\n") == ex.context.count("\n") - 1
            seen.add("delete")
        elif instruction.startswith("After"):
            assert ex.target.count("\n") == ex.context.count("\n") + 1 and quoted[1] in ex.target
            seen.add("insert")
        else:
            assert instruction.startswith("On the line") and len(ex.target.splitlines()) == len(ex.context.splitlines())
            seen.add("literal")
    assert seen == {"rename", "delete", "insert", "literal"}


def test_code_edit_rejects_stdlib_files_that_differ_from_the_manifest(monkeypatch):
    from harness.data import corpora

    corpora.stdlib_file.cache_clear()
    monkeypatch.setitem(corpora.STDLIB_MANIFEST, "bisect.py", "0" * 64)
    with pytest.raises(HarnessError, match="differs from the pinned manifest"):
        build_task("code_edit").examples("test", 1)
    corpora.stdlib_file.cache_clear()


def test_log_task_without_logs_is_a_one_line_error(monkeypatch, tmp_path):
    from harness.data import corpora

    monkeypatch.setenv("LTSC_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("LTSC_FAIL2BAN_LOGS", raising=False)
    monkeypatch.setattr(corpora, "_F2B_LOGS", "no/such/dir")
    corpora.fail2ban_logs.cache_clear()
    with pytest.raises(HarnessError, match="run scripts/bootstrap.sh") as exc:
        build_task("log_extract").examples("test", 1)
    assert "\n" not in str(exc.value)
    corpora.fail2ban_logs.cache_clear()


def test_commitpackft_fixture_and_errors(tmp_path):
    task = build_task(f"commitpackft@path={TINY_COMMITPACK},test_fraction=0.5")
    exs, train = task.examples("test"), task.examples("train")
    assert (len(exs), len(train)) == (3, 7)  # 1 in 2 old files by content hash: 3 of the 10 fall in test
    assert all(e.prefix.startswith("Update the old python code") for e in exs)
    assert task.available() == {"train": 7, "test": 3}
    import importlib.util

    if importlib.util.find_spec("datasets") is None:
        with pytest.raises(HarnessError, match="needs the optional package 'datasets'"):
            build_task("commitpackft").examples("test", 1)
    with pytest.raises(HarnessError, match="cannot read CommitPackFT file"):
        build_task(f"commitpackft@path={tmp_path / 'missing.jsonl'}").examples("test", 1)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"old_contents": "x"}\n')
    with pytest.raises(HarnessError, match="lacks string field 'new_contents'"):
        build_task(f"commitpackft@path={bad}").examples("test", 1)
    with pytest.raises(HarnessError, match="no row of the 10 falls in the test split at test_fraction=0.02"):
        build_task(f"commitpackft@path={TINY_COMMITPACK},test_fraction=0.02").examples("test", 1)


def test_examples_are_identical_across_processes_and_hash_seeds():
    """String hashing is randomised per process; task data must not depend on it."""
    import os
    import subprocess
    import sys

    code = (
        "import hashlib, sys; from harness.tasks import build_task; h = hashlib.sha256()\n"
        "for spec in sys.argv[1:]:\n"
        "    for split in ('train', 'test'):\n"
        "        for e in build_task(spec).examples(split, 5, 3): h.update(repr((e.id, e.prompt, e.target)).encode())\n"
        "print(h.hexdigest())"
    )
    specs = available(TASK_SPECS)
    digests = {
        subprocess.run(
            [sys.executable, "-c", code, *specs],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1
