"""The example third-party compressor package (examples/plugin-compressor): installed as a user would, then
every command of its README walkthrough is run verbatim, with the exit code the README states."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "plugin-compressor"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("site")
    source = tmp_path_factory.mktemp("src") / "plugin"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return {"env": dict(os.environ, PYTHONPATH=str(target)), "source": source}


def walkthrough() -> list[tuple[list[str], int]]:
    """The `ltsc-bench` lines of the README's walkthrough block, with their stated exit codes (default 0)."""
    text = (EXAMPLE / "README.md").read_text()
    block = text.split("## 3. Walkthrough", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    steps = []
    for line in block.strip().splitlines():
        command, _, comment = line.partition("#")
        code = re.search(r"exit (\d)", comment)
        steps.append((shlex.split(command)[1:], int(code.group(1)) if code else 0))
    return steps


def test_the_readme_walkthrough_runs_as_written(installed, tmp_path):
    steps = walkthrough()
    assert [args[0] for args, _ in steps] == ["list", "check", "stats", "run", "compare", "publish", "compare"]
    outputs = []
    for args, code in steps:
        proc = subprocess.run(
            [sys.executable, "-m", "harness", *args],
            capture_output=True,
            text=True,
            env=installed["env"],
            cwd=tmp_path,
            timeout=600,
        )
        assert proc.returncode == code, (args, proc.stdout[-2000:], proc.stderr[-2000:])
        outputs.append(proc.stdout)
    listing, check, stats, _, gate, _, regate = outputs
    assert re.search(r"\| rle +\| True", listing)
    assert "Contract of rle (lossless)" in check and "FAIL" not in check
    assert re.search(r"\| recall +\| rle ", stats) and (tmp_path / "rle-stats.png").is_file()
    assert "ltsc → rle" in gate and "REGRESSION: length reduction fell" in gate
    assert "no regression in 3 cells" in regate
    assert (tmp_path / "results" / "rle-v1" / "records.jsonl.gz").is_file()


def test_the_plugins_own_suite_uses_the_fixture(installed):
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        capture_output=True,
        text=True,
        env=installed["env"],
        cwd=installed["source"],
        timeout=300,
    )
    assert proc.returncode == 0 and "2 passed" in proc.stdout, proc.stdout + proc.stderr
