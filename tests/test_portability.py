"""Nothing published names a directory of the machine that made it; old records and run_meta.json read portably."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from harness.data.assets import SMOLLM2_TOKENIZER, logical_tokenizer
from harness.results.provenance import portable_command, portable_json, portable_meta, portable_path

RESULTS = ROOT / "results"
LEGACY = "hf:/home/someone/.cache/ltsc-bench/models/smollm2-135m-instruct-60d5596fd941"


def test_portable_paths_golden():
    home = os.path.expanduser("~")
    assert portable_path("/work/proj/runs/a", "/work/proj") == "runs/a"
    assert portable_path("/work/proj", "/work/proj") == "."
    assert portable_path("/work/project2/x", "/work/proj") == "<abs>/x"  # a sibling sharing a prefix is not inside
    assert portable_path(os.path.join(home, "m", "dir"), "/nowhere") == "~/m/dir"
    assert portable_path("runs/a", "/work/proj") == "runs/a"


def test_portable_command_golden():
    cmd = "ltsc-bench run --output /w/p/runs/x --model hf:/w/p/models/m --checkpoint-dir=/tmp/ck --limit 3 rel"
    assert portable_command(cmd, "/w/p") == (
        "ltsc-bench run --output runs/x --model hf:models/m '--checkpoint-dir=<abs>/ck' --limit 3 rel"
    )
    assert portable_command(None) is None and portable_command("") == ""


def test_old_run_meta_loses_its_directory_and_its_commands_become_relative():
    old = {"invocations": [{"command": "ltsc-bench run --output /work/main/runs/a", "cwd": "/work/main", "x": 1}]}
    assert portable_meta(old) == {"invocations": [{"command": "ltsc-bench run --output runs/a", "x": 1}]}
    assert portable_json({"a": ["/tmp/q/r", 3, "rel"], "b": None}) == {"a": ["<abs>/r", 3, "rel"], "b": None}


def test_legacy_tokenizer_names_read_as_the_logical_name(tmp_path, capsys):
    from harness.results.leaderboard import read_dir

    assert logical_tokenizer(LEGACY) == SMOLLM2_TOKENIZER
    assert logical_tokenizer("hf:/models/other-model") == "hf:/models/other-model"
    rec = {
        "cell": "c",
        "comparison": "k",
        "example_id": "e",
        "task": "recall",
        "compressor": "raw",
        "model": "smollm2-135m",
        "correct": True,
        "input_tokens": 9,
        "raw_tokens": 9,
        "tokenizer": LEGACY,
        "config": {"tokenizer": LEGACY},
    }
    for name, opener in (("records.jsonl", open), ("records.jsonl.gz", gzip.open)):
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        with opener(folder / name, "wt") as fh:
            fh.write(json.dumps(rec) + "\n")
        (got,) = read_dir(folder)
        assert got["tokenizer"] == got["config"]["tokenizer"] == SMOLLM2_TOKENIZER and got["cell"] == "c"


_MACHINE_PATH = re.compile(r"(?<![\w.~<>-])/(?:root|home|Users|tmp|work|var|private|opt|mnt|srv)(?:/|\b)")


def _texts(folder: Path):
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".png",) or not path.is_file():
            continue
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        yield path, data.decode("utf-8", errors="replace")


def test_results_name_no_absolute_path_of_any_machine():
    """The acceptance grep: no committed result names a machine's directory (home, cache, checkout, /tmp)."""
    mine = {str(ROOT), os.path.expanduser("~")} - {"/", ""}
    found = []
    for path, text in _texts(RESULTS):
        for needle in mine:
            if needle in text:
                found.append(f"{path.relative_to(ROOT)}: {needle}")
        m = _MACHINE_PATH.search(text)
        if m:
            found.append(f"{path.relative_to(ROOT)}: ...{text[max(0, m.start() - 40) : m.end() + 40]!r}...")
    assert not found, found[:10]


def test_smollm2_results_recompute_on_an_empty_home_and_cache(tmp_path):
    """A new user's machine: HOME and LTSC_CACHE_DIR empty; the SmolLM2 conversion is rebuilt on demand from the
    installed wheel and the stored drill-down views recompute identically (failed before: records named the
    converted model by the publishing machine's cache path)."""
    pytest.importorskip("transformers")
    folders = [p for p in sorted(RESULTS.glob("*/records.jsonl.gz")) if "smollm2" in p.parent.name]
    assert folders
    script = (
        "import sys\n"
        "from harness.leaderboard import read_dir\n"
        "from harness.site.examples import compute, read_examples\n"
        "for folder in sys.argv[1:]:\n"
        "    stored = [v for v in read_examples(folder) if v['compressor'].partition('@')[0] in ('raw', 'ltsc')]\n"
        "    assert stored and compute(read_dir(folder), only={v['cell'] for v in stored}) == stored, folder\n"
        "    print('ok', folder)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TIKTOKEN_CACHE_DIR", "HF_HOME", "HF_HUB_CACHE")}
    env.update(HOME=str(tmp_path / "home"), LTSC_CACHE_DIR=str(tmp_path / "cache"), HF_HUB_OFFLINE="1")
    (tmp_path / "home").mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", script, *(str(f.parent) for f in folders[:1])],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("ok ") == 1
    assert any((tmp_path / "cache" / "models").glob("smollm2-135m-instruct-*/config.json"))  # converted here, now


def test_portable_python_call_golden():
    call = "python: harness.evaluate(tasks=['recall'], checkpoint_dir='/w/p/ck', model='hf:/elsewhere/m', n=3)"
    assert portable_command(call, "/w/p") == (
        "python: harness.evaluate(tasks=['recall'], checkpoint_dir='ck', model='hf:<abs>/m', n=3)"
    )
