"""The pytest plugin (entry point group pytest11): an author's own suite gets the `compressor_contract` fixture."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import tomllib

from conftest import ROOT

AUTHOR_SUITE = """
from harness.compressors import Compressed, Compressor


class Liar(Compressor):
    lossless = True

    def __init__(self, tokenizer):
        super().__init__(tokenizer)

    def compress(self, ids, *, question=None):
        self.check_ids(ids)
        return Compressed(list(ids)[:-1] if len(ids) > 100 else list(ids), len(ids))

    def decompress(self, ids):
        return list(ids)


FAST = dict(tasks=["recall"], examples=2, long_tokens=2000, against=None)


def test_ltsc(compressor_contract):
    assert compressor_contract("ltsc", **FAST).lossless


def test_liar(compressor_contract):
    compressor_contract(Liar, **FAST)
"""


def test_the_plugin_is_declared_as_a_pytest11_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"ltsc_bench": "harness.contract.pytest_plugin"}
    assert any(dep.startswith("matplotlib") for dep in project["dependencies"])


def test_an_authors_suite_gets_the_fixture(tmp_path):
    """Autoloaded through the installed entry point (run outside the repository, as an author would)."""
    (tmp_path / "test_author.py").write_text(textwrap.dedent(AUTHOR_SUITE))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert "1 failed, 1 passed" in proc.stdout, proc.stdout + proc.stderr
    assert "compressor contract broken" in proc.stdout and "exact round trip" in proc.stdout
