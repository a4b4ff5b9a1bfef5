"""Pinned outputs: the codecs' compressed ids must not change (cell results of the benchmark depend on them).

The digests were computed before the refactor that split ``metatoken.py`` and capped ``max_len`` and
``pool_size``; any change to selection order, the meta-token draw or the format changes them.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from codec_inputs import build


def inputs() -> list[list[int]]:
    rng = np.random.default_rng(2024)
    out = []
    for n in (4, 11, 12, 40, 300, 2000):
        for alphabet in (2, 6, 50):
            out.append(rng.integers(0, alphabet, n).tolist())
        blocks = [rng.integers(0, 60, rng.integers(1, 12)).tolist() for _ in range(6)]
        ids: list[int] = []
        while len(ids) < n:
            ids += blocks[rng.integers(0, 6)] if rng.random() < 0.85 else [int(rng.integers(0, 999))]
        out.append(ids[:n])
    return out


def digest(comp) -> str:
    h = hashlib.sha256()
    for ids in inputs():
        out = comp.compress(ids)
        h.update(json.dumps([out.ids, out.dictionary_entries, out.info]).encode())
    return h.hexdigest()[:16]


PINNED = {
    "ltsc": "90d91272688a548c",
    "ltsc-opt": "3796ac7e3cbacfba",
    "ltsc-nested": "67859a2049c954f9",
    "ltsc@max_len=3": "fa0d8800fd14cbf2",
    "ltsc@max_len=100000": "2156ca3b7fd0fa0b",
    "ltsc@pool_size=1": "03551d59e9b53f0e",
    "ltsc-opt@pool_size=2,seed=9": "b919e1c9e386dbe7",
    "ltsc-opt@max_len=5000": "3796ac7e3cbacfba",
    "ltsc-nested@max_depth=1": "87fc74f3c036d20f",
    "ltsc-nested@pool_size=5000,seed=3": "387e316d09090268",
}


@pytest.mark.parametrize("case", sorted(PINNED))
def test_outputs_are_pinned(case):
    name, _, params = case.partition("@")
    kwargs = dict(item.split("=") for item in params.split(",")) if params else {}
    comp = build(name, **{k: int(v) for k, v in kwargs.items()})
    assert digest(comp) == PINNED[case]
