"""``recall``: retrieval from structured records (the CPU default-suite task).

Each prompt holds a few JSON-lines records with the same fields, e.g.::

    {"id": 6, "name": "Lisa", "result": 31}

and asks for one field of one record. The field names and punctuation repeat on every
line, so a lossless meta-token codec shortens the prompt a lot without touching the
answer; quantities are distinct within a prompt, so the answer can only be read from
the input, exactly.

Which record is asked for (``by``):

- ``by=status`` (default): one record has ``"error"`` where all others have
  ``"result"``; the question asks for that record's field. Learnable by a tiny
  transformer trained from scratch on CPU (docs/components.md, "Tasks").
- ``by=id``: the question names the record's id (associative recall); records are
  ``{"id": ..., "qty": ..., "name": ...}``. Much harder for a tiny model trained from
  scratch (docs/components.md, "Tasks"), so it is not in the CPU default suite.

Other parameters: ``records`` (lines per prompt, default 4), ``ask`` (``qty`` or
``name``, default ``qty``), ``digits`` (of the quantities, default 2), ``keys`` (ids
are drawn from 1..keys, default 9).

Split (:mod:`harness.tasks.splits`): a prompt's record block is its unit, period 8
(1 in 8 blocks is test); the seed picks the stream of generated blocks.
"""

from __future__ import annotations

import random

from ..core.validate import InvalidParameter, integer, one_of
from .base import GENERATED_MAX, Example, Task
from .registry import tasks
from .splits import check_split, split_of

NAMES = (
    "Ada",
    "Alan",
    "Anna",
    "Ben",
    "Carl",
    "Dan",
    "Eva",
    "Finn",
    "Grace",
    "Hugo",
    "Ida",
    "Jack",
    "Kate",
    "Leo",
    "Lisa",
    "Max",
    "Mia",
    "Nina",
    "Omar",
    "Paul",
    "Rosa",
    "Sam",
    "Tom",
    "Vera",
)
ASKABLE = ("qty", "name")
BY = ("status", "id")
TEST_PERIOD = 8  # 1 in 8 record blocks is test


def _record(rid: int, status: str | None, qty: int, name: str) -> str:
    if status:  # a job result: a value, or the error code of the one failed job
        return f'{{"id": {rid}, "name": "{name}", "{status}": {qty}}}\n'
    return f'{{"id": {rid}, "qty": {qty}, "name": "{name}"}}\n'


def make_example(rng: random.Random, records: int, ask: str, digits: int, keys: int, by: str) -> Example:
    ids = rng.sample(range(1, keys + 1), records)
    qtys = rng.sample(range(10 ** (digits - 1), 10**digits), records)  # distinct: one answer per prompt
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


def load(
    records: int, ask: str, digits: int, keys: int, by: str, split: str, n: int, seed: int, tick=None
) -> list[Example]:
    """The first ``n`` generated prompts (stream ``seed``) whose record block falls in ``split`` (``tick(1)`` after each)."""
    check_split(split)
    out: list[Example] = []
    attempt = 0
    while len(out) < n:
        rng = random.Random(f"recall:{seed}:{records}:{ask}:{digits}:{keys}:{by}:{attempt}")
        ex = make_example(rng, records, ask, digits, keys, by)
        attempt += 1
        if split_of(ex.context, TEST_PERIOD) == split:
            out.append(Example(f"recall-{split}-{len(out)}", ex.prefix, ex.context, ex.suffix, ex.target, ex.meta))
            if tick is not None:
                tick(1)
    return out


def _bounded(name: str, value, low: int, high: int, why: str) -> int:
    try:
        return integer(name, value, low, high)
    except InvalidParameter as exc:
        raise InvalidParameter(f"{exc} ({why})") from None


@tasks.register("recall")
def recall(records: int = 4, ask: str = "qty", by: str = "status", digits: int = 2, keys: int = 9) -> Task:
    """Retrieval from JSON-lines records (synthetic; by=status is learnable by a tiny model on CPU)"""
    one_of("ask", ask, ASKABLE)
    one_of("by", by, BY)
    digits = integer("digits", digits, 1, 6)
    records = _bounded("records", records, 1, 9 * 10 ** (digits - 1), f"quantities are distinct {digits}-digit numbers")
    keys = _bounded("keys", keys, records, 10**6, f"ids are distinct, drawn from 1..keys, for {records} records")
    return Task(
        name="recall",
        description="find one field of one record among JSON-lines records",
        source="synthetic (seeded)",
        load=lambda split, n, seed, tick=None: load(records, ask, digits, keys, by, split, n, seed, tick),
        default_sizes={"train": 20000, "test": 200},
        max_sizes=GENERATED_MAX,
    )
