"""``ltsc-bench publish RUN_DIR results/NAME``: a self-contained, regenerable results folder.

The folder holds:

- ``README.md``: the exact command that produced the run, the publish command, git commit,
  package versions, CPU/GPU, date and wall time (from the run's ``run_meta.json``), the
  leaderboard and the plot;
- ``leaderboard.md``, ``.csv``, ``.tex`` (booktabs), ``.json`` and ``leaderboard.png``;
- ``records.jsonl.gz``: every record, compressed (byte-for-byte reproducible: no timestamp
  in the gzip header), from which ``ltsc-bench leaderboard results/NAME`` re-renders the
  tables and ``ltsc-bench compare`` reads the cells;
- ``run_config.json``, ``run_meta.json`` and the default suite's ``stats.md``/``stats.json``,
  copied when the run has them (paths made portable: no directory of the machine is published);
  ``publish.json`` (the source folder, the ``--note``, ``partial``, and when and by which command it was
  published);
- ``examples.jsonl.gz``: what each cell's model read on a few examples per task, rebuilt once through the
  pipeline (:mod:`harness.site.examples`), for the site's drill-down (kept when the source already has one
  for the same cells).

When the folder's parent holds a site built by ``ltsc-bench site`` in ``site/``, that site is rebuilt.

A published folder can be published again, also onto itself (``publish results/NAME
results/NAME`` re-renders its tables after a change to the renderer); it keeps its source, note and
publication, and its README says when it was re-rendered. A folder published from another run is
replaced only with ``--force``; a run still being written only with ``--partial``.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shlex
import shutil
import tempfile
from pathlib import Path

from ..core.errors import HarnessError
from .layouts import PUBLISH_META, PUBLISHED_RECORDS, merge_dirs, write_records_gz  # noqa: F401  (write_records_gz: re-exported)
from .leaderboard import compute_rows, render
from .provenance import (
    RUN_META,
    command_line,
    environment,
    portable_command,
    portable_json,
    portable_meta,
    portable_path,
    utc_now,
)
from .records import writer_pid

#: leaderboard files: extension -> format
TABLES = {"md": "markdown", "csv": "csv", "tex": "latex", "json": "json"}
PLOT = "leaderboard.png"
COPIED = ("run_config.json", RUN_META, "stats.md", "stats.json")
#: the first paragraph of a partial folder's README (``publish --partial`` of a run still being written)
PARTIAL_NOTICE = (
    "**Partial:** the run was still writing when this folder was published; the tables cover only the "
    "records written by then and are not final."
)


def _check_dest(dest: Path, source: Path) -> None:
    if dest.resolve() == source.resolve() and not (source / PUBLISHED_RECORDS).is_file():
        raise HarnessError(f"{dest} is the run directory itself; publish into another folder, e.g. results/NAME")
    if dest.exists() and not dest.is_dir():
        raise HarnessError(f"{dest} exists and is not a directory; pass a new folder, e.g. results/NAME")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / PUBLISHED_RECORDS).is_file():
        raise HarnessError(
            f"{dest} exists, is not empty and is not a published results folder; pass a new folder or delete it"
        )


def _same_place(a: str, b: str) -> bool:
    """Whether two recorded source paths (portable, or absolute as older versions wrote them) name one folder."""
    if "<abs>" in a or "<abs>" in b:
        return a == b
    return os.path.realpath(os.path.expanduser(a)) == os.path.realpath(os.path.expanduser(b))


def _check_origin(dest: Path, source: str, force: bool) -> None:
    """Refuse to replace a folder published from another run (``--force`` replaces it)."""
    earlier = _read_json(dest / PUBLISH_META)
    if force or earlier is None or not (dest / PUBLISHED_RECORDS).is_file():
        return
    theirs = earlier.get("source")
    if isinstance(theirs, str) and not _same_place(theirs, source):
        raise HarnessError(
            f"{dest} was published from {theirs}, not {source}; publishing would replace its records "
            "and tables: pass --force to replace them, or publish into a new folder"
        )


def _check_writer(run_dir: Path, partial: bool) -> bool:
    """Whether ``run_dir`` is still being written by a run; refused unless ``partial``."""
    pid = writer_pid(run_dir)
    if pid is not None and not partial:
        raise HarnessError(
            f"{run_dir} is still being written by a run (PID {pid}); publish it when the run has "
            "finished, or pass --partial to publish the records written so far, marked partial"
        )
    return pid is not None


def _fence(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"``{text}``"


def provenance_lines(meta: dict | None, published_env: dict | None = None) -> list[str]:
    """README lines: each run invocation (command, date, wall time, commit, machine) and the package versions."""
    runs = (meta or {}).get("invocations") or []
    lines = []
    for i, run in enumerate(runs, 1):
        what = f"run {i} of {len(runs)}: " if len(runs) > 1 else ""
        command = portable_command(run.get("command"), run.get("cwd"))  # older run_meta.json held the cwd
        lines.append(f"- {what}command: {_fence(command or '(not started from the shell)')}")
        lines.append(
            f"  - started {run.get('started_utc')}, finished {run.get('finished_utc')}, "
            f"wall time {run.get('wall_seconds')} s"
        )
    env = runs[-1] if runs else (published_env or environment())
    if not runs:
        lines.append("- the run did not record its command (no run_meta.json); environment below is the publisher's")
    mach = env.get("machine") or {}
    lines.append(f"- git commit: `{env.get('git_commit')}`")
    lines.append(
        f"- machine: {mach.get('cpu')}, {mach.get('cpu_count')} CPU cores, GPU: "
        f"{', '.join(mach.get('gpus') or []) or 'none'}; {mach.get('platform')}"
    )
    packages = ", ".join(f"{k} {v}" for k, v in (env.get("packages") or {}).items() if v)
    lines.append(f"- packages: {packages}")
    return lines


def _readme(dest: Path, rows: list[dict], n_records: int, meta: dict | None, info: dict, stats: str | None) -> str:
    tasks = sorted({r["task"] for r in rows})
    name = portable_path(str(dest))
    parts = [f"# Results: {dest.name}", ""]
    if info.get("partial"):
        parts += [PARTIAL_NOTICE, ""]
    if info.get("note"):
        parts += [info["note"].strip(), ""]
    made = (
        f"Published {info['published_utc']} with {_fence(info['command'])}"
        if info.get("command")
        else f"Published from `{info['source']}`"
    )
    if info.get("rendered_utc"):
        made += f"; re-rendered {info['rendered_utc']} with {_fence(info['rendered_command'])}"
    parts += [
        f"{len(rows)} cells ({', '.join(tasks)}), {n_records} evaluated examples. {made}.",
        "",
        "## How it was produced",
        "",
    ]
    parts += provenance_lines(meta) + [
        "",
        "## Leaderboard",
        "",
        render(rows, "markdown"),
        "",
        f"![accuracy against attention-compute reduction]({PLOT})",
        "",
    ]
    if stats:
        parts += ["## Model-free compression statistics", "", stats.strip(), ""]
    parts += [
        "## Files",
        "",
        f"`leaderboard.md`, `.csv`, `.tex` (booktabs), `.json`; `{PLOT}`; `{PUBLISHED_RECORDS}` (every record, one "
        "JSON object a line); `examples.jsonl.gz` (what each model read on a few examples per task, for the "
        "site's drill-down); the run's `run_config.json` and `run_meta.json`. The tables are re-rendered from "
        f"the records by {_fence(f'ltsc-bench leaderboard {name}')} (a test checks they are identical), "
        f"and {_fence(f'ltsc-bench compare {name} NEW_RUN')} gates a new run against them.",
        "",
    ]
    return "\n".join(parts)


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


_EARLIER = re.compile(r"Published (\S+) with ``?(ltsc-bench publish [^`]+?)``?[.;]")


def _publication(dest: Path, run_dir: Path, source: str, partial: bool) -> dict:
    """``publish.json``: the source, note, whether partial, and when and by which command the folder was
    published; republishing a published folder onto itself keeps those and adds when it was re-rendered."""
    command = command_line("publish") or shlex.join(["ltsc-bench", "publish", str(run_dir), str(dest)])
    command, now = portable_command(command), utc_now()
    earlier = _read_json(run_dir / PUBLISH_META) or {}
    info = {
        "source": source,
        "note": earlier.get("note"),
        "partial": partial or bool(earlier.get("partial")),
        "published_utc": now,
        "command": command,
    }
    if dest.resolve() == run_dir.resolve():  # re-rendered in place: the publication it re-renders is kept
        first = earlier.get("command"), earlier.get("published_utc")
        if not all(first):  # written before publish.json recorded them: its README said
            readme = (dest / "README.md").read_text(errors="replace") if (dest / "README.md").is_file() else ""
            found = _EARLIER.search(readme)
            first = (portable_command(found.group(2)), found.group(1)) if found else (None, None)
        info.update(command=first[0], published_utc=first[1], rendered_utc=now, rendered_command=command)
    return info


def _write_folder(out: Path, run_dir: Path, records: list[dict], rows: list[dict]) -> None:
    from .plots import leaderboard_plot

    write_records_gz(records, out / PUBLISHED_RECORDS)
    for ext, fmt in TABLES.items():
        (out / f"leaderboard.{ext}").write_text(render(rows, fmt) + "\n")
    leaderboard_plot(rows, out / PLOT)
    for name in COPIED:
        if (run_dir / name).is_file():
            data = _read_json(run_dir / name) if name.endswith(".json") else None
            if name == RUN_META and data is not None:
                data = portable_meta(data)
            if data is not None:
                (out / name).write_text(json.dumps(portable_json(data), indent=2) + "\n")
            else:
                shutil.copyfile(run_dir / name, out / name)


def _staging(dest: Path) -> Path:
    """A new empty folder beside ``dest`` to write into (moved into ``dest`` only when complete)."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{dest.name}.publishing-", dir=dest.parent))
    except OSError as exc:
        raise HarnessError(f"cannot create {dest}: {exc.strerror}; pass a writable folder") from None


