"""``recall``: associative recall over structured records (the CPU default-suite task).

Each prompt holds a few JSON-lines records with the same fields, e.g.::

    {"id": 417, "qty": 23, "name": "Ada"}

and asks for one field of the record with a given id. Ids and quantities are
distinct within a prompt, so the answer can only be read from the input; the field
names and punctuation repeat on every line, so a lossless meta-token codec shortens
the prompt a lot without touching the answer. A tiny transformer trained from
scratch learns the lookup on two CPU cores in about a minute.

Parameters: ``records`` (lines per prompt, default 8), ``ask`` (the field asked
for: ``qty`` or ``name``, default ``qty``), ``digits`` (of ids and quantities, default 3).
"""

from __future__ import annotations

import hashlib
import random

from . import tasks
from .base import Example, Task

NAMES = (
    "Ada", "Alan", "Anna", "Ben", "Carl", "Dan", "Eva", "Finn", "Grace", "Hugo", "Ida", "Jack",
    "Kate", "Leo", "Lisa", "Max", "Mia", "Nina", "Omar", "Paul", "Rosa", "Sam", "Tom", "Vera",
)
FIELDS = ("id", "qty", "name")
ASKABLE = ("qty", "name")


def _record(rid: int, name: str, qty: int) -> str:
    return f'{{"id": {rid}, "qty": {qty}, "name": "{name}"}}\n'


def _split_of(context: str) -> str:
    """Every context belongs to exactly one split, so train and test are disjoint by construction."""
    return "test" if hashlib.sha256(context.encode()).digest()[0] % 8 == 0 else "train"


def make_example(rng: random.Random, index: int, records: int, ask: str, digits: int, shots: int) -> Example:
    # distinct numbers of `digits` digits (up to 3 digits they are one token in common BPEs)
    numbers = rng.sample(range(10 ** (digits - 1), 10 ** digits), 2 * records)
    ids, qtys = numbers[:records], numbers[records:]
    names = [rng.choice(NAMES) for _ in range(records)]
    context = "".join(_record(i, n, q) for i, n, q in zip(ids, names, qtys))
    order = rng.sample(range(records), min(records, shots + 1))
    values = [str(q) for q in qtys] if ask == "qty" else names
    demos = "".join(f"Question: {ask} of id {ids[j]}? Answer: {values[j]}\n" for j in order[:-1])
    pick = order[-1]
    answer = values[pick]
    return Example(
        id=f"recall-{index}",
        prefix="Records:\n",
        context=context,
        suffix=f"{demos}Question: {ask} of id {ids[pick]}? Answer: ",
        target=answer,
        meta={"position": pick, "records": records},
    )


def load(records: int, ask: str, digits: int, shots: int, split: str, n: int, seed: int) -> list[Example]:
    out: list[Example] = []
    attempt = 0
    while len(out) < n:
        rng = random.Random(f"recall:{seed}:{records}:{ask}:{digits}:{shots}:{attempt}")
        ex = make_example(rng, attempt, records, ask, digits, shots)
        attempt += 1
        if _split_of(ex.context) == split:
            out.append(Example(f"recall-{split}-{len(out)}", ex.prefix, ex.context, ex.suffix, ex.target, ex.meta))
    return out


@tasks.register("recall")
def recall(records: int = 8, ask: str = "qty", digits: int = 3, shots: int = 0) -> Task:
    """Associative recall over JSON-lines records (synthetic; learnable by a tiny model on CPU)"""
    from ..errors import HarnessError

    if ask not in ASKABLE:
        raise HarnessError(f"recall: unknown field ask={ask!r}; choose one of {', '.join(ASKABLE)}")
    digits, records = int(digits), int(records)
    if not 1 <= digits <= 6:
        raise HarnessError(f"recall: digits={digits} out of range; use 1..6")
    if not 1 <= 2 * records <= 9 * 10 ** (digits - 1):
        raise HarnessError(f"recall: records={records} needs more distinct {digits}-digit numbers than exist; use fewer records or more digits")
    return Task(
        name="recall",
        description="find one field of the record with a given id among JSON-lines records",
        source="synthetic (seeded)",
        load=lambda split, n, seed: load(records, ask, digits, int(shots), split, n, seed),
        params={"records": records, "ask": ask, "digits": digits, "shots": int(shots)},
        default_sizes={"train": 2000, "test": 200},
    )
