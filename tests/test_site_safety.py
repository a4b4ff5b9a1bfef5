"""`ltsc-bench site` never deletes what it did not write, never writes inside the results it reads (but for the
project's own `results/site/`), leaves no partial site on failure, tells every leaderboard row apart, and marks
a folder published from an unfinished run as partial.

The folders are copies of a committed one (`results/meta-init-smollm2`: three `ltsc@pool_size=1024` rows that
differ only by model) and hand-made records; nothing is trained or downloaded.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from harness.cli import main
from harness.core.errors import HarnessError
from harness.results.leaderboard import read_dir
from harness.results.publish import write_records_gz
from harness.site import build, build_site

RESULTS = Path(__file__).resolve().parents[1] / "results"
STUDY = RESULTS / "meta-init-smollm2"


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file and folder under ``folder`` (folders as b"/"), by relative path."""
    return {p.relative_to(folder).as_posix(): (b"/" if p.is_dir() else p.read_bytes()) for p in folder.rglob("*")}


@pytest.fixture
def root(tmp_path):
    """A results root with one published folder (``pub``, a copy of results/meta-init-smollm2)."""
    shutil.copytree(STUDY, tmp_path / "root" / "pub")
    return tmp_path / "root"


def _site(root: Path, out: Path) -> None:
    assert main(["site", str(root), str(out)]) == 0


