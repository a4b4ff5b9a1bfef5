"""``recall``: retrieval from structured records (the CPU default-suite task).

Each prompt holds a few JSON-lines records with the same fields, e.g.::

    {"id": 6, "status": "ok", "qty": 31, "name": "Lisa"}

and asks for one field of one record. The field names and punctuation repeat on every
line, so a lossless meta-token codec shortens the prompt a lot without touching the
answer; quantities are distinct within a prompt, so the answer can only be read from
the input, exactly.

Which record is asked for (``by``):

- ``by=status`` (default): exactly one record has ``"status": "error"``, all others
  ``"ok"``; the question asks for that record's field. A tiny transformer trained
  from scratch learns this on two CPU cores in about a minute.
- ``by=id``: the question names the record's id (associative recall). Pretrained
  models do this out of the box; a tiny model trained from scratch needs thousands
  of steps (measured: no progress beyond guessing among the prompt's values after
  1,500 steps at 4 records), so it is not in the CPU default suite.

Other parameters: ``records`` (lines per prompt, default 8), ``ask`` (``qty`` or
``name``), ``digits`` (of the quantities, default 2), ``keys`` (ids are drawn from
1..keys, default 99).
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
ASKABLE = ("qty", "name")
BY = ("status", "id")


def _record(rid: int, status: str | None, qty: int, name: str) -> str:
    if status:  # a job result: a value, or the error code of the one failed job
        return f'{{"id": {rid}, "name": "{name}", "{status}": {qty}}}\n'
    return f'{{"id": {rid}, "qty": {qty}, "name": "{name}"}}\n'


def _split_of(context: str) -> str:
    """Every context belongs to exactly one split, so train and test are disjoint by construction."""
    return "test" if hashlib.sha256(context.encode()).digest()[0] % 8 == 0 else "train"


def make_example(rng: random.Random, records: int, ask: str, digits: int, keys: int, by: str) -> Example:
    ids = rng.sample(range(1, keys + 1), records)
    qtys = rng.sample(range(10 ** (digits - 1), 10 ** digits), records)  # distinct: one answer per prompt
    names = [rng.choice(NAMES) for _ in range(records)]
    pick = rng.randrange(records)
    statuses = ["error" if i == pick else "result" for i in range(records)] if by == "status" else [None] * records
    context = "".join(_record(*fields) for fields in zip(ids, statuses, qtys, names))
    if by == "status":
        question = "the error code" if ask == "qty" else "the name of the failed job"
    else:
        question = f"{ask} of id {ids[pick]}"
    return Example(
        id="",
        prefix="Records:\n",
        context=context,
        suffix=f"Question: {question}? Answer: ",
        target=str(qtys[pick]) if ask == "qty" else names[pick],
        meta={"position": pick, "records": records},
    )


def load(records: int, ask: str, digits: int, keys: int, by: str, split: str, n: int, seed: int) -> list[Example]:
    out: list[Example] = []
    attempt = 0
    while len(out) < n:
        rng = random.Random(f"recall:{seed}:{records}:{ask}:{digits}:{keys}:{by}:{attempt}")
        ex = make_example(rng, records, ask, digits, keys, by)
        attempt += 1
        if _split_of(ex.context) == split:
            out.append(Example(f"recall-{split}-{len(out)}", ex.prefix, ex.context, ex.suffix, ex.target, ex.meta))
    return out


@tasks.register("recall")
def recall(records: int = 4, ask: str = "qty", by: str = "status", digits: int = 2, keys: int = 9) -> Task:
    """Retrieval from JSON-lines records (synthetic; by=status is learnable by a tiny model on CPU)"""
    from ..errors import HarnessError

    if ask not in ASKABLE:
        raise HarnessError(f"recall: unknown field ask={ask!r}; choose one of {', '.join(ASKABLE)}")
    if by not in BY:
        raise HarnessError(f"recall: unknown by={by!r}; choose one of {', '.join(BY)}")
    digits, records, keys = int(digits), int(records), int(keys)
    if not 1 <= digits <= 6:
        raise HarnessError(f"recall: digits={digits} out of range; use 1..6")
    if not 1 <= records <= 9 * 10 ** (digits - 1):
        raise HarnessError(f"recall: records={records} needs more distinct {digits}-digit quantities; use fewer records or more digits")
    if not records <= keys <= 10 ** 6:
        raise HarnessError(f"recall: keys={keys} must be at least records={records} (ids are drawn from 1..keys)")
    return Task(
        name="recall",
        description="find one field of one record among JSON-lines records",
        source="synthetic (seeded)",
        load=lambda split, n, seed: load(records, ask, digits, keys, by, split, n, seed),
        params={"records": records, "ask": ask, "by": by, "digits": digits, "keys": keys},
        default_sizes={"train": 20000, "test": 200},
    )
