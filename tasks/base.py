"""What a task is: a declarative source of examples plus a scorer.

A prompt has three parts, tokenized separately and concatenated, so the raw length
is the same whichever scope is compressed:

    prefix   instruction text before the context (e.g. "Tree: ")
    context  the part that may be compressed (tree, code, document, table, log)
    suffix   the question after the context (e.g. ", Parent: AB, Child: CD, Answer: ")

With ``scope="prompt"`` (the paper's setting, the default) the whole prompt is
compressed; with ``scope="context"`` only the context. The target (answer) is never
compressed.

Scoring: ``Task.score`` is the primary score, a float in [0, 1] (exact match by default,
1.0 or 0.0); ``Task.extra_scores`` adds the task's other scorers by name (e.g. the code
tasks' ``edit_similarity``). Splits: :mod:`harness.tasks.splits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from .scoring import Scorer, checked_score, exact_match


@dataclass(frozen=True)
class Example:
    id: str
    prefix: str
    context: str
    suffix: str
    target: str
    meta: dict = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        return self.prefix + self.context + self.suffix

    @property
    def question(self) -> str:
        """What a query-aware compressor is told the question is: the suffix, stripped."""
        return self.suffix.strip()


@dataclass
class Task:
    """A registered task instance (built from ``name@params``).

    ``load(split, n, seed)`` returns examples deterministically; train and test are
    disjoint by unit (:mod:`harness.tasks.splits`). ``choices`` is set for classification
    tasks (label scoring). ``scorer`` gives the primary score; ``extra_scorers`` are
    reported next to it, by name.
    """

    name: str
    description: str
    source: str
    load: Callable[[str, int | None, int], list[Example]]
    scorer: Scorer = exact_match
    extra_scorers: dict[str, Scorer] = field(default_factory=dict)
    choices: Sequence[str] | None = None
    params: dict = field(default_factory=dict)
    default_sizes: dict = field(default_factory=lambda: {"train": 1000, "test": 200})
    #: False when the data needs the network or a user-supplied dataset (excluded from default suites)
    offline: bool = True
    #: optional ``() -> {"train": int | None, "test": int | None}``: examples available (None = unbounded)
    available: Callable[[], dict] | None = None

    def examples(self, split: str = "test", n: int | None = None, seed: int = 42) -> list[Example]:
        """``n`` examples of ``split`` (the task's default size if None) drawn with ``seed``."""
        from ..validate import integer
        from .splits import check_split

        check_split(split)
        if n is not None:
            integer("n", n, 0)
        return self.load(split, self.default_sizes.get(split) if n is None else n, seed)

    def score(self, prediction: str, target: str) -> float:
        """The primary score in [0, 1] (a bool scorer gives 1.0 or 0.0)."""
        return checked_score(self.scorer(prediction, target), f"the scorer of task {self.name!r}")

    def extra_scores(self, prediction: str, target: str) -> dict[str, float]:
        """Every extra scorer's score in [0, 1], by name."""
        return {name: checked_score(f(prediction, target), f"scorer {name!r} of task {self.name!r}")
                for name, f in self.extra_scorers.items()}
