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

Sizes: a task built on a fixed dataset supplies at most its pool (``available``); a
generated task (``tree``, ``recall``, ``path_recall``) draws from an endless deterministic
stream, so it declares a cap (``max_sizes``, :data:`GENERATED_MAX` per split and seed).
:meth:`Task.examples` never returns more than either, whatever ``n`` asks for, and
:func:`size_note` is the one-line note a command prints when it caps a count.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .scoring import Scorer, checked_score, exact_match

#: the most examples a generated task supplies per split and seed. Its stream never ends; the cap bounds the time
#: (about 25-30 us per train example on one core: 1,000,000 in half a minute; a test example of ``tree`` is 1 tree
#: in 50, about 1.4 ms: 100,000 in 2-3 minutes) and the memory of one draw. Another ``seed`` draws another stream.
GENERATED_MAX = {"train": 1_000_000, "test": 100_000}
#: :meth:`Task.examples` with ``progress=True`` shows a progress bar while generating this many examples or more
PROGRESS_FROM = 10_000


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
    #: a generated task's cap: the most examples each split supplies per seed (:data:`GENERATED_MAX`); None: no cap
    #: (a fixed dataset is bounded by its pool). ``load`` may take a keyword ``tick`` (called with the number of
    #: examples made so far added), for progress while generating.
    max_sizes: dict | None = None

    def examples(
        self, split: str = "test", n: int | None = None, seed: int = 42, *, progress: bool = False
    ) -> list[Example]:
        """``n`` examples of ``split`` (the task's default size if None) drawn with ``seed``; never more than the
        task supplies (:meth:`cap`, or its pool). ``progress``: a progress bar on standard error while a
        generated task makes :data:`PROGRESS_FROM` examples or more."""
        from ..core.validate import integer
        from .splits import check_split

        check_split(split)
        if n is not None:
            integer("n", n, 0)
        n = self.default_sizes.get(split) if n is None else n
        cap = self.cap(split)
        if cap is not None and n is not None and n > cap:
            n = cap
        if progress and n is not None and n >= PROGRESS_FROM and _takes_tick(self.load):
            from ..core.progress import progress as progress_bar

            bar = progress_bar(n, f"generate {self.name} {split}", unit="ex")
            try:
                return self.load(split, n, seed, tick=bar.update)
            finally:
                bar.close()
        return self.load(split, n, seed)

    def cap(self, split: str) -> int | None:
        """The declared most examples of ``split`` (a generated task's :attr:`max_sizes`); None when undeclared."""
        value = (self.max_sizes or {}).get(split)
        return None if value is None else int(value)

    def supply(self, split: str) -> int | None:
        """The most examples ``split`` can supply: the declared cap, else the pool of a fixed dataset
        (``available``, which loads the data: a missing dataset fails here); None when unbounded."""
        cap = self.cap(split)
        if cap is not None or self.available is None:
            return cap
        return self.available().get(split)

    def score(self, prediction: str, target: str) -> float:
        """The primary score in [0, 1] (a bool scorer gives 1.0 or 0.0)."""
        return checked_score(self.scorer(prediction, target), f"the scorer of task {self.name!r}")

    def extra_scores(self, prediction: str, target: str) -> dict[str, float]:
        """Every extra scorer's score in [0, 1], by name."""
        return {
            name: checked_score(f(prediction, target), f"scorer {name!r} of task {self.name!r}")
            for name, f in self.extra_scorers.items()
        }


def _takes_tick(load) -> bool:
    try:
        return "tick" in inspect.signature(load).parameters
    except (TypeError, ValueError):
        return False


def size_note(label: str, split: str, asked: int, supplied: int, flag: str, generated: bool) -> str:
    """The one-line note of a count capped at what a task supplies (the caller prints it on standard error)."""
    why = "per seed (the declared cap of a generated task)" if generated else "(all its data holds)"
    return (
        f"task {label} supplies at most {supplied:,} {split} examples {why}; {flag} {asked:,} is capped to {supplied:,}"
    )