def _refused(capsys, args: list[str]) -> str:
    """Run ``ltsc-bench site ARGS``: it must exit 2 with one line on stderr, which is returned."""
    assert main(["site", *map(str, args)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


# -- finding 1: only a site this tool wrote, unchanged and with nothing added, is replaced ----------------
def test_site_json_of_someone_else_does_not_make_out_a_site(root, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "site.json").write_text('{"my": "settings"}\n')
    (out / "notes.txt").write_text("my notes\n")
    before = _snapshot(out)
    err = _refused(capsys, [root, out])
    assert "site.json was not written by `ltsc-bench site`" in err and "pick another OUT" in err
    assert _snapshot(out) == before


def test_a_site_with_a_foreign_file_is_not_replaced(root, tmp_path, capsys):
    out = tmp_path / "out"
    _site(root, out)
    (out / "notes.txt").write_text("my notes\n")
    (out / "pub" / "mine").mkdir()
    (out / "pub" / "mine" / "data.csv").write_text("1,2\n")
    before = _snapshot(out)
    err = _refused(capsys, [root, out])
    assert f"{out} holds notes.txt, which `ltsc-bench site` did not write; move it or pick another OUT" in err
    assert _snapshot(out) == before
    (out / "notes.txt").unlink()
    assert "holds pub/mine, which" in _refused(capsys, [root, out])  # a foreign folder, named before its files
    assert _snapshot(out) == {k: v for k, v in before.items() if k != "notes.txt"}


def test_a_site_with_a_changed_file_is_not_replaced(root, tmp_path, capsys):
    out = tmp_path / "out"
    _site(root, out)
    (out / "index.html").write_text("my edits\n")
    before = _snapshot(out)
    err = _refused(capsys, [root, out])
    assert f"{out}/index.html changed since `ltsc-bench site` wrote it; move it or pick another OUT" in err
    assert _snapshot(out) == before


def test_own_site_is_rebuilt_and_marker_lists_hashes(root, tmp_path):
    out = tmp_path / "out"
    _site(root, out)
    first = _snapshot(out)
    marker = json.loads((out / "site.json").read_text())
    assert marker["generator"] == "ltsc-bench site"
    assert marker["files"]["index.html"] == hashlib.sha256((out / "index.html").read_bytes()).hexdigest()
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(marker["files"]) == on_disk - {"site.json"}
    (out / "pub" / "index.html").unlink()  # a deleted page is not a foreign file
    _site(root, out)
    assert _snapshot(out) == first
    (out / "pub").rename(tmp_path / "gone")
    _site(root, out)
    assert _snapshot(out) == first


def _old_marker(out: Path) -> None:
    """Rewrite ``out``'s marker as the previous version of the tool wrote it (file names, no hashes)."""
    m = json.loads((out / "site.json").read_text())
    old = {
        "generator": m["generator"],
        "command": m["command"],
        "folders": m["folders"],
        "files": sorted([*m["files"], "site.json"]),
    }
    (out / "site.json").write_text(json.dumps(old, indent=2) + "\n")


def test_a_site_written_by_the_previous_version_is_migrated(root, tmp_path, capsys):
    out = tmp_path / "out"
    _site(root, out)
    first = _snapshot(out)
    _old_marker(out)
    _site(root, out)
    assert _snapshot(out) == first  # rebuilt with the new marker
    _old_marker(out)
    (out / "notes.txt").write_text("my notes\n")
    assert "holds notes.txt, which" in _refused(capsys, [root, out])
    (out / "notes.txt").unlink()
    marker = json.loads((out / "site.json").read_text())
    marker["files"].append("notes.txt")  # an old marker edited by hand is not one the tool wrote
    (out / "site.json").write_text(json.dumps(marker) + "\n")
    assert "site.json was not written by `ltsc-bench site`" in _refused(capsys, [root, out])


# -- finding 2: never inside the results it reads, except results/site ---------------------------------
def test_out_holding_results_is_refused_before_anything_is_written(root, tmp_path, capsys):
    (root / "notes.txt").write_text("my notes\n")
    before = _snapshot(tmp_path)
    err = _refused(capsys, [root / "pub", root])
    assert f"{root} is RESULTS or holds it" in err and "pick another OUT" in err
    err = _refused(capsys, [root, root])
    assert f"{root} is RESULTS or holds it" in err and f"e.g. {root}/site" in err
    assert "is RESULTS or holds it" in _refused(capsys, [root / "pub", root / "pub"])
    assert _snapshot(tmp_path) == before


def test_out_inside_a_published_folder_is_refused(root, tmp_path, capsys):
    before = _snapshot(tmp_path)
    err = _refused(capsys, [root, root / "pub" / "site"])
    assert f"{root}/pub/site is or lies inside the results folder {root}/pub" in err
    assert f"lies inside the results folder {root}/pub" in _refused(capsys, [root / "pub", root / "pub" / "site"])
    assert f"{root}/pub is or lies inside the results folder {root}/pub" in _refused(capsys, [root, root / "pub"])
    err = _refused(capsys, [root, root / "sites" / "new"])
    assert f"{root}/sites/new lies inside RESULTS {root} but not directly in it" in err and f"{root}/site" in err
    assert _snapshot(tmp_path) == before


def test_results_site_layout_works_and_is_not_a_results_folder(root):
    _site(root, root / "site")
    _site(root, root / "site")  # rebuilt in place
    marker = json.loads((root / "site" / "site.json").read_text())
    assert marker["folders"] == {"pub": "run"}
    assert 'href="site/index.html"' not in (root / "site" / "index.html").read_text()
    assert build.refresh_site(root) == sorted([*marker["files"], "site.json"])


def test_publish_refresh_only_rebuilds_its_own_site_and_never_deletes_user_files(root):
    """``publish`` into a results root rebuilds ``root/site`` (:func:`refresh_site`) only when it is a site of this
    tool with nothing added."""
    (root / "site").mkdir()
    (root / "site" / "site.json").write_text('{"mine": 1}')
    (root / "site" / "notes.txt").write_text("my notes\n")
    before = _snapshot(root)
    assert build.refresh_site(root) is None and _snapshot(root) == before
    shutil.rmtree(root / "site")
    _site(root, root / "site")
    (root / "site" / "notes.txt").write_text("my notes\n")
    before = _snapshot(root)
    with pytest.raises(HarnessError, match=f"the site {root}/site was not rebuilt: .* holds notes.txt, which"):
        build.refresh_site(root)
    assert _snapshot(root) == before


# -- finding 3: no partial site ----------------------------------------------------------------------
def test_a_failed_build_leaves_no_partial_files(root, tmp_path, monkeypatch):
    def broken(folder, section):
        raise OSError(28, "No space left on device")

    out = tmp_path / "out"
    monkeypatch.setattr(build.pages, "run_page", broken)
    with pytest.raises(OSError):
        build_site(root, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root"]
    monkeypatch.undo()
    _site(root, out)
    before = _snapshot(out)
    monkeypatch.setattr(build.pages, "run_page", broken)
    with pytest.raises(OSError):
        build_site(root, out)
    assert _snapshot(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["out", "root"]


# -- finding 4: rows that differ only in model (or training input, or configuration) are told apart -----
def _rows(html: str, start: str) -> list[tuple[list[str], list[list[str]]]]:
    """(headers, row texts) of every table after the text ``start`` in ``html``."""
    out = []
    for t in re.findall(r"<table.*?</table>", html[html.index(start) :], re.S):
        cells = lambda s, tag: [re.sub(r"<[^>]+>", "", c) for c in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", s, re.S)]
        out.append((cells(t, "th"), [cells(r, "td") for r in re.findall(r"<tr>(.*?)</tr>", t, re.S)[1:]]))
    return out


def test_index_card_of_the_smollm2_study_tells_its_rows_apart(root, tmp_path):
    _site(root, tmp_path / "out")
    [(headers, rows)] = _rows((tmp_path / "out" / "index.html").read_text(), 'class="card"')
    assert headers[:3] == ["task", "compressor", "model"]
    assert ["recall", "ltsc@pool_size=1024", "smollm2-135m@meta_init=mean"] == rows[-3][:3]
    assert len({tuple(r[:3]) for r in rows}) == len(rows) == 7
    assert "llmlingua@rate=match:ltsc (raw-trained model)" in [r[1] for r in rows]
    page = (tmp_path / "out" / "pub" / "index.html").read_text()
    headers = _rows(page, "Examples: what each model read")[0][0]
    assert "ltsc@pool_size=1024 · smollm2-135m@meta_init=orthogonal" in headers and len(set(headers)) == len(headers)


def _records(cells: list[dict]) -> list[dict]:
    """Hand-made records: a few of results/default-suite's for each cell, with the cell's fields changed."""
    template = read_dir(RESULTS / "default-suite")[:4]
    return [
        {**r, "cell": f"cell{i}", "comparison": "cmp", **cell, "config": {**r["config"], **cell.get("config", {})}}
        for i, cell in enumerate(cells)
        for r in template
    ]


@pytest.mark.parametrize(
    "cells, header, shown",
    [
        ([{"model": "m@meta_init=a"}, {"model": "m@meta_init=b"}], "model", ["m@meta_init=a", "m@meta_init=b"]),
        ([{"trained_on": "raw"}, {"trained_on": "self"}], "compressor", None),
        ([{"config": {"seed": 1}}, {"config": {"seed": 2}}], "configuration", ["seed=1", "seed=2"]),
        ([{"task": "recall"}, {"task": "tree"}], "task", ["recall", "tree"]),
    ],
)
def test_card_shows_the_column_its_rows_differ_in(tmp_path, cells, header, shown):
    for c in cells:
        c.setdefault("compressor", "ltsc@pool_size=32")
    (tmp_path / "root" / "pub").mkdir(parents=True)
    write_records_gz(_records(cells), tmp_path / "root" / "pub" / "records.jsonl.gz")
    build_site(tmp_path / "root", tmp_path / "out")
    [(headers, rows)] = _rows((tmp_path / "out" / "index.html").read_text(), 'class="card"')
    column = [r[headers.index(header)] for r in rows]
    assert len(set(column)) == len(rows) == 2 and (shown is None or column == shown)
    assert ("model" in headers) == (header == "model")  # a model column only where the models differ


# -- finding 5: a folder published from an unfinished run is marked partial ----------------------------
def test_partial_folder_is_marked_on_its_card_and_page(root, tmp_path):
    shutil.copytree(root / "pub", root / "whole")
    meta = json.loads((root / "pub" / "publish.json").read_text())
    (root / "pub" / "publish.json").write_text(json.dumps({**meta, "partial": True}))
    (root / "whole" / "publish.json").write_text('["not", "an", "object"]')  # read defensively: not partial
    build_site(root, tmp_path / "out")
    cards = (tmp_path / "out" / "index.html").read_text().split('<section class="card">')[1:]
    assert [c.count('class="tag partial"') for c in cards] == [1, 0]
    assert 'href="pub/index.html">pub</a> <span class="tag partial"' in cards[0]
    page = (tmp_path / "out" / "pub" / "index.html").read_text()
    assert page.count('class="tag partial"') == 1 and "published from a run that was still writing" in page
    assert "partial" not in (tmp_path / "out" / "whole" / "index.html").read_text()


# -- finding 6: user files next to the site and in the results are never touched ----------------------
def test_user_files_survive_every_site_command(root, tmp_path, capsys):
    planted = {
        root / "notes.txt": "root notes",
        root / "pub" / "notes.txt": "pub notes",
        root / "pub" / "mine" / "data.csv": "1,2",
        root / "mine" / "todo.md": "todo",
        tmp_path / "out" / "notes.txt": "out notes",
        tmp_path / "out" / "sub" / "f.txt": "out sub",
    }
    for path, text in planted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    results_before = _snapshot(root)
    for args in (
        [root, tmp_path / "out"],
        [root / "pub", root],
        [root, root],
        [root, root / "pub"],
        [root, root / "pub" / "site"],
        [root / "pub", tmp_path / "out"],
        [root, root / "mine"],
    ):
        _refused(capsys, args)
    _site(root, root / "site")
    _site(root / "pub", tmp_path / "one")
    (root / "site" / "notes.txt").write_text("site notes")
    _refused(capsys, [root, root / "site"])
    assert {k: v for k, v in _snapshot(root).items() if not k.startswith("site")} == results_before
    assert all(path.read_text() == text for path, text in planted.items())
    assert (root / "site" / "notes.txt").read_text() == "site notes"
