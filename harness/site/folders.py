"""The folders of a results root, each read once: a published run, model-free statistics, or notes (a README).

Which kind a folder is comes from :data:`KINDS`, tried in order: the first whose marker file it holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import HarnessError
from .readme import provenance

#: a built site holds this file; a results root's own site folder is never listed as a result
MARKER = "site.json"


@dataclass
class Folder:
    name: str
    path: Path
    kind: str
    readme: str = ""
    #: command, started, finished, intro (from the README the harness wrote)
    prov: dict = field(default_factory=dict)
    #: files copied next to the folder's page (plots)
    images: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)


def _json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _object(path: Path) -> dict:
    """A JSON object file; empty when it is missing or holds anything else."""
    data = _json(path)
    return data if isinstance(data, dict) else {}


def _run(folder: Folder) -> None:
    from ..results.leaderboard import compute_rows, read_dir
    from .examples import read_examples

    records = read_dir(folder.path)
    extra = ("answer_retention",) if any(r.get("answer_retained") is not None for r in records) else ()
    meta, publish = (_object(folder.path / name) for name in ("run_meta.json", "publish.json"))
    folder.data = {
        "records": records,
        "rows": compute_rows(records, extra),
        "meta": meta,
        "config": _json(folder.path / "run_config.json"),
        "publish": publish,
        "examples": read_examples(folder.path),
    }
    runs = meta.get("invocations") or []
    if runs:
        folder.prov.update(
            command=runs[0].get("command"), started=runs[0].get("started_utc"), finished=runs[-1].get("finished_utc")
        )
    folder.images = [n for n in ("leaderboard.png",) if (folder.path / n).is_file()]


def _stats(folder: Folder) -> None:
    rows = _json(folder.path / "stats.json")
    if not isinstance(rows, list):
        raise HarnessError(f"{folder.path / 'stats.json'} is not a JSON list of rows; regenerate the folder")
    folder.data = {"rows": rows}
    folder.images = [n for n in ("stats.png",) if (folder.path / n).is_file()]


def _notes(folder: Folder) -> None:
    folder.data = {"files": sorted(p.name for p in folder.path.iterdir() if p.is_file())}


#: kind -> (marker file, loader), tried in order
KINDS = {"run": ("records.jsonl.gz", _run), "stats": ("stats.json", _stats), "notes": ("README.md", _notes)}


def is_results_folder(path: Path, root: bool = False) -> bool:
    """Does ``path`` hold a results folder (not a site)? ``root``: it was passed as RESULTS, where a README alone
    makes a results root, so only records or statistics count."""
    markers = [marker for kind, (marker, _) in KINDS.items() if not (root and kind == "notes")]
    return not (path / MARKER).is_file() and any((path / m).is_file() for m in markers)


def load(path: Path) -> Folder | None:
    """The folder at ``path`` read as its kind (None: not a results folder, or a built site)."""
    if (path / MARKER).is_file():
        return None
    for kind, (marker, loader) in KINDS.items():
        if (path / marker).is_file():
            readme = (path / "README.md").read_text(encoding="utf-8") if (path / "README.md").is_file() else ""
            folder = Folder(path.name, path, kind, readme, provenance(readme))
            loader(folder)
            return folder
    return None


def discover(root: Path, out: Path | None = None) -> list[Folder]:
    """Every results folder directly under ``root`` (sorted by name), ``out`` and hidden folders excepted."""
    if not root.is_dir():
        raise HarnessError(f"{root} is not a directory; pass a results folder such as results/")
    skip = out.resolve() if out is not None else None
    found = [
        load(p)
        for p in sorted(root.iterdir())
        if p.is_dir() and not p.name.startswith((".", "_")) and p.resolve() != skip
    ]
    if (root / "records.jsonl.gz").is_file():  # a single published folder passed as the root
        found.insert(0, load(root))
    return [f for f in found if f is not None]
