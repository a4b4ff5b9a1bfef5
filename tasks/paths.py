"""``path_recall``: copy a file path, exactly, out of JSON-lines job records (the default suite's task).

Each prompt holds a few job records, e.g.::

    {"id": 62, "done": "/data/config/tmp/eva/settings.json"}
    {"id": 65, "error": "/var/site-packages/config/carl/report.csv"}

and asks for the path of the one failed job (the path follows its ``"error"`` key, as
``recall``'s error code does, so a tiny model finds where to start copying). The answer is a long exact span (about 12
tokens) copied from the input. Field names and punctuation repeat on every line, so a
lossless meta-token codec shortens the prompt without touching the answer; a lossy
compressor at the same length must drop tokens, and the path's predictable pieces
(``/``, common directory names, file extensions) are what perplexity-based methods drop
first. Paths are distinct within a prompt.

Parameters: ``records`` (lines per prompt, default 4), ``depth`` (directories before
the user's folder, default 3), ``keys`` (ids are drawn from 1..keys, default 99).

Split (:mod:`harness.tasks.splits`): a prompt's record block is its unit, period 8.
"""

from __future__ import annotations

import random

from ..core.validate import integer
from .base import GENERATED_MAX, Example, Task
from .registry import tasks
from .splits import check_split, split_of

DIRS = (
    "usr",
    "lib",
    "var",
    "log",
    "etc",
    "home",
    "opt",
    "src",
    "data",
    "tmp",
    "cache",
    "share",
    "local",
    "bin",
    "python3",
    "site-packages",
    "config",
    "backup",
)
USERS = (
    "ada",
    "alan",
    "anna",
    "ben",
    "carl",
    "dan",
    "eva",
    "finn",
    "grace",
    "hugo",
    "ida",
    "jack",
    "kate",
    "leo",
    "lisa",
    "max",
    "mia",
    "nina",
    "omar",
    "paul",
    "rosa",
    "sam",
    "tom",
    "vera",
)
FILES = ("access.log", "error.log", "settings.json", "index.html", "main.py", "db.sqlite", "report.csv", "notes.txt")
TEST_PERIOD = 8  # 1 in 8 record blocks is test


def _path(rng: random.Random, depth: int) -> str:
    return "/" + "/".join(rng.choice(DIRS) for _ in range(depth)) + "/" + rng.choice(USERS) + "/" + rng.choice(FILES)


def make_example(rng: random.Random, records: int, depth: int, keys: int) -> Example:
    ids = rng.sample(range(1, keys + 1), records)
    paths: list[str] = []
    while len(paths) < records:  # distinct: one answer per prompt
        p = _path(rng, depth)
        if p not in paths:
            paths.append(p)
    pick = rng.randrange(records)
    context = "".join(
        f'{{"id": {rid}, "{"error" if i == pick else "done"}": "{path}"}}\n'
        for i, (rid, path) in enumerate(zip(ids, paths))
    )
    return Example(
        id="",
        prefix="Records:\n",
        context=context,
        suffix="Question: the path of the failed job? Answer: ",
        target=paths[pick],
        meta={"position": pick, "evidence": [f'"error": "{paths[pick]}"']},
    )


def load(records: int, depth: int, keys: int, split: str, n: int, seed: int, tick=None) -> list[Example]:
    """The first ``n`` generated prompts (stream ``seed``) whose record block falls in ``split`` (``tick(1)`` after each)."""
    check_split(split)
    out: list[Example] = []
    attempt = 0
    while len(out) < n:
        ex = make_example(random.Random(f"path_recall:{seed}:{records}:{depth}:{keys}:{attempt}"), records, depth, keys)
        attempt += 1
        if split_of(ex.context, TEST_PERIOD) == split:
            out.append(Example(f"path_recall-{split}-{len(out)}", ex.prefix, ex.context, ex.suffix, ex.target, ex.meta))
            if tick is not None:
                tick(1)
    return out


@tasks.register("path_recall")
def path_recall(records: int = 4, depth: int = 3, keys: int = 99) -> Task:
    """Copy the file path of the failed job out of JSON-lines records (a long exact span)"""
    records = integer("records", records, 2, 50)
    depth = integer("depth", depth, 1, 12)
    keys = integer("keys", keys, records, 10**6)
    return Task(
        name="path_recall",
        description="copy the path of the failed job from JSON-lines records",
        source="synthetic (seeded)",
        load=lambda split, n, seed, tick=None: load(records, depth, keys, split, n, seed, tick),
        default_sizes={"train": 20000, "test": 200},
        max_sizes=GENERATED_MAX,
    )
