"""The architecture as data flows: no import cycles (function-level imports included), no backend importing the
runner, and nothing but the command line importing the command line."""

from __future__ import annotations

import ast

from conftest import ROOT

PACKAGES = ("harness", "tasks", "baselines")


def _modules() -> dict[str, object]:
    mods = {}
    for base in PACKAGES:
        for path in (ROOT / base).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return mods


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports anywhere in its body (functions included). ``from pkg import mod``
    is an edge to ``pkg.mod``; a name that is not a module, an edge to ``pkg``."""
    mods = _modules()

    def nearest(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for mod, path in mods.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    head = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                    base = head + ("." + node.module if node.module else "")
                subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in mods]
                targets = subs + ([base] if len(subs) < len(node.names) else [])
            else:
                continue
            deps |= {t for t in map(nearest, targets) if t and t != mod}
        graph[mod] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_function_level_imports_included():
    graph = import_graph()
    assert len(graph) > 100 and "harness.api" in graph["harness.cli.run_cmd"]
    assert cycles(graph) == []


def test_no_backend_imports_the_runner():
    graph = import_graph()
    backends = [m for m in graph if m.startswith("harness.backends")]
    assert len(backends) >= 4
    assert {m: sorted(graph[m] & {"harness.engine.runner", "harness.api"}) for m in backends} == {
        m: [] for m in backends
    }


def test_only_the_command_line_imports_the_command_line():
    graph = import_graph()
    users = {m for m, deps in graph.items() if any(d == "harness.cli" or d.startswith("harness.cli.") for d in deps)}
    assert {m for m in users if not m.startswith("harness.cli") and m != "harness.__main__"} == set()


def test_older_import_paths_give_the_same_modules():
    """The docs name harness.validate, harness.errors and harness.testing; every path from before the grouping
    imports the module at its new place, the same object."""
    import importlib

    import harness

    for old, new in harness.MOVED.items():
        assert importlib.import_module(f"harness.{old}") is importlib.import_module(f"harness.{new}"), old
    from harness.testing import assert_contract, check_compressor  # noqa: F401
    from harness.validate import positive_int

    assert positive_int.__module__ == "harness.core.validate"


def test_the_tree_reads_like_the_data_flow():
    """harness/ holds the entry point and role packages, no pile of flat modules."""
    top = sorted(p.name for p in (ROOT / "harness").iterdir() if p.suffix == ".py")
    assert top == ["__init__.py", "__main__.py", "api.py"]
    packages = sorted(p.name for p in (ROOT / "harness").iterdir() if (p / "__init__.py").is_file())
    assert packages == [
        "backends",
        "cli",
        "compressors",
        "contract",
        "core",
        "data",
        "engine",
        "interop",
        "models",
        "results",
        "site",
    ]