def publish(run_dir, dest, note: str | None = None, notify=None, *, force: bool = False, partial: bool = False) -> Path:
    """Write the results folder ``dest`` from the records of ``run_dir`` (a run, or a published folder), then
    refresh the site of its parent folder when there is one.

    Everything is checked before anything is written: a run still being written is refused (``partial``
    publishes what it has, marked partial everywhere), and so is a folder published from another run
    (``force`` replaces it). The files are written into a staging folder and moved into ``dest`` once all
    exist, so a failure leaves ``dest`` as it was; files in ``dest`` that publish does not write are kept."""
    from ..site.build import refresh_site
    from ..site.examples import EXAMPLES_FILE, store

    run_dir, dest = Path(run_dir), Path(dest)
    writing = _check_writer(run_dir, partial) if run_dir.is_dir() else False
    records = merge_dirs([run_dir], notify)
    if not records:
        raise HarnessError(f"{run_dir} holds no records yet; run `ltsc-bench run --output {run_dir}` first")
    _check_dest(dest, run_dir)
    earlier = _read_json(run_dir / PUBLISH_META) or {}  # republishing a published folder keeps its source and note
    source = portable_path(earlier["source"]) if isinstance(earlier.get("source"), str) else portable_path(str(run_dir))
    if dest.resolve() != run_dir.resolve():
        _check_origin(dest, source, force)
    info = _publication(dest, run_dir, source, writing)
    if note is not None:
        info["note"] = note
    rows = compute_rows(records)
    stats = (run_dir / "stats.md").read_text() if (run_dir / "stats.md").is_file() else None
    out = _staging(dest)
    moved: list[str] = []
    try:
        _write_folder(out, run_dir, records, rows)
        (out / PUBLISH_META).write_text(json.dumps(info, indent=2) + "\n")
        (out / "README.md").write_text(_readme(dest, rows, len(records), _read_json(run_dir / RUN_META), info, stats))
        if (dest / EXAMPLES_FILE).is_file():  # kept when it covers the same cells
            shutil.copyfile(dest / EXAMPLES_FILE, out / EXAMPLES_FILE)
        store(out, records, run_dir, notify)
        dest.mkdir(exist_ok=True)
        for path in sorted(out.iterdir()):
            os.replace(path, dest / path.name)
            moved.append(path.name)
    except OSError as exc:
        why = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        state = f"only {', '.join(moved)} in {dest} were replaced" if moved else f"nothing in {dest} was changed"
        raise HarnessError(
            f"cannot write {dest}: {why} (writing {Path(exc.filename or '').name or 'a file'}); "
            f"{state}: free space, or pass a writable folder"
        ) from None
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if writing and notify:
        notify(f"{run_dir} was still being written: {dest} is marked partial ({len(records)} records)")
    refresh_site(dest.parent, notify)
    return dest
