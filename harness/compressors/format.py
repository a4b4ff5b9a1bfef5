"""Token-id checks and the meta-token output format: writing it and reading it back strictly.

Format (design §2)::

    <Dict> mt_1 s_1 ... mt_k s_k </Dict> body

Each ``s_i`` is a non-empty run and ``body`` is the input with chosen occurrences of
``s_i`` replaced by ``mt_i``. In a flat dictionary (``ltsc``, ``ltsc-opt``) every
``s_i`` holds tokens only and each meta-token is defined once; in a nested one
(``ltsc-nested``) a meta-token seen for the first time starts an entry and a known one
is a reference to an entry defined before it. :func:`decode` accepts exactly these
sequences (plus uncompressed ones: token ids only, not starting with ``<Dict>``) and
rejects anything else with a one-line :class:`HarnessError` naming the position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from ..core.errors import HarnessError

_NOT_FLAT = "token ids must be a flat list of integers"


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def int_ids(ids, outside=None) -> np.ndarray:
    """``ids`` as a 1-D int64 array; a :class:`HarnessError` names the first element that is not an integer
    (bools, floats and strings included). ``outside(value, pos)`` words the error for an integer that does
    not fit in 64 bits (default: out of any valid range)."""
    outside = outside or (lambda value, pos: f"token id {value} at position {pos} is outside any valid range")
    if isinstance(ids, np.ndarray) and ids.ndim == 1 and ids.dtype.kind in "iu":
        if ids.dtype.kind == "u" and ids.size and ids.max() > np.iinfo(np.int64).max:
            pos = int(np.argmax(ids > np.iinfo(np.int64).max))
            raise HarnessError(outside(int(ids[pos]), pos))
        return ids.astype(np.int64, copy=False)
    try:
        seq = ids.tolist() if isinstance(ids, np.ndarray) else ids if isinstance(ids, (list, tuple)) else list(ids)
    except TypeError:
        raise HarnessError(f"{_NOT_FLAT}, got {_short(ids)}") from None
    if set(map(type, seq)) - {int}:  # rare: find the culprit, or accept numpy integers
        for pos, value in enumerate(seq):
            if not _is_int(value):
                raise HarnessError(f"token id {_short(value)} at position {pos} is not an integer; {_NOT_FLAT}")
    try:
        return np.array(seq, dtype=np.int64)
    except OverflowError:
        pos = next(p for p, v in enumerate(seq) if not -(2**63) <= v < 2**63)
        raise HarnessError(outside(seq[pos], pos)) from None


def first_outside(arr: np.ndarray, low: int, high: int) -> int | None:
    """Position of the first id not in ``low..high-1`` (None when all are)."""
    if not arr.size or (arr.min() >= low and arr.max() < high):
        return None
    return int(np.flatnonzero((arr < low) | (arr >= high))[0])


def token_ids(ids, vocab: int, tokenizer_name: str) -> np.ndarray:
    """Input ids for a compressor: integers in ``0..vocab-1`` (ids above are reserved for meta-tokens)."""

    def outside(value, pos):
        return (
            f"token id {value} at position {pos} is outside the tokenizer's range 0..{vocab - 1} "
            f"(ids >= {vocab} are reserved for meta-tokens); pass ids from tokenizer {tokenizer_name!r}"
        )

    arr = int_ids(ids, outside)
    pos = first_outside(arr, 0, vocab)
    if pos is not None:
        raise HarnessError(outside(arr[pos], pos))
    return arr


@dataclass(frozen=True)
class Layout:
    """Where the format's ids lie for one codec (``nested``: entries may refer to earlier entries)."""

    name: str
    vocab: int
    dict_open: int
    dict_close: int
    pool_start: int
    pool_size: int
    nested: bool = False

    def what(self, i: int) -> str:
        if i == self.dict_open:
            return f"<Dict> ({i})"
        if i == self.dict_close:
            return f"</Dict> ({i})"
        if self.pool_start <= i < self.pool_start + self.pool_size:
            return f"meta-token {i}"
        return (
            f"id {i}"
            if 0 <= i < self.vocab
            else f"id {i} (neither a token 0..{self.vocab - 1} nor a "
            f"meta-token {self.pool_start}..{self.pool_start + self.pool_size - 1})"
        )


def malformed(message: str) -> HarnessError:
    return HarnessError(f"malformed compressed sequence: {message}")


def decode(layout: Layout, ids: Sequence[int]) -> list[int]:
    """Invert the format, validating the whole sequence first (see the module docstring)."""
    arr = int_ids(ids)
    if not arr.size or arr[0] != layout.dict_open:
        pos = first_outside(arr, 0, layout.vocab)
        if pos is not None:
            raise malformed(
                f"{layout.what(int(arr[pos]))} at position {pos}; a sequence without a dictionary "
                f"(not starting with <Dict> {layout.dict_open}) holds token ids 0..{layout.vocab - 1} only"
            )
        return arr.tolist()
    close = _check_structure(layout, arr)
    table = _read_dictionary(layout, arr[1:close].tolist())
    return _expand(layout, arr[close + 1 :], table, close + 1)


