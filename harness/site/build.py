"""``ltsc-bench site RESULTS OUT``: write the static site of a results root (or of one published folder).

The output is byte-for-byte reproducible from the folders (no build time is written), so a committed site
can be checked against a fresh build. ``site.json`` records every file written with its SHA-256. An existing
``OUT`` is replaced only when it is empty or provably such a site: a marker written here, every file in
``OUT`` listed by it, none changed (:func:`check_out`). The site is written into a hidden sibling folder and
swapped in only when complete, so a failure leaves ``OUT`` as it was. ``OUT`` never is, holds or lies inside
``RESULTS``, except directly inside a results root, next to its folders (``results/site``: :func:`check_layout`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from pathlib import Path

from ..core.errors import HarnessError
from . import assets, drilldown, pages
from .folders import MARKER, discover, is_results_folder
from .html import CSS, JS

GENERATOR = "ltsc-bench site"
MOVE = "move it or pick another OUT"
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


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _is_old_marker(marker: dict, text: str) -> bool:
    """``marker`` (read from ``text``) is exactly what the previous version wrote: the same keys and layout, file
    names only (no hashes), itself listed."""
    files = marker.get("files")
    return (
        list(marker) == ["generator", "command", "folders", "files"]
        and text == json.dumps(marker, indent=2) + "\n"
        and isinstance(files, list)
        and all(isinstance(f, str) for f in files)
        and files == sorted(files)
        and MARKER in files
    )


def _listed(out: Path) -> dict[str, str | None]:
    """The files the marker of ``out`` says this tool wrote: path -> SHA-256 (None from an old marker, which
    names files but has no hashes)."""
    marker = out / MARKER
    if not marker.is_file() or marker.is_symlink():
        raise HarnessError(
            f"{out} is not empty and holds no site built by `ltsc-bench site` ({MARKER}); "
            "pick another OUT (a new folder) or move its files away"
        )
    try:
        text = marker.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError):
        data = None
    files = data.get("files") if isinstance(data, dict) and data.get("generator") == GENERATOR else None
    if isinstance(files, dict) and all(isinstance(v, str) for v in files.values()):
        return files
    if isinstance(files, list) and _is_old_marker(data, text):
        return dict.fromkeys(files)
    raise HarnessError(f"{marker} was not written by `ltsc-bench site`, so {out} may hold your files; {MOVE}")


def check_out(out: Path) -> None:
    """Refuse to replace ``out`` unless it is missing, empty, or a site written here: every file and folder in
    it listed by its marker (or holding listed files), every listed file unchanged."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise HarnessError(f"{out} exists and is not a directory; pass a new folder for the site")
    if not out.is_dir() or not any(out.iterdir()):
        return
    listed = _listed(out)
    parents = {str(parent) for name in listed for parent in Path(name).parents}
    for path in sorted(out.rglob("*")):  # rglob does not descend into linked folders
        rel = path.relative_to(out).as_posix()
        ours = rel in parents if path.is_dir() else rel in listed or rel == MARKER
        if path.is_symlink() or not ours:
            raise HarnessError(f"{out} holds {rel}, which `ltsc-bench site` did not write; {MOVE}")
        if not path.is_dir() and listed.get(rel) and _digest(path) != listed[rel]:
            raise HarnessError(f"{out}/{rel} changed since `ltsc-bench site` wrote it; {MOVE}")


def check_layout(root: Path, out: Path) -> None:
    """Refuse an ``out`` that is, holds or lies inside ``root``, but for one: directly inside a results root and
    not one of its folders (``results/site``, next to the published folders)."""
    r, o = root.resolve(), out.resolve()
    single = is_results_folder(root, root=True)
    hint = f"{root}-site" if single else f"{root}/site"
    if o == r or o in r.parents:
        raise HarnessError(
            f"OUT {out} is RESULTS or holds it, and the site replaces OUT; pick another OUT (e.g. {hint})"
        )
    if r not in o.parents:
        return
    top = root if single else root / o.relative_to(r).parts[0]
    if top == root or is_results_folder(top):
        raise HarnessError(
            f"OUT {out} is or lies inside the results folder {top}, which the site must not change; "
            f"pick another OUT (e.g. {hint})"
        )
    if o.parent != r:
        raise HarnessError(
            f"OUT {out} lies inside RESULTS {root} but not directly in it; put the site directly in "
            f"the results root (e.g. {hint}) or outside it"
        )


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


def _swap_in(out: Path, fill) -> None:
    """``fill(tmp)`` a hidden sibling folder of ``out``, then put it in ``out``'s place; on any failure the
    temporary folder goes and ``out`` stays as it was."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    old = tmp.with_suffix(".old")
    try:
        tmp.mkdir()
        fill(tmp)
        if out.exists():
            check_out(out)  # again: nothing may have been added while the site was written
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out.exists():
            old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def build_site(root, out, command: str | None = None) -> list[str]:
    """Write the site of results root ``root`` into ``out``; returns the files written (relative, sorted)."""
    root, out = Path(root), Path(out)
    check_layout(root, out)
    check_out(out)
    folders = discover(root, out)
    if not folders:
        raise HarnessError(
            f"{root} holds no results folders (published runs, statistics or READMEs); "
            "publish a run first with `ltsc-bench publish RUN_DIR results/NAME`"
        )
    command = command or f"ltsc-bench site {root} {out}"
    files = ["index.html", CSS, JS, "README.md"]

    def fill(tmp: Path) -> None:
        _write(tmp / "index.html", pages.index_page(folders))
        _write(tmp / CSS, assets.CSS)
        _write(tmp / JS, assets.JS)
        for folder in folders:
            files.extend(_folder(folder, tmp))
        _write(tmp / "README.md", README.format(command=command))
        manifest = {
            "generator": GENERATOR,
            "command": command,
            "folders": {f.name: f.kind for f in folders},
            "files": {name: _digest(tmp / name) for name in sorted(files)},
        }
        _write(tmp / MARKER, json.dumps(manifest, indent=2) + "\n")

    _swap_in(out, fill)
    return sorted(files + [MARKER])


SITE_DIR = "site"


def refresh_site(root, notify=None) -> list[str] | None:
    """Rebuild ``root/site`` when it is a site built here (after ``publish`` into ``root``), with the command
    it was built by; None when there is none. A site with files added or changed is refused (:func:`check_out`)."""
    out = Path(root) / SITE_DIR
    try:
        manifest = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("generator") != GENERATOR:
        return None
    command = manifest.get("command")
    try:
        files = build_site(root, out, command if isinstance(command, str) else None)
    except HarnessError as exc:
        raise HarnessError(f"published, but the site {out} was not rebuilt: {exc}") from None
    if notify:
        notify(f"rebuilt the site {out} ({len(files)} files)")
    return files
