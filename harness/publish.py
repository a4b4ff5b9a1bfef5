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
  copied when the run has them; ``publish.json`` (the source folder and the ``--note``);
- ``examples.jsonl.gz``: what each cell's model read on a few examples per task, rebuilt once through the
  pipeline (:mod:`harness.site.examples`), for the site's drill-down (kept when the source already has one
  for the same cells).

When the folder's parent holds a site built by ``ltsc-bench site`` in ``site/``, that site is rebuilt.

A published folder can be published again, also onto itself (``publish results/NAME
results/NAME`` re-renders its tables after a change to the renderer); it keeps its source and note.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from .errors import HarnessError
from .leaderboard import PUBLISHED_RECORDS, compute_rows, merge_dirs, render
from .provenance import RUN_META, environment, utc_now

#: leaderboard files: extension -> format
TABLES = {"md": "markdown", "csv": "csv", "tex": "latex", "json": "json"}
PLOT = "leaderboard.png"
PUBLISH_META = "publish.json"
COPIED = ("run_config.json", RUN_META, "stats.md", "stats.json")


def write_records_gz(records: list[dict], path: Path) -> None:
    payload = "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in records).encode()
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as fh:
        fh.write(payload)


def _check_dest(dest: Path, source: Path) -> None:
    if dest.resolve() == source.resolve() and not (source / PUBLISHED_RECORDS).is_file():
        raise HarnessError(f"{dest} is the run directory itself; publish into another folder, e.g. results/NAME")
    if dest.exists() and not dest.is_dir():
        raise HarnessError(f"{dest} exists and is not a directory; pass a new folder, e.g. results/NAME")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / PUBLISHED_RECORDS).is_file():
        raise HarnessError(f"{dest} exists, is not empty and is not a published results folder; "
                           "pass a new folder or delete it")


def _fence(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"``{text}``"


def provenance_lines(meta: dict | None, published_env: dict | None = None) -> list[str]:
    """README lines: each run invocation (command, date, wall time, commit, machine) and the package versions."""
    runs = (meta or {}).get("invocations") or []
    lines = []
    for i, run in enumerate(runs, 1):
        what = f"run {i} of {len(runs)}: " if len(runs) > 1 else ""
        lines.append(f"- {what}command: {_fence(run.get('command') or '(not started from the shell)')}, "
                     f"from `{run.get('cwd')}`")
        lines.append(f"  - started {run.get('started_utc')}, finished {run.get('finished_utc')}, "
                     f"wall time {run.get('wall_seconds')} s")
    env = runs[-1] if runs else (published_env or environment())
    if not runs:
        lines.append("- the run did not record its command (no run_meta.json); environment below is the publisher's")
    mach = env.get("machine") or {}
    lines.append(f"- git commit: `{env.get('git_commit')}`")
    lines.append(f"- machine: {mach.get('cpu')}, {mach.get('cpu_count')} CPU cores, GPU: "
                 f"{', '.join(mach.get('gpus') or []) or 'none'}; {mach.get('platform')}")
    packages = ", ".join(f"{k} {v}" for k, v in (env.get("packages") or {}).items() if v)
    lines.append(f"- packages: {packages}")
    return lines


def _readme(dest: Path, run_dir: str, rows: list[dict], n_records: int, meta: dict | None, note: str | None,
            stats: str | None) -> str:
    tasks = sorted({r["task"] for r in rows})
    parts = [f"# Results: {dest.name}", ""]
    if note:
        parts += [note.strip(), ""]
    parts += [f"{len(rows)} cells ({', '.join(tasks)}), {n_records} evaluated examples. Published {utc_now()} with "
              f"{_fence(f'ltsc-bench publish {run_dir} {dest}')}.", "", "## How it was produced", ""]
    parts += provenance_lines(meta) + ["", "## Leaderboard", "", render(rows, "markdown"), "", f"![accuracy against "
              f"attention-compute reduction]({PLOT})", ""]
    if stats:
        parts += ["## Model-free compression statistics", "", stats.strip(), ""]
    parts += ["## Files", "",
              f"`leaderboard.md`, `.csv`, `.tex` (booktabs), `.json`; `{PLOT}`; `{PUBLISHED_RECORDS}` (every record, one "
              "JSON object a line); `examples.jsonl.gz` (what each model read on a few examples per task, for the "
              "site's drill-down); the run's `run_config.json` and `run_meta.json`. The tables are re-rendered from "
              f"the records by {_fence(f'ltsc-bench leaderboard {dest}')} (a test checks they are identical), "
              f"and {_fence(f'ltsc-bench compare {dest} NEW_RUN')} gates a new run against them.", ""]
    return "\n".join(parts)


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_folder(dest: Path, run_dir: Path, records: list[dict], rows: list[dict]) -> None:
    from .plots import leaderboard_plot

    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HarnessError(f"cannot create {dest}: {exc.strerror}; pass a writable folder") from None
    write_records_gz(records, dest / PUBLISHED_RECORDS)
    for ext, fmt in TABLES.items():
        (dest / f"leaderboard.{ext}").write_text(render(rows, fmt) + "\n")
    leaderboard_plot(rows, dest / PLOT)
    for name in COPIED:
        if (run_dir / name).is_file() and run_dir.resolve() != dest.resolve():
            shutil.copyfile(run_dir / name, dest / name)


def publish(run_dir, dest, note: str | None = None, notify=None) -> Path:
    """Write the results folder ``dest`` from the records of ``run_dir`` (a run, or a published folder), then
    refresh the site of its parent folder when there is one."""
    from .site.build import refresh_site
    from .site.examples import store

    run_dir, dest = Path(run_dir), Path(dest)
    records = merge_dirs([run_dir], notify)
    if not records:
        raise HarnessError(f"{run_dir} holds no records yet; run `ltsc-bench run --output {run_dir}` first")
    _check_dest(dest, run_dir)
    earlier = _read_json(run_dir / PUBLISH_META) or {}  # republishing a published folder keeps its source and note
    source, note = earlier.get("source", str(run_dir)), note if note is not None else earlier.get("note")
    rows = compute_rows(records)
    _write_folder(dest, run_dir, records, rows)
    (dest / PUBLISH_META).write_text(json.dumps({"source": source, "note": note}, indent=2) + "\n")
    stats = (run_dir / "stats.md").read_text() if (run_dir / "stats.md").is_file() else None
    readme = _readme(dest, source, rows, len(records), _read_json(run_dir / RUN_META), note, stats)
    (dest / "README.md").write_text(readme)
    store(dest, records, run_dir, notify)
    refresh_site(dest.parent, notify)
    return dest
