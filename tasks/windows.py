"""Tasks built from fixed windows of a real corpus, each window asked several questions.

A *window* is one context (a code excerpt, a block of records, a run of log lines, a
query) with a readable ``unit`` name. Windows are the split units of
:mod:`harness.tasks.splits`: keyed by their context text, 1 in ``period`` (default 5,
a 20% test fraction) is test, whatever the seed, so no context is ever shared between
splits. The seed picks the order of windows and which of a window's candidate
questions are asked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..core.validate import positive_int
from .base import Example, Task, exact_match
from .splits import check_split, rng, split_of

TEST_PERIOD = 5  # 1 in 5 windows is test


@dataclass(frozen=True, eq=False)
class Window:  # hashed by identity (data may be a list)
    unit: str
    prefix: str
    context: str
    data: object = None  # whatever the question generator needs (parsed records, lines...)


@dataclass(frozen=True)
class Question:
    suffix: str
    target: str | Callable[[], str]  # a callable is evaluated only when the question is asked
    meta: dict


class WindowSource:
    """Examples from ``windows()``; ``ask(window)`` lists every candidate question of a window."""

    def __init__(
        self,
        name: str,
        windows: Callable[[], Sequence[Window]],
        ask: Callable[[Window], list[Question]],
        per_window: int,
        period: int = TEST_PERIOD,
    ):
        self.name = name
        self._windows = windows
        self._ask = ask
        self.per_window = positive_int("per_window", per_window)
        self.period = positive_int("period", period)

    @functools.cached_property
    def splits(self) -> dict[str, list[Window]]:
        out: dict[str, list[Window]] = {"train": [], "test": []}
        for w in self._windows():
            out[split_of(w.context, self.period)].append(w)
        return out

    @functools.cache  # noqa: B019  (a task lives as long as the process: its questions are cached for it)
    def questions(self, window: Window) -> list[Question]:
        return self._ask(window)

    def load(self, split: str, n: int | None, seed: int) -> list[Example]:
        check_split(split)
        windows = list(self.splits[split])
        rng(self.name, "order", seed, split).shuffle(windows)
        out: list[Example] = []
        for w in windows:
            if n is not None and len(out) >= n:
                break
            candidates = self.questions(w)
            chosen = rng(self.name, "ask", seed, w.unit).sample(
                range(len(candidates)), min(self.per_window, len(candidates))
            )
            for i in sorted(chosen):
                q = candidates[i]
                out.append(
                    Example(
                        id=f"{self.name}:{w.unit}:{i}",
                        prefix=w.prefix,
                        context=w.context,
                        suffix=q.suffix,
                        target=q.target if isinstance(q.target, str) else q.target(),
                        meta={"unit": w.unit, **q.meta},
                    )
                )
        return out if n is None else out[:n]

    def available(self) -> dict:
        return {s: sum(min(self.per_window, len(self.questions(w))) for w in ws) for s, ws in self.splits.items()}


def window_task(
    name: str,
    description: str,
    source_text: str,
    source: WindowSource,
    scorer=exact_match,
    default_sizes: dict | None = None,
    extra_scorers: dict | None = None,
) -> Task:
    """A :class:`Task` over a :class:`WindowSource`."""
    return Task(
        name=name,
        description=description,
        source=source_text,
        load=source.load,
        scorer=scorer,
        extra_scorers=dict(extra_scorers or {}),
        default_sizes=default_sizes or {"train": 1000, "test": 200},
        available=source.available,
    )


def chunks(items: Sequence, size: int, min_size: int | None = None) -> list[tuple[int, Sequence]]:
    """Consecutive non-overlapping (start, chunk) pairs of ``size`` items; a short tail is kept if >= min_size."""
    min_size = size // 2 if min_size is None else min_size
    return [
        (i, items[i : i + size]) for i in range(0, len(items), size) if len(items[i : i + size]) >= max(1, min_size)
    ]
