"""Mutation testing of the modules every leaderboard rests on (issue 14). Slow: not part of CI.

    .venv/bin/python benchmarks/mutation.py                       # every module of benchmarks/mutation.toml
    .venv/bin/python benchmarks/mutation.py --module harness.metrics harness.tasks.scoring
    .venv/bin/python benchmarks/mutation.py --module harness.compressors.ltsc --list   # the mutants, no tests
    .venv/bin/python benchmarks/mutation.py --module harness.metrics --show 2485d5ef  # one mutant's line
    .venv/bin/python benchmarks/mutation.py --module harness.metrics --only 2485d5ef  # recheck survivors
    .venv/bin/python benchmarks/mutation.py --json /tmp/mutation.json                 # details per mutant

Prints a Markdown table (module, mutants, killed, survived, equivalent, score), then the
survivors and the equivalent mutants with their reasons; exits 1 when a module scores below
``threshold`` (0.90) or cannot be measured (its tests fail without a mutant). Ctrl-C or SIGTERM stops
the run and still prints the modules it finished (exit 130).

A *mutant* is the module with one realistic one-line bug (an operator, comparison,
constant, ``min``/``max``, a dropped call, a ``return None`` ...; see :data:`OPERATORS`). For each
mutant the module's test files (``tests`` in the config) run against it; the mutant is
*killed* when a test fails, errors or times out, and *survives* when all pass. The clean
run (no mutant) records which tests execute each line of the module; a mutant runs only
those tests (all of them for code run at import), and one on a line no test executes
survives without a run. Error-message text (``raise`` statements, ``message_calls``),
docstrings and annotations are not mutated. Mutant ids are a hash of the module, function,
source line and mutation: stable while that line is unchanged. Mutants listed as
``[[equivalent]]`` in the config (they cannot change behaviour) are excluded from the
score, each with its reason. Score = killed / (mutants - equivalent).

Why not ``mutmut``: mutmut 3.8.1 (current) does not mutate decorated functions (every
``@metric`` of ``harness/metrics.py``, ``@property``) and runs the tests from a copy of the
source tree (``mutants/``), which cannot express this package's layout (``tasks/`` and
``baselines/`` install as ``harness.tasks`` and ``harness.baselines``). This script mutates
the AST instead and serves the mutated module to the tests through an import hook
(``sitecustomize`` on ``PYTHONPATH``, so subprocesses the tests start see it too): the
working tree is never modified, nothing is written outside a temporary folder under
``/tmp`` (removed at the end), and a run is repeatable (Hypothesis is derandomized and
its database is off).

Resources: one test process at a time (no parallel runs: the cores are shared), niced; each
mutant's tests run in a fork of a process that already imported numpy, pandas, pytest and
hypothesis, with ``-x`` (stop at the first failure), killed with its process group after
``timeout_factor`` x the clean run. Configuration: ``benchmarks/mutation.toml``.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import marshal
import os
import select
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
CONFIG = Path(__file__).with_name("mutation.toml")

# -- mutation operators ---------------------------------------------------------------------------
BINOPS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.Mult,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
    ast.BitXor: ast.BitOr,
}
CMPOPS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
BOOLOPS = {ast.And: ast.Or, ast.Or: ast.And}
NAME_SWAPS = {"min": "max", "max": "min", "any": "all", "all": "any"}
SYMBOL = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.And: "and",
    ast.Or: "or",
}
#: what each operator does (the --help of the table's "op" column)
OPERATORS = {
    "binop": "arithmetic/bitwise operator swapped (+ -, * /, // /, % *, ** *, << >>, | &, ^ |), also in +=",
    "compare": "comparison swapped (< <=, > >=, == !=, is / is not, in / not in)",
    "boolop": "and <-> or",
    "unary": "`not x` -> `x`, `-x` -> `x`",
    "constant": "int n -> n+1, float x -> x+1, True <-> False, 'text' -> 'XXtextXX', b'..' -> b'XX..XX'",
    "call": "min <-> max, any <-> all",
    "drop": "a call statement removed (`f(x)` -> `pass`)",
    "return": "`return x` -> `return None` (also a lambda's body)",
    "loop": "break <-> continue",
}


@dataclass
class Mutant:
    id: str
    module: str
    qualname: str
    line: int
    op: str
    what: str  # "`<` -> `<=`" etc.
    source_line: str
    index: int  # the node's position in ast.walk order
    kind: str
    span: tuple[int, int]  # lines whose execution means the mutant is reached
    at_import: bool  # outside any function body: runs when the module is imported
    status: str = ""  # killed | survived | not covered | timeout | equivalent
    killed_by: str = ""
    seconds: float = 0.0
    reason: str = ""


def _docstring_nodes(tree: ast.AST) -> list[ast.Expr]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                out.append(first)
    return out


def _skipped_subtrees(tree: ast.AST, message_calls: set[str]) -> set[int]:
    """Nodes never mutated: docstrings, annotations, imports, ``__all__``, error messages (``raise`` and
    the configured message builders), and the mutation-irrelevant parts of a ``def``."""
    skip: set[int] = set()

    def drop(node):
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Raise, ast.Assert, ast.Global, ast.Nonlocal)):
            drop(node)
        elif isinstance(node, ast.arg):
            drop(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            drop(node.returns)
        elif isinstance(node, ast.AnnAssign):
            drop(node.annotation)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            drop(node)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in message_calls:
                drop(node)
        elif isinstance(node, ast.ClassDef):
            for base in (*node.bases, *node.keywords):
                drop(base)
    for doc in _docstring_nodes(tree):
        drop(doc)
    return skip


def _qualnames(tree: ast.AST) -> dict[int, str]:
    names: dict[int, str] = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}.{child.name}" if prefix else child.name
                for n in ast.walk(child):
                    names[id(n)] = name
                visit(child, name)
            elif isinstance(child, ast.Lambda):
                name = f"{prefix}.<lambda>" if prefix else "<lambda>"
                for n in ast.walk(child):
                    names.setdefault(id(n), name)
                visit(child, prefix)
            else:
                visit(child, prefix)

    visit(tree, "")
    return names


def _statements(tree: ast.AST) -> dict[int, ast.stmt]:
    """Innermost enclosing statement of every node."""
    out: dict[int, ast.stmt] = {}

    def visit(node, stmt):
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.stmt) else stmt
            out[id(child)] = inner
            visit(child, inner)

    visit(tree, None)
    return out


def _sites(node: ast.AST, parent: ast.AST | None):
    """(kind, description) of every mutation of ``node`` itself."""
    if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
        yield "binop", f"`{SYMBOL[type(node.op)]}` -> `{SYMBOL[BINOPS[type(node.op)]]}`"
    elif isinstance(node, ast.AugAssign) and type(node.op) in BINOPS:
        yield "binop", f"`{SYMBOL[type(node.op)]}=` -> `{SYMBOL[BINOPS[type(node.op)]]}=`"
    elif isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            if type(op) in CMPOPS:
                yield f"compare{k}", f"`{SYMBOL[type(op)]}` -> `{SYMBOL[CMPOPS[type(op)]]}`"
    elif isinstance(node, ast.BoolOp):
        yield "boolop", f"`{SYMBOL[type(node.op)]}` -> `{SYMBOL[BOOLOPS[type(node.op)]]}`"
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        yield "unary", "`not x` -> `x`" if isinstance(node.op, ast.Not) else "`-x` -> `x`"
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            yield "constant", f"`{value}` -> `{not value}`"
        elif isinstance(value, (int, float)):
            yield "constant", f"`{value!r}` -> `{value + 1!r}`"
        elif isinstance(value, str) and not isinstance(parent, ast.JoinedStr):
            yield "constant", f"`{_clip(repr(value))}` -> `{_clip(repr('XX' + value + 'XX'))}`"
        elif isinstance(value, bytes):
            yield "constant", f"`{value!r}` -> `{b'XX' + value + b'XX'!r}`"
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in NAME_SWAPS:
        yield "call", f"`{node.func.id}` -> `{NAME_SWAPS[node.func.id]}`"
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        yield "drop", f"`{_clip(ast.unparse(node), 50)}` removed"
    elif (
        isinstance(node, ast.Return)
        and node.value is not None
        and not (isinstance(node.value, ast.Constant) and node.value.value is None)
    ):
        yield "return", "`return x` -> `return None`"
    elif isinstance(node, ast.Lambda) and not (isinstance(node.body, ast.Constant) and node.body.value is None):
        yield "return", "lambda body -> `None`"
    elif isinstance(node, (ast.Break, ast.Continue)):
        yield "loop", "`break` -> `continue`" if isinstance(node, ast.Break) else "`continue` -> `break`"


def _clip(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _apply(node: ast.AST, parent: ast.AST, kind: str) -> None:
    """Mutate ``node`` in place (``parent``: for statement replacements)."""
    if kind == "binop":
        node.op = BINOPS[type(node.op)]()
    elif kind.startswith("compare"):
        k = int(kind[len("compare") :])
        node.ops[k] = CMPOPS[type(node.ops[k])]()
    elif kind == "boolop":
        node.op = BOOLOPS[type(node.op)]()
    elif kind == "unary":
        _replace(parent, node, node.operand)
    elif kind == "constant":
        v = node.value
        node.value = (
            not v
            if isinstance(v, bool)
            else v + 1
            if isinstance(v, (int, float))
            else "XX" + v + "XX"
            if isinstance(v, str)
            else b"XX" + v + b"XX"
        )
    elif kind == "call":
        node.func = ast.Name(NAME_SWAPS[node.func.id], ast.Load())
    elif kind == "drop":
        _replace(parent, node, ast.Pass())
    elif kind == "return":
        if isinstance(node, ast.Lambda):
            node.body = ast.Constant(None)
        else:
            node.value = ast.Constant(None)
    elif kind == "loop":
        _replace(parent, node, ast.Continue() if isinstance(node, ast.Break) else ast.Break())
    else:  # pragma: no cover
        raise ValueError(kind)


def _replace(parent: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for name, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, name, new)
            return
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new
                    return
    raise ValueError("node not found in its parent")  # pragma: no cover


def _walk_with_parents(tree: ast.AST) -> list[tuple[ast.AST, ast.AST | None]]:
    """``ast.walk`` order (deterministic), each node with its parent."""
    out = [(tree, None)]
    i = 0
    while i < len(out):
        node = out[i][0]
        out.extend((child, node) for child in ast.iter_child_nodes(node))
        i += 1
    return out


def enumerate_mutants(module: str, source: str, message_calls: set[str]) -> list[Mutant]:
    lines = source.splitlines()
    tree = ast.parse(source)
    skip = _skipped_subtrees(tree, message_calls)
    names = _qualnames(tree)
    stmts = _statements(tree)
    in_body = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        for stmt in f.body
        for n in ast.walk(stmt)
    }
    in_body |= {id(n) for f in ast.walk(tree) if isinstance(f, ast.Lambda) for n in ast.walk(f.body)}
    mutants, seen = [], {}
    for index, (node, parent) in enumerate(_walk_with_parents(tree)):
        if id(node) in skip or not hasattr(node, "lineno"):
            continue
        for kind, what in _sites(node, parent):
            qual = names.get(id(node), "<module>")
            text = lines[node.lineno - 1].strip()
            key = f"{module}|{qual}|{text}|{what}"
            seen[key] = seen.get(key, 0) + 1
            mid = hashlib.sha1(f"{key}|{seen[key]}".encode()).hexdigest()[:8]
            stmt = stmts.get(id(node)) or node
            span = (min(stmt.lineno, node.lineno), max(node.end_lineno or node.lineno, stmt.lineno))
            if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)) and stmt is not node:
                span = (min(span[0], node.lineno), max(node.end_lineno or node.lineno, stmt.lineno))
            mutants.append(
                Mutant(
                    mid,
                    module,
                    qual,
                    node.lineno,
                    kind.rstrip("0123456789"),
                    what,
                    text,
                    index,
                    kind,
                    span,
                    id(node) not in in_body,
                )
            )
    return sorted(mutants, key=lambda m: (m.line, m.index))


def mutated_code(source: str, path: Path, mutant: Mutant | None):
    tree = ast.parse(source)
    if mutant is not None:
        node, parent = _walk_with_parents(tree)[mutant.index]
        _apply(node, parent, mutant.kind)
        ast.fix_missing_locations(tree)
    return compile(tree, str(path), "exec", dont_inherit=True)


def mutated_statement(source: str, mutant: Mutant) -> str:
    """The innermost statement holding the mutant, mutated, as source text (one line)."""
    tree = ast.parse(source)
    walked = _walk_with_parents(tree)
    node, parent = walked[mutant.index]
    stmt = _statements(tree).get(id(node)) or node
    _apply(node, parent, mutant.kind)
    if isinstance(stmt, (ast.FunctionDef, ast.ClassDef, ast.If, ast.For, ast.While, ast.With, ast.Try)):
        return ast.unparse(stmt).splitlines()[0]
    return " ".join(ast.unparse(stmt).split())


# -- the import hook (sitecustomize: the tests' subprocesses get the mutant too) ----------------------
HOOK = """
import importlib.abc, importlib.util, marshal, os, sys

