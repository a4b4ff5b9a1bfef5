"""Textualized Tree: is node P the direct parent of node C? (design notes §3).

The paper's structural task as published by the same group (K-Token-Merging,
arXiv 2604.15153): random trees whose node labels are distinct two-letter strings
AA..ZZ, grown depth-first until the stage's node budget is spent, rendered one node
per line with '+' repeated depth times (the root has none). Every ordered pair of
distinct nodes is a question; the answer is ``true`` for a direct parent->child edge.

Splits are by tree, 98/2 train/test (:mod:`harness.tasks.splits`: a tree's rendering is
its unit key, period 50); the seed picks the stream of generated trees. Each tree
contributes at most ``pairs_per_tree`` questions, so a split of n examples covers
n / pairs_per_tree trees and weights trees equally (``pairs_per_tree=none`` takes
every pair, which, like the published data, weights a tree by its m*(m-1) pairs; at
x3large all trees have ~150 nodes, so both give the same lengths). ``balance=true``
(the default) makes the *training* split half true, half false; the test split keeps
the natural, skewed distribution (report the majority-class baseline next to accuracy),
unless ``balance_test=true`` balances it too.
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass

from ..core.errors import HarnessError
from ..core.validate import InvalidParameter, boolean, one_of
from .base import GENERATED_MAX, Example, Task, exact_match
from .registry import tasks
from .splits import check_split, rng, split_of

LABELS = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase]


@dataclass(frozen=True)
class Stage:
    max_depth: int
    max_nodes: int
    min_children: int
    max_children: int


#: curriculum stages: (max depth, max nodes, children min-max), design notes §3
STAGES = {
    "small": Stage(2, 3, 0, 2),
    "xsmall": Stage(3, 5, 0, 2),
    "medium": Stage(3, 10, 0, 3),
    "xmedium": Stage(4, 15, 1, 3),
    "large": Stage(4, 30, 1, 3),
    "x3large": Stage(4, 150, 3, 5),
}


def grow_tree(stage: Stage, rand) -> list[tuple[str, int, str | None]]:
    """One random tree as (label, depth, parent label) in depth-first (rendering) order."""
    free = list(LABELS)
    nodes: list[tuple[str, int, str | None]] = []

    def grow(depth: int, parent: str | None) -> None:
        if len(nodes) >= stage.max_nodes:
            return
        label = free.pop(rand.randrange(len(free)))
        nodes.append((label, depth, parent))
        if depth >= stage.max_depth:
            return
        room = min(stage.max_children, stage.max_nodes - len(nodes))
        if room < stage.min_children:
            return
        for _ in range(rand.randint(stage.min_children, room)):
            grow(depth + 1, label)

    grow(0, None)
    return nodes


def render(nodes) -> str:
    return "\n".join("+" * depth + label for label, depth, _ in nodes)


def tree_questions(nodes, rand, limit: int | None, balance: bool) -> list[tuple[str, str, bool]]:
    """Up to ``limit`` distinct (parent, child, is_edge) questions about one tree, sampled at random.

    Ordered pairs are drawn by index (no enumeration of all m*(m-1) pairs), so a
    150-node tree costs the same as a small one.
    """
    labels = [label for label, _, _ in nodes]
    edges = [(parent, label) for label, _, parent in nodes if parent is not None]
    edge_set = set(edges)
    m = len(labels)
    total = m * (m - 1)
    want = total if limit is None else min(limit, total)

    def pair(index: int) -> tuple[str, str, bool]:
        a, b = divmod(index, m - 1)
        p, c = labels[a], labels[b + (b >= a)]
        return p, c, (p, c) in edge_set

    if not balance:
        return [pair(i) for i in rand.sample(range(total), want)]
    half = min(len(edges), total - len(edges), max(want // 2, 1))
    true = [(p, c, True) for p, c in rand.sample(edges, half)]
    drawn = (pair(i) for i in rand.sample(range(total), min(total, half + len(edges))))
    false = [q for q in drawn if not q[2]][:half]
    return [q for both in zip(true, false) for q in both]


class TreeSource:
    """The example stream of one stage."""

    test_period = 50  # 1 in 50 trees is test: the published 98/2 split

    def __init__(self, stage: str, balance: bool, pairs_per_tree: int | None, balance_test: bool = False):
        self.stage_name = one_of("stage", stage, STAGES)
        self.stage = STAGES[stage]
        self.balance = boolean("balance", balance)
        self.balance_test = boolean("balance_test", balance_test)
        if pairs_per_tree is not None and not (
            isinstance(pairs_per_tree, int) and not isinstance(pairs_per_tree, bool) and pairs_per_tree >= 1
        ):
            raise InvalidParameter(f"pairs_per_tree must be an integer >= 1 or none, got {pairs_per_tree!r}")
        self.pairs_per_tree = pairs_per_tree

    def load(self, split: str, n: int | None, seed: int, tick=None) -> list[Example]:
        """Questions about the trees of stream ``seed`` that fall in ``split``, until there are ``n`` (``tick(k)``
        after each tree's ``k`` questions)."""
        check_split(split)
        if n is None:
            raise HarnessError("tree: the stream of trees is unbounded; pass a number of examples")
        balance = self.balance if split == "train" else self.balance_test
        out: list[Example] = []
        for index in itertools.count():
            if len(out) >= n:
                break
            rand = rng("tree", self.stage_name, seed, index)
            nodes = grow_tree(self.stage, rand)
            text = render(nodes)
            if split_of(text, self.test_period) != split:
                continue
            before = len(out)
            for parent, child, edge in tree_questions(nodes, rand, self.pairs_per_tree, balance):
                out.append(
                    Example(
                        id=f"{self.stage_name}-{seed}-{index}-{parent}-{child}",
                        prefix="Tree: ",
                        context=text,
                        suffix=f", Task: Parent/Child Relationship, Parent: {parent}, Child: {child}, Answer: ",
                        target="true" if edge else "false",
                        meta={"unit": f"{seed}-{index}", "nodes": len(nodes), "stage": self.stage_name},
                    )
                )
            if tick is not None:
                tick(min(len(out), n) - min(before, n))
        return out[:n]


@tasks.register("tree")
def tree(
    stage: str = "x3large", balance: bool = True, pairs_per_tree: int | None = 8, balance_test: bool = False
) -> Task:
    """Textualized Tree (paper task): is P the direct parent of C? answer true/false"""
    source = TreeSource(stage, balance, pairs_per_tree, balance_test)
    return Task(
        name="tree",
        description=f"Textualized Tree, stage {stage}: is P the direct parent of C in the '+'-indented tree? (true/false)",
        source="synthetic (K-Token-Merging curriculum, 98/2 split by tree)",
        load=source.load,
        scorer=exact_match,
        choices=("true", "false"),
        max_sizes=GENERATED_MAX,
    )
