"""What a model read, as displayable segments: meta-tokens and delimiters marked, dropped tokens aligned.

A *segment* is a short list: ``["text", s]`` (ordinary tokens, decoded), ``["open"]`` / ``["close"]`` (the
dictionary delimiters), ``["meta", label]`` (a meta-token, labelled ``M1``, ``M2``, ... in the order the
dictionary defines them) or ``["id", i]`` (any other id at or above the vocabulary). An *alignment* of a
lossy compressor's output against the raw ids is a list of ``[op, text, tokens]`` with op ``keep``, ``drop``
(a raw token the model never saw) or ``insert`` (a token the compressor wrote that the raw prompt does not
hold there, e.g. after re-tokenizing text).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import TypeVar

#: alignments larger than this (raw x output tokens) fall back from an exact LCS to a greedy subsequence match
LCS_CELLS = 4_000_000

T = TypeVar("T")
K = TypeVar("K")


def _runs(items: Sequence[T], key: Callable[[T], K]) -> list[tuple[K, list[T]]]:
    """Consecutive items with the same ``key(item)``, as (key, items)."""
    out: list[tuple[K, list[T]]] = []
    for item in items:
        k = key(item)
        if out and out[-1][0] == k:
            out[-1][1].append(item)
        else:
            out.append((k, [item]))
    return out


def text_segments(ids: Sequence[int], tokenizer, layout=None, labels: dict | None = None) -> list[list]:
    """``ids`` as segments: runs of ordinary tokens decoded together, every other id marked."""
    labels = labels or {}
    vocab = tokenizer.vocab_size

    def kind(i: int):
        if i < vocab:
            return "text"
        if layout is not None and i == layout.dict_open:
            return "open"
        if layout is not None and i == layout.dict_close:
            return "close"
        return ("meta", i) if i in labels else ("id", i)

    out: list[list] = []
    for k, run in _runs([int(i) for i in ids], kind):
        if k == "text":
            out.append(["text", tokenizer.decode(run)])
        elif k in ("open", "close"):
            out.extend([k] for _ in run)
        else:
            out.extend([k[0], labels.get(i, i)] for i in run)
    return out


def dictionary_view(ids: Sequence[int], tokenizer, layout) -> tuple[list[dict], dict[int, str]]:
    """The dictionary of a meta-token sequence (``<Dict> mt s ... </Dict> body``) as table rows, and the
    label of each meta-token. Each row: ``label``, ``id``, ``definition`` (segments: nested entries refer
    to earlier ones), ``cost`` (its ids in the dictionary, meta-token included), ``text`` (what it stands for,
    fully expanded), ``tokens`` (of that text) and ``uses`` (in the body).
    An input without a dictionary has none: ``([], {})``."""
    ids = [int(i) for i in ids]
    if layout is None or layout.dict_open not in ids or layout.dict_close not in ids:
        return [], {}
    start, close = ids.index(layout.dict_open), ids.index(layout.dict_close)
    entries: dict[int, list] = {}  # meta id -> [definition ids, expanded ids]
    current = None
    for i in ids[start + 1 : close]:
        if i >= tokenizer.vocab_size and i not in entries:
            current = entries.setdefault(i, [[], []])
        elif current is not None:
            current[0].append(i)
            current[1].extend(entries[i][1] if i in entries else [i])
    labels = {meta: f"M{k}" for k, meta in enumerate(entries, 1)}
    body = ids[close + 1 :]
    rows = [
        {
            "label": labels[meta],
            "id": meta,
            "definition": text_segments(defn, tokenizer, layout, labels),
            "cost": len(defn) + 1,
            "text": tokenizer.decode(expanded),
            "tokens": len(expanded),
            "uses": body.count(meta),
        }
        for meta, (defn, expanded) in entries.items()
    ]
    return rows, labels


def _lcs_ops(a: Sequence[int], b: Sequence[int]) -> list[str]:
    """Per-token ops (``keep``/``drop``/``insert``) of an exact longest common subsequence of ``a`` and ``b``."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
    ops, i, j = [], 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            ops.append("keep")
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            ops.append("drop")
            i += 1
        else:
            ops.append("insert")
            j += 1
    return ops + ["drop"] * (n - i) + ["insert"] * (m - j)


def _greedy_ops(a: Sequence[int], b: Sequence[int]) -> list[str]:
    """Ops of a greedy leftmost match of ``b`` in ``a`` (exact when ``b`` is a subsequence of ``a``)."""
    ops, j = [], 0
    for token in a:
        if j < len(b) and token == b[j]:
            ops.append("keep")
            j += 1
        else:
            ops.append("drop")
    return ops + ["insert"] * (len(b) - j)


def _block_ops(a: Sequence[int], b: Sequence[int]) -> list[str]:
    return _lcs_ops(a, b) if len(a) * len(b) <= LCS_CELLS else _greedy_ops(a, b)


def align_ops(raw: Sequence[int], kept: Sequence[int]) -> list[tuple[str, int]]:
    """(op, token id) for every raw and every output token, in reading order.

    Longest matching blocks first (:mod:`difflib`), so a cut-out middle shows as one dropped run, then an
    exact LCS inside each unmatched gap. When that leaves insertions although ``kept`` is a subsequence of
    ``raw``, the whole alignment is redone as one LCS, so every output token is matched to a raw one."""
    raw, kept = [int(i) for i in raw], [int(i) for i in kept]
    ops: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, raw, kept, autojunk=False).get_opcodes():
        ops += {"equal": ["keep"] * (i2 - i1), "delete": ["drop"] * (i2 - i1), "insert": ["insert"] * (j2 - j1)}.get(
            tag
        ) or _block_ops(raw[i1:i2], kept[j1:j2])
    if "insert" in ops and _greedy_ops(raw, kept).count("insert") == 0:
        ops = _block_ops(raw, kept)
    out, i, j = [], 0, 0
    for op in ops:
        if op == "insert":
            out.append((op, kept[j]))
            j += 1
        else:
            out.append((op, raw[i]))
            i, j = i + 1, j + (op == "keep")
    return out


def alignment(raw: Sequence[int], kept: Sequence[int], tokenizer) -> list[list]:
    """``[op, text, tokens]`` runs of :func:`align_ops`, each run decoded as one piece of text."""
    return [
        [op, tokenizer.decode([t for _, t in run]), len(run)] for op, run in _runs(align_ops(raw, kept), lambda x: x[0])
    ]
