"""The inputs of the compressor contract (:mod:`.contract`): task prompts, adversarial and property-based inputs.

Every input is deterministic (seeded), so a failure names a case that reproduces:

- task prompts: the test examples of each task, whole prompt (``prefix + context + suffix``);
- adversarial: empty, one token (both vocabulary edges), two equal tokens, all-equal,
  periodic (periods 1 to 7), ids at the vocabulary edges (alternating, random, in repeated blocks);
- property-based: random lengths over random small alphabets (many repeats), ids drawn
  from the whole vocabulary, edges included;
- long: at least 100,000 tokens of randomly repeated random "lines" (code-like structure).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RANDOM_CASES = 16


@dataclass(frozen=True)
class Case:
    name: str
    ids: list
    question: str | None = None
    #: task label, "adversarial", "random" or "long input" (the statistics table groups by it)
    group: str = "adversarial"


def task_cases(tasks, tokenizer, examples: int, seed: int = 0, notify=None) -> list[Case]:
    """The test prompts of ``tasks`` (specs; None = every offline task whose data is present)."""
    from ..engine.pipeline import encode_parts
    from ..engine.stats import default_tasks, task_label
    from ..tasks import build_task

    objs = default_tasks(notify) if tasks is None else [build_task(t) for t in tasks]
    cases = []
    for task in objs:
        label = task_label(task)
        for i, ex in enumerate(task.examples("test", examples, seed)):
            ids = [t for part in encode_parts(tokenizer, ex) for t in part]
            cases.append(Case(f"{label} #{i}", ids, ex.question, label))
    return cases


def adversarial_cases(vocab: int) -> list[Case]:
    """Degenerate and edge-of-vocabulary inputs, then :data:`RANDOM_CASES` random ones."""
    rng = np.random.default_rng(0)
    top = vocab - 1
    edges = np.array(sorted({0, 1, top - 1, top}))
    block = [top, top - 1, 0, 1, top] * 3 + rng.integers(0, vocab, size=10).tolist()
    cases = [
        Case("empty", []),
        Case("one token (id 0)", [0]),
        Case(f"one token (id {top}, the last)", [top]),
        Case("two equal tokens", [5, 5]),
        Case("all-equal, 2,000 tokens", [7] * 2000),
        Case("vocabulary edges alternating, 2,000 tokens", [0, top] * 1000),
        Case("vocabulary edges at random, 3,000 tokens", rng.choice(edges, 3000).tolist()),
        Case("repeated blocks of edge ids, 1,250 tokens", block * 50),
    ]
    for period in range(1, 8):
        unit = rng.integers(0, vocab, size=period).tolist()
        cases.append(Case(f"periodic, period {period}, 1,000+ tokens", unit * (1000 // period + 1)))
    for k in range(RANDOM_CASES):
        n = int(rng.integers(0, 600))
        alphabet = rng.choice(vocab, size=int(rng.integers(1, 9)), replace=False)
        if k % 2:
            alphabet = np.concatenate([alphabet, edges])
        cases.append(
            Case(
                f"random #{k}: {n} tokens over {len(set(alphabet.tolist()))} ids",
                rng.choice(alphabet, n).tolist(),
                group="random",
            )
        )
    return cases


def long_case(vocab: int, tokens: int) -> Case:
    """``tokens`` tokens of random lines (4 to 30 ids from the first 5,000 and the edges) repeated at random."""
    rng = np.random.default_rng(1)
    alphabet = np.concatenate([np.arange(min(vocab, 5000)), [vocab - 2, vocab - 1]])
    lines = [rng.choice(alphabet, int(rng.integers(4, 31))).tolist() for _ in range(300)]
    ids: list[int] = []
    while len(ids) < tokens:
        ids += lines[int(rng.integers(0, len(lines)))]
    return Case(f"long input: {tokens:,} tokens of repeated random lines", ids[:tokens], group="long input")