def _check_structure(layout: Layout, arr: np.ndarray) -> int:
    """The position of ``</Dict>``, after checking the delimiters and that every other id is a token or a
    meta-token of the pool."""
    closes = np.flatnonzero(arr == layout.dict_close)
    if not closes.size:
        raise malformed(f"<Dict> ({layout.dict_open}) without </Dict> ({layout.dict_close})")
    close = int(closes[0])
    if closes.size > 1:
        raise malformed(
            f"</Dict> ({layout.dict_close}) again at position {closes[1]}; only the end of the "
            f"dictionary (position {close}) may hold it"
        )
    opens = np.flatnonzero(arr == layout.dict_open)
    if opens.size > 1:
        raise malformed(f"<Dict> ({layout.dict_open}) at position {opens[1]}; only position 0 may hold it")
    if close == 1:
        raise malformed("empty dictionary <Dict></Dict>; an unchanged input is passed without one")
    meta = (arr >= layout.pool_start) & (arr < layout.pool_start + layout.pool_size)
    ok = meta | ((arr >= 0) & (arr < layout.vocab))
    ok[0] = ok[close] = True
    if not ok.all():
        pos = int(np.flatnonzero(~ok)[0])
        raise malformed(f"{layout.what(int(arr[pos]))} at position {pos}")
    return close


def _read_dictionary(layout: Layout, entries: list[int]) -> dict[int, list[int]]:
    """Meta-token -> expansion, from the ids between the delimiters (position 1 onwards)."""
    vocab, table = layout.vocab, {}
    defined_at: dict[int, int] = {}
    # the entry being read and its meta-token: both None before the first, both set from then on
    current: list[int] | None = None
    meta: int | None = None
    for pos, i in enumerate(entries, 1):
        if i < vocab:
            if current is None:
                raise malformed(f"the dictionary must start with a meta-token; position 1 holds token {i}")
            current.append(i)
        elif i not in table:  # a new meta-token starts an entry
            if current is not None and not current:
                assert meta is not None
                raise malformed(f"empty entry for meta-token {meta} at position {defined_at[meta]}")
            meta, current = i, []
            table[i], defined_at[i] = current, pos
        elif not layout.nested:
            raise malformed(
                f"meta-token {i} at position {pos} is already defined at position {defined_at[i]}: "
                f"{layout.name}'s dictionary is flat (each meta-token defined once, entries hold tokens "
                "only)"
            )
        elif i == meta:
            raise malformed(
                f"meta-token {i} at position {pos} refers to its own entry; an entry may only refer "
                "to entries before it"
            )
        else:  # a reference to an earlier entry
            assert current is not None  # i is in table: an entry has started
            current.extend(table[i])
    if not current:
        assert meta is not None  # _check_structure rejects an empty dictionary: the loop read an entry
        raise malformed(f"empty entry for meta-token {meta} at position {defined_at[meta]} (the dictionary's last)")
    return table


def _expand(layout: Layout, body: np.ndarray, table: dict[int, list[int]], offset: int) -> list[int]:
    """The body with every meta-token replaced by its expansion (one gather, numpy)."""
    keys = np.fromiter(table, np.int64, len(table))
    lens = np.fromiter(map(len, table.values()), np.int64, len(table))
    content = np.fromiter(chain.from_iterable(table.values()), np.int64, int(lens.sum()))
    order = np.argsort(keys)
    is_meta = body >= layout.vocab
    metas = body[is_meta]
    idx = np.minimum(np.searchsorted(keys[order], metas), len(keys) - 1)
    missing = np.flatnonzero(keys[order][idx] != metas)
    if missing.size:
        pos = int(np.flatnonzero(is_meta)[missing[0]]) + offset
        raise malformed(f"meta-token {metas[missing[0]]} at position {pos} is not in its dictionary")
    entry = order[idx]
    sizes = np.ones(len(body), np.int64)
    sizes[is_meta] = lens[entry]
    source = np.arange(len(body), dtype=np.int64) + len(content)
    source[is_meta] = (np.cumsum(lens) - lens)[entry]
    shift = np.repeat(source - (np.cumsum(sizes) - sizes), sizes)
    return np.concatenate((content, body))[np.arange(len(shift)) + shift].tolist()


def dictionary_of(ids: list[int], entries, metas: list[int]) -> list[int]:
    """``mt s`` for each entry (:class:`~.repeats.Entry`), in order."""
    out: list[int] = []
    for meta, entry in zip(metas, entries):
        out.append(meta)
        out.extend(ids[entry.start : entry.start + entry.length])
    return out


def substitute(ids: list[int], entries, metas: list[int]) -> list[int]:
    """``ids`` with every chosen occurrence replaced by its entry's meta-token."""
    replacements = sorted((p, entry.length, meta) for meta, entry in zip(metas, entries) for p in entry.positions)
    out: list[int] = []
    prev = 0
    for start, length, meta in replacements:
        out.extend(ids[prev:start])
        out.append(meta)
        prev = start + length
    out.extend(ids[prev:])
    return out
