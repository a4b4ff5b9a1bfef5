"""`ltsc-bench stats`: definitions of the numbers, losslessness checked per example, CLI contract."""

from __future__ import annotations

import json

import pytest
from test_tasks import COMMITPACK, TASK_SPECS, available

from harness.cli import main
from harness.compressors import Compressed, Compressor, compressors
from harness.data.tokenizers import get_tokenizer
from harness.engine.pipeline import encode_parts
from harness.engine.stats import compression_stats
from harness.tasks import build_task


def _register(monkeypatch, cls):
    """Register a throw-away compressor class for one test."""
    from harness.core.registry import Entry

    monkeypatch.setitem(compressors._entries, cls.name, Entry(cls.name, cls))
    return cls.name


class _Toy(Compressor):
    def __init__(self, tokenizer):
        super().__init__(tokenizer)


LTSC_VARIANTS = [n for n in compressors.names() if n.startswith("ltsc") and compressors.get(n).factory.lossless]


def test_raw_changes_nothing():
    rows = compression_stats(["tree@stage=medium", "sql_extract"], ["raw"], limit=5, progress=False)
    for r in rows:
        assert r["examples"] == 5 and r["mean_tokens"] == r["mean_tokens_raw"] > 0
        assert r["length_reduction"] == r["attention_reduction"] == 0 and r["lossless_rate"] == 1.0


@pytest.mark.skipif(not LTSC_VARIANTS, reason="no ltsc compressor registered yet (harness/compressors/ltsc.py)")
@pytest.mark.parametrize("scope", ["prompt", "context"])
def test_every_ltsc_variant_is_lossless_on_every_task(scope):
    specs = available([s for s in TASK_SPECS if s != "tree@stage=small"])
    rows = compression_stats(specs, LTSC_VARIANTS + ["ltsc@max_len=4"], limit=4, scope=scope, progress=False)
    assert len(rows) == len(specs) * (len(LTSC_VARIANTS) + 1)
    for r in rows:
        assert r["lossless_rate"] == 1.0, r
        assert r["mean_tokens"] <= r["mean_tokens_raw"]


@pytest.mark.skipif("ltsc" not in compressors, reason="ltsc not registered yet")
def test_tree_x3large_matches_the_papers_27_percent():
    (row,) = compression_stats(["tree@stage=x3large"], ["ltsc"], limit=40, progress=False)
    assert 0.24 <= row["length_reduction"] <= 0.30
    assert row["attention_reduction"] == pytest.approx(1 - (1 - row["length_reduction_pooled"]) ** 2, abs=0.02)


def test_numbers_follow_their_definitions(monkeypatch):
    """Against a toy compressor that drops every third token: recompute each column by hand."""

    class DropThird(_Toy):
        name = "drop-third-test"

        def compress(self, ids, *, question=None):
            out = [t for i, t in enumerate(ids) if i % 3 != 2]
            return Compressed(out, len(ids), target_tokens=len(out) + 1)

    (row,) = compression_stats(["sql_extract"], [_register(monkeypatch, DropThird)], limit=6, progress=False)
    tok = get_tokenizer("cl100k_base")
    raw = [sum(map(len, encode_parts(tok, ex))) for ex in build_task("sql_extract").examples("test", 6)]
    out = [n - n // 3 for n in raw]
    assert row["mean_tokens_raw"] == pytest.approx(sum(raw) / 6)
    assert row["mean_tokens"] == pytest.approx(sum(out) / 6)
    assert row["length_reduction"] == pytest.approx(sum(1 - o / r for o, r in zip(out, raw)) / 6)
    assert row["attention_reduction"] == pytest.approx(1 - sum(o * o for o in out) / sum(r * r for r in raw))
    assert row["lossless_rate"] is None
    assert row["rate_adherence"] == pytest.approx(sum(o / (o + 1) for o in out) / 6)


def test_a_lossless_claim_is_checked_not_assumed(monkeypatch):
    class Liar(_Toy):
        name = "liar-test"
        lossless = True

        def compress(self, ids, *, question=None):
            return Compressed(list(ids[:-1]), len(ids))

        def decompress(self, ids):
            return list(ids)

    (row,) = compression_stats(["tree@stage=small"], [_register(monkeypatch, Liar)], limit=5, progress=False)
    assert row["lossless_rate"] == 0.0


def test_cli_formats_and_paper_figures(capsys):
    comps = ["raw", "ltsc"] if "ltsc" in compressors else ["raw", "truncate@rate=0.5"]
    assert (
        main(
            [
                "stats",
                "--tasks",
                "tree@stage=large",
                "code_edit",
                "--compressors",
                *comps,
                "--limit",
                "3",
                "--format",
                "json",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert [(r["task"], r["compressor"]) for r in rows] == [
        (t, c) for t in ("tree@stage=large", "code_edit") for c in comps
    ]
    assert {
        "task",
        "compressor",
        "examples",
        "mean_tokens_raw",
        "mean_tokens",
        "length_reduction",
        "attention_reduction",
        "dictionary_entries",
        "lossless_rate",
        "codec_ms",
    } <= set(rows[0])
    assert main(["stats", "--tasks", "tree@stage=large", "code_edit", "--compressors", *comps, "--limit", "3"]) == 0
    md = capsys.readouterr().out
    assert "27% / 47%" in md and "18% / 33%" in md
    assert (
        main(
            [
                "stats",
                "--tasks",
                "tree@stage=small,pairs_per_tree=2",
                "sql_extract,json_lookup",
                "--compressors",
                "raw",
                "--limit",
                "2",
                "--format",
                "json",
            ]
        )
        == 0
    )
    assert [r["task"] for r in json.loads(capsys.readouterr().out)] == [
        "tree@pairs_per_tree=2,stage=small",
        "sql_extract",
        "json_lookup",
    ]
    assert main(["stats", "--tasks", COMMITPACK, "--compressors", "raw", "--limit", "2", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("task,compressor,examples,")


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--tasks", "tre"], "unknown task 'tre'"),
        (["--tasks", "tree@stage=huge"], "stage must be one of small"),
        (["--tasks", "tree@colour=red"], "task 'tree' has no parameter 'colour'"),
        (["--tasks", "code_edit@lines=0"], "lines must be a positive integer"),
        (["--compressors", "nope"], "unknown compressor 'nope'"),
        (["--tasks", "tree", "--limit", "0"], "--limit must be a positive"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert main(["stats", *argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_bad_task_in_a_subprocess_has_no_traceback():
    from conftest import run_cli

    proc = run_cli("stats", "--tasks", "tree@stage=nope")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
