"""What produced a result: command line, git commit, package versions, machine, date and wall time.

``ltsc-bench run`` appends one entry per invocation to ``DIR/run_meta.json``
(:func:`record_run`); ``ltsc-bench publish`` copies it and shows it in the published
README. Every lookup fails soft: a missing ``git`` or package is recorded as ``None``.

Nothing recorded names a directory of the machine: paths in a command are written relative to the
directory it ran from, or ``~/...`` under the home directory, or ``<abs>/NAME`` elsewhere
(:func:`portable_path`), so published provenance is the same whoever made it.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import overload

RUN_META = "run_meta.json"
#: how ``run_meta.json`` records a run started from Python: ``python: harness.evaluate(...)``
PYTHON_CALL = "python: "
#: the packages whose versions decide the numbers (plus every installed ltsc-bench plugin)
PACKAGES = (
    "ltsc-bench",
    "numpy",
    "pandas",
    "torch",
    "transformers",
    "peft",
    "accelerate",
    "tiktoken",
    "quicktok-v1",
    "llmlingua",
    "delta-ltsc",
    "duckdb",
    "tabulate",
    "matplotlib",
)


def git_commit() -> str | None:
    """The commit of the checkout the harness runs from, ``+dirty`` when tracked files are modified."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty else "")


def _plugins() -> list[str]:
    names = set()
    for dist in metadata.distributions():
        groups = {ep.group for ep in dist.entry_points}
        if any(g.startswith("ltsc_bench.") for g in groups) and dist.metadata["Name"] != "ltsc-bench":
            names.add(dist.metadata["Name"])
    return sorted(names)


def package_versions() -> dict:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in (*PACKAGES, *_plugins()):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _gpus() -> list[str]:
    """GPU names through torch (only when torch is already imported: no import cost for a report)."""
    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_available():
            return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except Exception:  # a broken driver must not break a report
        pass
    return []


def machine() -> dict:
    return {"platform": platform.platform(), "cpu": _cpu_model(), "cpu_count": os.cpu_count(), "gpus": _gpus()}


def environment() -> dict:
    return {"git_commit": git_commit(), "packages": package_versions(), "machine": machine()}


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def command_line(subcommand: str) -> str | None:
    """This process's command line as ``ltsc-bench SUBCOMMAND ...``, or None when not started from the shell."""
    argv = sys.argv[1:]
    return shlex.join(["ltsc-bench", *argv]) if argv[:1] == [subcommand] else None


def portable_path(path: str, cwd: str | None = None) -> str:
    """``path`` as it can be published: relative to ``cwd`` (default: the current directory) when inside it,
    ``~/...`` under the home directory, ``<abs>/NAME`` for any other absolute path; relative paths unchanged."""
    if not os.path.isabs(path):
        return path
    path = os.path.normpath(path)
    cwd = os.path.normpath(cwd or os.getcwd())
    home = os.path.expanduser("~")
    if path == cwd or path.startswith(cwd.rstrip(os.sep) + os.sep):
        return os.path.relpath(path, cwd)
    if home not in ("", os.sep) and path.startswith(home.rstrip(os.sep) + os.sep):
        return "~/" + os.path.relpath(path, home)
    return "<abs>/" + (os.path.basename(path) or "")


@overload
def portable_command(command: str, cwd: str | None = None) -> str: ...


@overload
def portable_command(command: str | None, cwd: str | None = None) -> str | None: ...


def portable_command(command: str | None, cwd: str | None = None) -> str | None:
    """A shell command with every absolute path in it (an argument, or an ``--opt=PATH`` value) made portable."""
    if not command:
        return command
    if command.startswith(PYTHON_CALL):  # a Python call (``evaluate(...)``): its quoted absolute paths only
        return re.sub(
            r"(['\"])(hf:)?(/[^'\"]*)\1", lambda m: m[1] + (m[2] or "") + portable_path(m[3], cwd) + m[1], command
        )
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    out = []
    for word in words:
        opt, eq, value = word.partition("=") if word.startswith("-") else ("", "", word)
        if not (eq or not opt):
            out.append(word)
            continue
        scheme = "hf:" if value.startswith("hf:") else ""  # a model or tokenizer named by its directory
        out.append(f"{opt}{eq}{scheme}{portable_path(value[len(scheme) :], cwd)}")
    return shlex.join(out)


def portable_json(obj):
    """JSON data (a run's configuration) with every absolute path string made portable."""
    if isinstance(obj, dict):
        return {k: portable_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [portable_json(v) for v in obj]
    return portable_path(obj) if isinstance(obj, str) else obj


def portable_meta(meta: dict) -> dict:
    """``run_meta.json`` content without machine directories: commands made portable against the directory each
    ran from (``cwd``, which older versions recorded), and that directory dropped."""
    invocations = []
    for run in meta.get("invocations") or []:
        if isinstance(run, dict):
            run = dict(run)
            run["command"] = portable_command(run.get("command"), run.pop("cwd", None))
        invocations.append(run)
    return {**meta, "invocations": invocations}


def invocation(command: str | None, started: float) -> dict:
    """One invocation's record: ``command`` (made portable), dates, wall time since ``started`` (a
    ``time.perf_counter()`` value) and the environment."""
    wall = time.perf_counter() - started
    finished = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return {
        "command": portable_command(command),
        "started_utc": (finished - datetime.timedelta(seconds=round(wall))).isoformat(),
        "finished_utc": finished.isoformat(),
        "wall_seconds": round(wall, 1),
        **environment(),
    }


def record_run(output, started: float, command: str | None = None) -> dict:
    """Append this run's invocation (:func:`invocation`; ``command``, default: the shell's ``ltsc-bench run ...``)
    to ``output/run_meta.json``; returns it."""
    entry = invocation(command or command_line("run"), started)
    path = Path(output) / RUN_META
    try:
        meta = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        meta = {}
    found = meta.get("invocations") if isinstance(meta, dict) else None
    invocations = found if isinstance(found, list) else []
    path.write_text(json.dumps({"invocations": [*invocations, entry]}, indent=2) + "\n")
    return entry
