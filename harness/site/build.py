"""``ltsc-bench site RESULTS OUT``: write the static site of a results root (or of one published folder).

The output is byte-for-byte reproducible from the folders (no build time is written), so a committed site
can be checked against a fresh build. An existing ``OUT`` is replaced only when it is a site built here
(it holds ``site.json``) or empty.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..errors import HarnessError
from . import assets, drilldown, pages
from .folders import MARKER, discover
from .html import CSS, JS

#: folder kind -> its page (run pages are built with their examples)
PAGES = {"stats": pages.stats_page, "notes": pages.notes_page}
README = """# Results site

A static, browsable view of the results folders next to it: an index, one page per folder (sortable and
filterable leaderboards, the plot, provenance) and, for published runs, per-example pages showing what each
compressor's model read (dictionary and meta-tokens marked, dropped tokens struck through) against the target.
Open `index.html` from disk or serve the folder from any static host; nothing is fetched.

- command: `{command}`

It is generated, never edited: `tests/test_results.py` rebuilds it and requires identical bytes.
"""


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise HarnessError(f"{out} exists and is not a directory; pass a new folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise HarnessError(f"{out} is not empty and holds no site built by `ltsc-bench site` ({MARKER}); "
                           "pass a new folder or delete it")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _folder(folder, out: Path) -> list[str]:
    """Write one folder's pages and images; returns the paths written, relative to ``out``."""
    base = out / folder.name
    written = []
    if folder.kind == "run":
        section, examples = drilldown.example_pages(folder)
        _write(base / "index.html", pages.run_page(folder, section))
        for rel, text in examples.items():
            _write(base / rel, text)
            written.append(f"{folder.name}/{rel}")
    else:
        _write(base / "index.html", PAGES[folder.kind](folder))
    for name in folder.images:
        shutil.copyfile(folder.path / name, base / name)
        written.append(f"{folder.name}/{name}")
    return [f"{folder.name}/index.html"] + written


def build_site(root, out, command: str | None = None) -> list[str]:
    """Write the site of results root ``root`` into ``out``; returns the files written (relative, sorted)."""
    root, out = Path(root), Path(out)
    _check_out(out)
    folders = discover(root, out)
    if not folders:
        raise HarnessError(f"{root} holds no results folders (published runs, statistics or READMEs); "
                           "publish a run first with `ltsc-bench publish RUN_DIR results/NAME`")
    if out.is_dir():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files = ["index.html", CSS, JS, "README.md", MARKER]
    _write(out / "index.html", pages.index_page(folders))
    _write(out / CSS, assets.CSS)
    _write(out / JS, assets.JS)
    for folder in folders:
        files += _folder(folder, out)
    command = command or f"ltsc-bench site {root} {out}"
    _write(out / "README.md", README.format(command=command))
    manifest = {"generator": "ltsc-bench site", "command": command, "folders": {f.name: f.kind for f in folders}, "files": sorted(files)}
    _write(out / MARKER, json.dumps(manifest, indent=2) + "\n")
    return sorted(files)


SITE_DIR = "site"


def refresh_site(root, notify=None) -> list[str] | None:
    """Rebuild ``root/site`` when it is a site built here (after ``publish`` into ``root``), with the command
    it was built by; None when there is none."""
    out = Path(root) / SITE_DIR
    try:
        manifest = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = build_site(root, out, manifest.get("command"))
    if notify:
        notify(f"rebuilt the site {out} ({len(files)} files)")
    return files
