"""Answer retention (model-free): does the evidence an answer needs survive in what the model reads?"""

from __future__ import annotations

import pytest

from harness.compressors import build_compressor
from harness.data.tokenizers import get_tokenizer
from harness.engine.pipeline import Pipeline, evidence
from harness.engine.stats import compression_stats
from harness.tasks import Example, build_task

TOK = get_tokenizer("cl100k_base")
CONTEXT = "".join(f'{{"id": {i}, "status": "ok", "path": "/var/log/app/{i}.log"}}\n' for i in range(1, 9))


def example(target="/var/log/app/7.log", meta=None) -> Example:
    return Example("e", "Records:\n", CONTEXT, "Question: the path? Answer: ", target, meta or {})


def test_evidence_is_declared_else_the_target_when_it_is_in_the_prompt():
    assert evidence(example(meta={"evidence": ["a", "b"]})) == ["a", "b"]
    assert evidence(example()) == ["/var/log/app/7.log"]
    assert evidence(example(target="true")) is None  # a yes/no answer is not in the prompt


@pytest.mark.parametrize(
    "spec, side, kept",
    [
        ("truncate@rate=0.5,side=tail", "tail", False),  # record 7 sits in the second half: cut
        ("truncate@rate=0.5,side=head", "head", True),  # the second half is kept
    ],
)
def test_lossy_retention_reads_the_compressed_text(spec, side, kept):
    prompt = Pipeline(TOK, build_compressor(spec, TOK)).prepare(example())
    assert prompt.answer_retained is kept


def test_lossless_retention_follows_the_round_trip():
    prompt = Pipeline(TOK, build_compressor("ltsc", TOK)).prepare(example())
    assert prompt.round_trip_ok is True and prompt.answer_retained is True
    assert len(prompt.ids) < prompt.raw_tokens


def test_stats_reports_retention_per_compressor():
    rows = compression_stats(
        ["path_recall@records=6"], ["raw", "ltsc", "truncate@rate=match:ltsc"], limit=40, progress=False
    )
    got = {r["compressor"]: r["answer_retention"] for r in rows}
    assert got["raw"] == 1.0 and got["ltsc"] == 1.0
    assert got["truncate@rate=match:ltsc"] == pytest.approx(33 / 40)  # 7 answers sit in the cut middle
    (tree,) = compression_stats(["tree@stage=medium"], ["raw"], limit=3, progress=False)
    assert tree["answer_retention"] is None


def test_path_recall_examples_are_pinned():
    (ex,) = build_task("path_recall").examples("test", 1, seed=0)
    assert ex.target == "/lib/home/local/ben/error.log"
    assert ex.context.splitlines()[:2] == [
        '{"id": 4, "done": "/tmp/opt/cache/omar/notes.txt"}',
        '{"id": 49, "error": "/lib/home/local/ben/error.log"}',
    ]
    assert ex.meta["evidence"] == ['"error": "/lib/home/local/ben/error.log"']
    assert ex.target in ex.context and ex.context.count('"error"') == 1