class _MutantLoader(importlib.abc.Loader):
    def __init__(self, code_path):
        self.code_path = code_path
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        with open(self.code_path, "rb") as fh:
            exec(marshal.load(fh), module.__dict__)

class _MutantFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != os.environ.get("LTSC_MUTATION_MODULE"):
            return None
        return importlib.util.spec_from_file_location(
            fullname, os.environ["LTSC_MUTATION_ORIGIN"], loader=_MutantLoader(os.environ["LTSC_MUTATION_CODE"]))

if os.environ.get("LTSC_MUTATION_MODULE") and not any(type(f).__name__ == "_MutantFinder" for f in sys.meta_path):
    sys.meta_path.insert(0, _MutantFinder())
"""


class _Plugin:
    """pytest plugin: the first failing test; optionally runs only the ``selected`` tests; optionally records
    the target file's executed lines per test (``trace``)."""

    COLLECT = "<import>"  # lines run while tests are collected: module level, class bodies, defaults

    def __init__(self, target: str, selected: set[str] | None, trace: bool):
        self.failed = ""
        self.selected = selected
        self.current = self.COLLECT
        self.lines: dict[str, set[int]] = {}
        if trace:
            self._start_trace(target)

    def _start_trace(self, target: str) -> None:
        import threading

        def local(frame, event, arg):
            if event == "line":
                self.lines.setdefault(self.current, set()).add(frame.f_lineno)
            return local

        def tracer(frame, event, arg):
            if frame.f_code.co_filename == target:
                self.lines.setdefault(self.current, set()).add(frame.f_lineno)
                return local
            return None

        threading.settrace(tracer)
        sys.settrace(tracer)

    def pytest_collection_modifyitems(self, session, config, items):
        if self.selected is not None:
            keep = [i for i in items if i.nodeid in self.selected]
            config.hook.pytest_deselected(items=[i for i in items if i.nodeid not in self.selected])
            items[:] = keep

    def pytest_runtest_logstart(self, nodeid, location):
        self.current = nodeid

    def pytest_runtest_logreport(self, report):
        if report.failed and not self.failed:
            self.failed = report.nodeid

    def pytest_collectreport(self, report):
        if report.failed and not self.failed:
            self.failed = f"collecting {report.nodeid}"


