"""The default suite: what ``ltsc-bench run`` (``make bench``) runs with no arguments.

Offline on CPU, under ten minutes on two cores: the model-free compression statistics
of every offline task, then an accuracy comparison on ``recall@digits=6,records=8`` (copy
a 6-digit error code, two tokens, out of eight JSON-lines records) with a tiny model
trained from scratch (docs/running.md, "The default suite", has the table and
the reasons for each choice below).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..core.progress import log
from .runner import RunConfig
from .training import TrainConfig

#: compressors compared (the lossy baselines join at the length ``ltsc`` reaches on each example).
#: ``pool_size=32``: a model trained from scratch must learn an embedding for every meta-token id
#: it may meet; with the default pool of 1,024 ids the tiny model stayed on its loss plateau (measured).
#: The pool only changes which ids are drawn, never the compressed length.
COMPRESSORS = ("raw", "ltsc@pool_size=32", "truncate@rate=match:ltsc", "llmlingua@rate=match:ltsc")
#: evaluated with the model trained on raw prompts (``--no-finetune``): compressing the 12,000
#: training prompts with LLMLingua (~1 s each on one CPU thread), or training a third model, would not fit
#: the suite's 10 minutes. No reader can score above a compressor's answer retention (the share of test
#: prompts whose answer survives it; ``ltsc-bench stats``), which the README reports next to this table.
NO_FINETUNE = ("truncate@rate=match:ltsc", "llmlingua@rate=match:ltsc")
#: a 6-digit answer is two cl100k tokens; at the length ltsc reaches on 8 records (36% shorter) truncation and
#: LLMLingua keep it in about half of the prompts, while a 2-digit answer (``recall``'s default) is one
#: high-surprisal token that LLMLingua keeps (97.5% accuracy in the suite before this one).
TASKS = ("recall@digits=6,records=8",)
#: two layers, d_model 64, and a short causal convolution over the embeddings (see models/tiny.py):
#: width 5, so both answer tokens see the ``"error"`` key four tokens back (with conv=4 the raw model
#: read the first token and missed the second)
MODEL = "tiny@d_model=64,layers=2,heads=4,conv=5"
OUTPUT = "runs/default-suite"
#: the training budget (the same for every input format). ``prompt_loss=1``: next-token loss on the prompt
#: too; with the answer-only loss the raw model stayed at chance on 6-digit answers (it must learn
#: embeddings for ~900 three-digit tokens). lr 3e-3: at 1e-2 it stayed at chance as well (measured).
#: ``bucket_window=1``: plain random batches; recall's prompts are within a few tokens of each other, so
#: length-aware batching saves no padding here, and this from-scratch regime is sensitive to batch order.
TRAIN = TrainConfig(steps=1500, batch_size=32, lr=3e-3, prompt_loss=1.0, seed=0, bucket_window=1)
TRAIN_EXAMPLES = 12000
TEST_EXAMPLES = 200
#: the model-free part: every offline task, these compressors, this many test examples each
STATS_COMPRESSORS = ("raw", "ltsc")
STATS_LIMIT = 50
#: the tiny model trains faster on one thread than on two contended ones (measured on 2 shared cores),
#: so the suite runs two cells at a time, one thread each
THREADS = 1
JOBS = 2


def suite_config(**overrides) -> RunConfig:
    """The default suite's configuration (offline, CPU-sized)."""
    cfg = RunConfig(
        tasks=list(TASKS),
        compressors=list(COMPRESSORS),
        model=MODEL,
        train=TRAIN,
        train_examples=TRAIN_EXAMPLES,
        test_examples=TEST_EXAMPLES,
        threads=THREADS,
        jobs=JOBS,
        no_finetune=list(NO_FINETUNE),
    )
    return replace(cfg, **overrides)


def run_suite_stats(cfg: RunConfig, output: Path) -> str:
    """The model-free part: writes ``stats.json`` and ``stats.md`` into ``output``; returns the Markdown."""
    from .stats import compression_stats, render_stats

    rows = compression_stats(
        None,
        STATS_COMPRESSORS,
        cfg.tokenizer or "cl100k_base",
        scope=cfg.scope,
        limit=STATS_LIMIT,
        seed=cfg.seed,
        progress=cfg.progress,
        notify=log,
    )
    (output / "stats.json").write_text(render_stats(rows, "json") + "\n")
    table = render_stats(rows, "markdown", floatfmt=".4g")
    (output / "stats.md").write_text(table + "\n")
    return table
