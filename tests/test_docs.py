"""The documentation cannot rot: every block marked runnable in README.md and docs/*.md runs, the README stays
short, and every relative link (and its #anchor) resolves.

A fenced block is runnable when its info string is ``bash runnable`` or ``python runnable`` (GitHub highlights
it by the first word). A bash block runs with ``bash -euo pipefail``, a python block with the project's Python,
each in a fresh empty directory with ``.venv/bin`` first on PATH, ``LTSC_ROOT`` set to the checkout, offline.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: whose relative links must resolve too
LINKED = [*DOCS, ROOT / "results" / "README.md"]
README_MAX_LINES = 250
#: deleting runnable markers (or whole examples) below this count fails the suite
MIN_RUNNABLE = 16
#: seconds per block; each is meant to take under ~30 s on two shared cores
TIMEOUT = 300
LANGUAGES = ("bash", "python")
QUICK_START = ("make bench   # the default benchmark suite: offline, on CPU", "make test    # the test suite")

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    info: str
    code: str

    @property
    def words(self) -> list[str]:
        return self.info.split()

    @property
    def language(self) -> str:
        return self.words[0] if self.words else ""

    @property
    def runnable(self) -> bool:
        return "runnable" in self.words[1:]

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file (CommonMark fences: ``` or ~~~, closed by a longer-or-equal run)."""
    found, lines = [], path.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, start, body = m["fence"], i, []
        i += 1
        while i < len(lines):
            close = FENCE.match(lines[i])
            if (
                close
                and close["fence"][0] == fence[0]
                and len(close["fence"]) >= len(fence)
                and not close["info"].strip()
            ):
                break
            body.append(lines[i])
            i += 1
        found.append(Block(path, start + 1, m["info"].strip(), "\n".join(body) + "\n"))
        i += 1
    return found


ALL_BLOCKS = [b for path in DOCS for b in blocks(path)]
RUNNABLE = [b for b in ALL_BLOCKS if b.runnable]


def outside(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of the lines outside fenced blocks."""
    inside = {n for b in blocks(path) for n in range(b.line, b.line + b.code.count("\n") + 2)}
    return [(n, text) for n, text in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if n not in inside]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters, digits, _ and - kept), spaces to -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The #anchors of a Markdown file's headings (a repeated heading gets -1, -2, ... as on GitHub)."""
    counts: dict[str, int] = {}
    found = set()
    for _, text in outside(path):
        m = re.match(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$", text)
        if m:
            base = slug(m[1])
            n = counts.get(base, 0)
            found.add(base if n == 0 else f"{base}-{n}")
            counts[base] = n + 1
    return found


def environment() -> dict[str, str]:
    env = dict(os.environ)
    bins = [str(ROOT / ".venv" / "bin")] if (ROOT / ".venv" / "bin").is_dir() else []
    bins.append(str(Path(sys.executable).parent))
    env["PATH"] = os.pathsep.join([*bins, env.get("PATH", "")])
    env["LTSC_ROOT"] = str(ROOT)
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    env.pop("LTSC_ALLOW_HUB", None)
    return env


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.is_file() else sys.executable


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.id for b in RUNNABLE])
def test_runnable_block_runs(block: Block, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    if block.language == "bash":
        script = tmp_path / "block.sh"
        command = ["bash", "-euo", "pipefail", str(script)]
    else:
        script = tmp_path / "block.py"
        command = [python(), str(script)]
    script.write_text(block.code, encoding="utf-8")
    try:
        proc = subprocess.run(command, cwd=work, env=environment(), capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{block.id}: the {block.language} block ran past {TIMEOUT} s")
    assert proc.returncode == 0, (
        f"{block.id}: the {block.language} block exited {proc.returncode}\n"
        f"--- stdout (tail)\n{proc.stdout[-3000:]}\n--- stderr (tail)\n{proc.stderr[-3000:]}"
    )


def test_runnable_blocks_exist():
    assert len(RUNNABLE) >= MIN_RUNNABLE, f"only {len(RUNNABLE)} runnable blocks (at least {MIN_RUNNABLE} expected)"
    assert {b.language for b in RUNNABLE} == set(LANGUAGES)
    readme = [b for b in RUNNABLE if b.path.name == "README.md"]
    assert any(b.language == "python" and "from harness import evaluate" in b.code for b in readme), (
        "the README's Python API example is not runnable"
    )
    assert any("ltsc-bench compare" in b.code for b in readme) and any("ltsc-bench publish" in b.code for b in readme)


def test_runnable_markers_are_well_formed():
    """``runnable`` only after bash or python, and no near-miss spelling (``runable``, ``run``) that would go unrun."""
    for b in ALL_BLOCKS:
        extra = b.words[1:]
        if b.runnable:
            assert b.language in LANGUAGES and extra == ["runnable"], f"{b.id}: info string {b.info!r}"
        else:
            assert not any(w.startswith("run") for w in extra), f"{b.id}: info string {b.info!r} is not 'runnable'"


def test_readme_is_short_and_keeps_the_quick_start():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES, f"README.md has {len(text.splitlines())} lines"
    quick = [b for b in blocks(ROOT / "README.md") if b.language == "bash" and not b.runnable]
    assert any(b.code.splitlines() == list(QUICK_START) for b in quick), "the quick start's two commands changed"


#: a repository path in backticks: a Python file or a folder (``harness/engine/``) under these top-level folders
REPO_PATH = re.compile(r"(?<![\w/.])((?:harness|tasks|baselines|benchmarks|scripts|tests|examples|results)/[\w./-]*)")


def test_named_repository_files_exist():
    """Every Python file or folder of the repository that the docs name in backticks exists (a moved module is
    noticed here, not by a reader)."""
    missing = []
    for path in LINKED:
        for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            for span in re.findall(r"`([^`]+)`", line):
                for name in REPO_PATH.findall(span):
                    name = name.rstrip(".")
                    if (name.endswith(".py") or name.endswith("/")) and not (ROOT / name).exists():
                        missing.append(f"{path.relative_to(ROOT)}:{n}: {name}")
    assert not missing, "named files that do not exist:\n" + "\n".join(missing)


def test_relative_links_resolve():
    broken = []
    for path in LINKED:
        for n, line in outside(path):
            for m in LINK.finditer(re.sub(r"`[^`]*`", "``", line)):
                target = m["target"]
                if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:, ...
                    continue
                file, _, anchor = target.partition("#")
                dest = (path.parent / file).resolve() if file else path
                if not dest.exists():
                    broken.append(f"{path.relative_to(ROOT)}:{n}: {target} (no such file)")
                elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                    broken.append(f"{path.relative_to(ROOT)}:{n}: {target} (no heading #{anchor})")
    assert not broken, "broken links:\n" + "\n".join(broken)
