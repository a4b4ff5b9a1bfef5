"""Golden examples: the default suite's ``recall`` task (seed 0) must not change.

Captured from the code before the split policy was unified (tasks/splits.py); the
unified rule with period 8 and the context as key is exactly recall's old rule
``sha256(context)[0] % 8 == 0``, so these stay byte-identical.
"""

from __future__ import annotations

import hashlib

from harness.tasks import build_task

#: (id, context, suffix, target) of the first three examples, seed 0
RECALL_TEST = [
    (
        "recall-test-0",
        '{"id": 4, "name": "Dan", "error": 67}\n{"id": 6, "name": "Grace", "result": 45}\n{"id": 3, "name": "Paul", "result": 68}\n{"id": 9, "name": "Hugo", "result": 37}\n',
        "Question: the error code? Answer: ",
        "67",
    ),
    (
        "recall-test-1",
        '{"id": 4, "name": "Alan", "result": 94}\n{"id": 8, "name": "Kate", "result": 32}\n{"id": 3, "name": "Leo", "error": 22}\n{"id": 2, "name": "Paul", "result": 92}\n',
        "Question: the error code? Answer: ",
        "22",
    ),
    (
        "recall-test-2",
        '{"id": 9, "name": "Grace", "result": 17}\n{"id": 2, "name": "Paul", "result": 99}\n{"id": 1, "name": "Lisa", "error": 48}\n{"id": 7, "name": "Alan", "result": 61}\n',
        "Question: the error code? Answer: ",
        "48",
    ),
]
RECALL_TRAIN = [
    (
        "recall-train-0",
        '{"id": 6, "name": "Tom", "error": 89}\n{"id": 8, "name": "Tom", "result": 79}\n{"id": 9, "name": "Paul", "result": 94}\n{"id": 1, "name": "Dan", "result": 99}\n',
        "Question: the error code? Answer: ",
        "89",
    ),
    (
        "recall-train-1",
        '{"id": 6, "name": "Eva", "error": 13}\n{"id": 5, "name": "Nina", "result": 57}\n{"id": 2, "name": "Anna", "result": 36}\n{"id": 3, "name": "Rosa", "result": 73}\n',
        "Question: the error code? Answer: ",
        "13",
    ),
    (
        "recall-train-2",
        '{"id": 8, "name": "Carl", "result": 89}\n{"id": 2, "name": "Sam", "result": 14}\n{"id": 1, "name": "Alan", "result": 91}\n{"id": 9, "name": "Finn", "error": 77}\n',
        "Question: the error code? Answer: ",
        "77",
    ),
]
#: sha256 over repr((id, context, suffix, target)) of every example: (split, n) -> digest
RECALL_DIGESTS = {
    ("test", 200): "bbd3c6cf8a249cb6f4dc3be1ea263dc4b9b5f2137814aeb17218b33a339a9aad",
    ("train", 2000): "d3890fed5131a503bc3814c52765fab55a89b8e6ac697624246941b999c71e62",
}


def _rows(examples):
    return [(e.id, e.context, e.suffix, e.target) for e in examples]


def test_recall_first_examples_are_unchanged():
    task = build_task("recall")
    assert _rows(task.examples("test", 3, 0)) == RECALL_TEST
    assert _rows(task.examples("train", 3, 0)) == RECALL_TRAIN
    assert all(e.prefix == "Records:\n" for e in task.examples("test", 3, 0))


def test_recall_default_sizes_are_unchanged():
    task = build_task("recall")
    assert task.default_sizes == {"train": 20000, "test": 200}
    for (split, n), digest in RECALL_DIGESTS.items():
        h = hashlib.sha256()
        for row in _rows(task.examples(split, n, 0)):
            h.update(repr(row).encode())
        assert h.hexdigest() == digest, split


def test_recall_split_is_the_old_first_byte_rule():
    for e in build_task("recall").examples("test", 50, 0) + build_task("recall").examples("train", 50, 0):
        old = "test" if hashlib.sha256(e.context.encode()).digest()[0] % 8 == 0 else "train"
        assert e.id.startswith(f"recall-{old}-")