def _child(
    module: str,
    origin: Path,
    code_path: Path,
    hook_dir: Path,
    pytest_args: list[str],
    log: Path,
    selected: set[str] | None,
    trace_file: Path | None,
    out_fd: int,
) -> None:
    """Runs in the fork: install the mutant, run pytest, report through ``out_fd``; never returns."""
    try:
        os.setpgrp()  # its own process group: a timeout kills the tests' subprocesses too
        os.nice(10)
        os.environ.update(
            LTSC_MUTATION_MODULE=module,
            LTSC_MUTATION_ORIGIN=str(origin),
            LTSC_MUTATION_CODE=str(code_path),
            PYTHONDONTWRITEBYTECODE="1",
            PYTHONPATH=os.pathsep.join([str(hook_dir), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        )
        sys.dont_write_bytecode = True
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        sys.path.insert(0, str(hook_dir))
        import sitecustomize_ltsc_mutation  # noqa: F401  (installs the finder in this process)
        from hypothesis import settings

        settings.register_profile("ltsc-mutation", database=None, derandomize=True, print_blob=False)
        settings.load_profile("ltsc-mutation")
        import pytest

        plugin = _Plugin(str(origin), selected, trace_file is not None)
        code = pytest.main(pytest_args, plugins=[plugin])
        sys.settrace(None)
        if trace_file is not None:
            trace_file.write_text(json.dumps({k: sorted(v) for k, v in plugin.lines.items()}))
        os.write(out_fd, json.dumps({"exit": int(code), "failed": plugin.failed}).encode())
    except BaseException as exc:  # noqa: BLE001  (anything the mutant breaks kills it)
        try:
            os.write(out_fd, json.dumps({"exit": 99, "failed": f"harness: {type(exc).__name__}: {exc}"}).encode())
        except Exception:
            pass
    finally:
        os._exit(0)


#: the fork running now (killed with its process group if the driver is interrupted)
RUNNING: list[int] = []


def run_tests(
    module: str,
    origin: Path,
    code,
    work: Path,
    pytest_args: list[str],
    timeout: float,
    selected: set[str] | None = None,
    trace: bool = False,
    tag: str = "clean",
) -> tuple[str, str, float, dict[str, list[int]]]:
    """(status, failing test, seconds, executed lines per test) of one test run against ``code``."""
    code_path = work / f"{tag}.marshal"
    code_path.write_bytes(marshal.dumps(code))
    trace_file = work / f"{tag}.lines.json" if trace else None
    log = work / f"{tag}.log"
    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(module, origin, code_path, work / "hook", pytest_args, log, selected, trace_file, write_fd)
    RUNNING.append(pid)
    os.close(write_fd)
    try:
        data, status = _collect(pid, read_fd, start + timeout)
    except BaseException:
        _kill(pid)
        raise
    finally:
        RUNNING.remove(pid)
        os.close(read_fd)
    seconds = time.monotonic() - start
    code_path.unlink(missing_ok=True)
    if status == "timeout":
        return "timeout", f"timed out after {timeout:.0f} s", seconds, {}
    try:
        result = json.loads(data or b"{}")
    except json.JSONDecodeError:
        result = {}
    exit_code = result.get("exit", 98)
    lines = json.loads(trace_file.read_text()) if trace_file and trace_file.exists() else {}
    if exit_code == 0:
        log.unlink(missing_ok=True)
        return "passed", "", seconds, lines
    return "failed", result.get("failed") or f"pytest exit {exit_code} (see the log)", seconds, lines


def _collect(pid: int, read_fd: int, deadline: float) -> tuple[bytes, str | None]:
    """What the child writes to ``read_fd`` until it exits (status None), or ``"timeout"`` (killed) at ``deadline``."""
    data = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            _kill(pid)
            return data, "timeout"
        ready, _, _ = select.select([read_fd], [], [], min(left, 1.0))
        if ready:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                os.waitpid(pid, 0)
                return data, None
            data += chunk


def _kill(pid: int) -> None:
    """Kill the fork ``pid`` and the process group it leads (the subprocesses its tests started)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


# -- driver ------------------------------------------------------------------------------------------
class CleanRunFailed(Exception):
    """A module's tests fail on the unmutated code: its score cannot be measured."""


def load_config(path: Path) -> dict:
    with open(path, "rb") as fh:
        config = tomllib.load(fh)
    defaults = config.get("defaults", {})
    for mod in config["module"]:
        for key, value in defaults.items():
            mod.setdefault(key, value)
    return config


def run_module(mod: dict, config: dict, work: Path, only: set[str], list_only: bool, verbose: bool) -> list[Mutant]:
    name, path = mod["name"], ROOT / mod["path"]
    message_calls = set(config.get("defaults", {}).get("message_calls", [])) | set(mod.get("message_calls", []))
    source = path.read_text()  # read once: the file may change while the run goes on
    mutants = enumerate_mutants(name, source, message_calls)
    equivalent = {e["id"]: e["reason"] for e in config.get("equivalent", []) if e["module"] == name}
    for m in mutants:
        if m.id in equivalent:
            m.status, m.reason = "equivalent", equivalent[m.id]
    stale = set(equivalent) - {m.id for m in mutants}
    if stale:
        print(
            f"  warning: {name}: equivalent ids no longer found (source changed?): {', '.join(sorted(stale))}",
            file=sys.stderr,
        )
    if list_only:
        return mutants
    args = [*mod["pytest_args"], *mod["tests"]]
    status, failed, seconds, lines = run_tests(
        name,
        path,
        mutated_code(source, path, None),
        work,
        args,
        timeout=float(mod.get("clean_timeout", 900)),
        trace=True,
    )
    if status != "passed":
        raise CleanRunFailed(
            f"{name}: the tests fail without any mutant ({failed}); nothing to measure; see "
            f"{work / 'clean.log'} (run with --keep to read it)"
        )
    at_import = set(lines.pop(_Plugin.COLLECT, []))
    by_test = {test: set(ls) for test, ls in lines.items()}
    executed = at_import.union(*by_test.values())
    per_test = mod.get("per_test_coverage", True)
    timeout = max(float(mod["timeout_min"]), float(mod["timeout_factor"]) * seconds)
    print(
        f"  {name}: {len(mutants)} mutants, {len(by_test)} tests; clean run {seconds:.1f} s (traced), "
        f"timeout {timeout:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    for i, m in enumerate(mutants, 1):
        if m.status == "equivalent" or (only and m.id not in only):
            continue
        span = set(range(m.span[0], m.span[1] + 1))
        if not executed & span:
            m.status = "not covered"
            continue
        # only the tests that run the mutated statement (all of them for code run at import)
        selected = (
            None if (not per_test or m.at_import or at_import & span) else {t for t, ls in by_test.items() if ls & span}
        )
        status, failed, m.seconds, _ = run_tests(
            name, path, mutated_code(source, path, m), work, args, timeout, selected=selected, tag=f"mutant-{m.id}"
        )
        m.status = {"passed": "survived", "failed": "killed", "timeout": "killed"}[status]
        m.killed_by = failed
        if verbose or m.status == "survived":
            print(
                f"    [{i}/{len(mutants)}] {m.status:8} {m.id} {path.name}:{m.line} {m.qualname}: {m.what}"
                f"{'  (' + failed + ')' if verbose and failed else ''}  {m.seconds:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    return mutants


def summarize(name: str, mutants: list[Mutant]) -> dict:
    count = lambda *s: sum(m.status in s for m in mutants)  # noqa: E731
    total, equivalent = len(mutants), count("equivalent")
    killed, survived = count("killed"), count("survived", "not covered")
    scored = killed + survived
    if count(""):  # --only: the mutants not run are not counted
        total = scored + equivalent
    return {
        "module": name,
        "mutants": total,
        "killed": killed,
        "survived": survived,
        "equivalent": equivalent,
        "score": killed / scored if scored else None,
    }


def table(rows: list[dict]) -> str:
    head = "| module | mutants | killed | survived | equivalent | score |\n|---|---:|---:|---:|---:|---:|"

    def pct(score):
        return "not measured" if score is None else f"{100 * score:.1f}%"

    body = [
        f"| `{r['module']}` | {r['mutants']} | {r['killed']} | {r['survived']} | {r['equivalent']} | "
        f"{pct(r['score'])} |"
        for r in rows
    ]
    return "\n".join([head, *body])


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="operators:\n" + "\n".join(f"  {k:9} {v}" for k, v in OPERATORS.items()),
    )
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--module", nargs="+", help="module names of the config (default: all)")
    parser.add_argument("--only", nargs="+", default=[], help="run only these mutant ids (e.g. to recheck survivors)")
    parser.add_argument("--list", action="store_true", help="list the mutants; run no tests")
    parser.add_argument(
        "--show",
        nargs="+",
        default=[],
        metavar="ID",
        help="print these mutants' statements, original and mutated; run no tests",
    )
    parser.add_argument("--json", type=Path, help="write every mutant and its outcome to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs of killed mutants)")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per mutant, not only survivors")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    modules = config["module"]
    if args.module:
        unknown = set(args.module) - {m["name"] for m in modules}
        if unknown:
            parser.error(f"not in {args.config}: {', '.join(sorted(unknown))}")
        modules = [m for m in modules if m["name"] in args.module]
    return args, config, modules


def show(modules: list[dict], config: dict, ids: list[str]) -> None:
    """Print the original and mutated statement of each mutant in ``ids``."""
    for mod in modules:
        source = (ROOT / mod["path"]).read_text()
        for m in enumerate_mutants(mod["name"], source, set(config.get("defaults", {}).get("message_calls", []))):
            if m.id in ids:
                print(f"{m.id} {mod['path']}:{m.line} {m.qualname} {m.what}")
                print(f"  - {m.source_line}\n  + {mutated_statement(source, m)}")


def prepare_work() -> Path:
    """The temporary folder with the import hook; the shared imports every fork inherits."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # forks of a process with BLAS threads; and the cores are shared
    work = Path(tempfile.mkdtemp(prefix="ltsc-mutation-", dir="/tmp"))
    (work / "hook").mkdir()
    (work / "hook" / "sitecustomize.py").write_text(HOOK)
    (work / "hook" / "sitecustomize_ltsc_mutation.py").write_text(HOOK)
    # imported once here, shared by every fork (harness itself is imported fresh in each child)
    import hypothesis  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pytest  # noqa: F401

    return work


def run_modules(modules: list[dict], config: dict, work: Path, args) -> tuple[list[dict], list[Mutant], bool]:
    """Score each module in turn; on Ctrl-C or SIGTERM stop and return what was measured (``interrupted``)."""
    rows, everything = [], []
    try:
        for mod in modules:
            try:
                mutants = run_module(mod, config, work, set(args.only), args.list, args.verbose)
            except CleanRunFailed as exc:
                print(f"  {exc}", file=sys.stderr, flush=True)
                rows.append(
                    {"module": mod["name"], "mutants": 0, "killed": 0, "survived": 0, "equivalent": 0, "score": None}
                )
                continue
            everything += mutants
            if args.list:
                for m in mutants:
                    print(
                        f"{m.id} {mod['path']}:{m.line} {m.qualname} [{m.op}] {m.what}"
                        f"{'  EQUIVALENT: ' + m.reason if m.status == 'equivalent' else ''}"
                    )
                continue
            rows.append(summarize(mod["name"], mutants))
    except KeyboardInterrupt:
        done = ", ".join(r["module"] for r in rows) or "none"
        print(f"interrupted: the table below covers the finished modules only ({done})", file=sys.stderr)
        return rows, [m for m in everything if m.module in {r["module"] for r in rows}], True
    return rows, everything, False


def report(rows: list[dict], everything: list[Mutant], args) -> None:
    """The score table, then the survivors and the equivalent mutants with their reasons."""
    total = summarize("all", everything)
    print(table(rows + [total]))
    if args.only:
        print(
            f"\n(--only: {sum(m.status in ('killed', 'survived', 'not covered') for m in everything)} mutants run; "
            "the counts above are of those)"
        )
    survivors = [m for m in everything if m.status in ("survived", "not covered")]
    if survivors:
        print("\nSurvivors:")
        for m in survivors:
            print(
                f"- {m.id} {m.module} line {m.line} ({m.qualname}) {m.what}"
                f"{' [not covered]' if m.status == 'not covered' else ''}: `{m.source_line}`"
            )
    eq = [m for m in everything if m.status == "equivalent"]
    if eq:
        print("\nEquivalent (excluded from the score):")
        for m in eq:
            print(f"- {m.id} {m.module} line {m.line} ({m.qualname}) {m.what}: {m.reason}")
    if args.json:
        args.json.write_text(
            json.dumps({"rows": rows + [total], "mutants": [m.__dict__ for m in everything]}, indent=1, default=list)
        )


def main(argv=None) -> int:
    args, config, modules = parse_args(argv)
    os.chdir(ROOT)
    if args.show:
        show(modules, config, args.show)
        return 0
    work = prepare_work()

    def stop(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    started = time.monotonic()
    try:
        rows, everything, interrupted = run_modules(modules, config, work, args)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.list:
        return 0
    report(rows, everything, args)
    print(f"\n{time.monotonic() - started:.0f} s", file=sys.stderr)
    if interrupted:
        return 130
    threshold = config.get("defaults", {}).get("threshold")
    return 0 if threshold is None or all(r["score"] is not None and r["score"] >= threshold for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
