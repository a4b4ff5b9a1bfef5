"""``ltsc-text``: lossless dictionary encoding written as plain text, for models never fine-tuned.

``ltsc`` replaces repeated token runs by meta-tokens, new ids a model must be fine-tuned
to read. ``ltsc-text`` makes the same kind of substitution with ordinary tokens only, so
an off-the-shelf model can read it in context (the in-context dictionary encoding of
arXiv 2604.13066): a one-line instruction, one definition line per entry, an end line,
then the body with every replaced run written as its marker::

    Expand each §k§ below to the tokens after "§k§=" on its line; the text starts after "§§".
    §1§=<run 1>
    §2§=<run 2>
    §§
    <body: the input with the chosen runs replaced by §1§, §2§, ...>

Every id is in the tokenizer's vocabulary (``extra_vocab`` = 0). The marker symbol is the
first of :data:`SYMBOLS` that the tokenizer writes as one token (decoding back to itself)
and that is no character of the input's text (the input decoded as a whole, so a symbol
inside a longer token such as ``" ¤"`` or ``"##"`` counts too): no marker can be confused
with input text, neither by :meth:`decompress` (exact) nor by a model reading the text.
An input whose text holds every candidate is returned unchanged (note
``"the input holds every marker symbol"``): a per-example outcome, like an input no
dictionary shortens, so a run goes on.
Each piece of text is tokenized on its own and the pieces' ids are concatenated, so the
layout is fixed in ids whatever the tokenizer would merge across pieces.

Selection is the paper's longest-first greedy over the exact repeat index
(:mod:`.repeats`) with this format's costs: entry k costs ``m_k + |=| + N + |newline|``
tokens, where marker k is ``m_k = 2 + len(digits of k)`` tokens, and each of its K
replaced occurrences saves ``N - m_k``. An input that no dictionary shortens (instruction
and end line included) is returned unchanged, so an output is never longer than its input.
The one input refused: one that begins with this codec's own instruction line (it could
not be told apart from a compressed one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, NoReturn

import numpy as np

from ..core import validate
from ..core.errors import HarnessError
from .base import Compressed, Compressor, register
from .repeats import Entry, RepeatIndex, mark, take_free

#: candidate marker symbols, in order of preference (the first one-token symbol absent from the input's text is used)
SYMBOLS = ("§", "¤", "¶", "@", "#", "$", "%", "^", "~", "|", "`", "&", "*", "+")
#: the instruction line; ``{s}`` is the marker symbol
INSTRUCTION = 'Expand each {s}k{s} below to the tokens after "{s}k{s}=" on its line; the text starts after "{s}{s}".\n'


@register
class LtscText(Compressor):
    """Lossless in-context dictionary as plain text (markers §k§, one-line instruction): no fine-tuning needed"""

    name = "ltsc-text"
    lossless = True
    #: its markers and instruction are text: it needs a tokenizer that encodes text
    needs_text_tokenizer: ClassVar[bool] = True

    def __init__(self, tokenizer, max_len: int = 32, max_entries: int = 256):
        super().__init__(tokenizer)
        self.params = {
            "max_len": validate.integer("max_len", max_len, 2),
            "max_entries": validate.positive_int("max_entries", max_entries, 100_000),
        }
        self.max_len, self.max_entries = self.params["max_len"], self.params["max_entries"]
        self.eq, self.nl = self._encode("="), self._encode("\n")
        pieces = [self._encode(p) if p else [] for p in INSTRUCTION.split("{s}")]
        self.symbols: list[int] = []
        self.texts: dict[int, str] = {}  # symbol id -> its character
        self.headers: dict[int, list[int]] = {}
        for text in SYMBOLS:
            ids = self._encode(text)
            if (
                len(ids) == 1
                and ids[0] not in self.eq + self.nl
                and ids[0] not in self.headers
                and tokenizer.decode(ids).strip() == text
            ):  # a symbol the model reads as itself (not <unk>)
                sym = ids[0]
                self.symbols.append(sym)
                self.texts[sym] = text
                self.headers[sym] = [t for i, piece in enumerate(pieces) for t in ([sym] if i else []) + piece]
        if not self.symbols:
            raise HarnessError(
                f"tokenizer {tokenizer.name!r} writes none of the marker symbols {' '.join(SYMBOLS)} "
                "as a single token; ltsc-text needs one"
            )
        self._digits: list[tuple[int, ...]] = [()]  # index k -> ids of str(k)

    def _encode(self, text: str) -> list[int]:
        try:
            ids = [int(i) for i in self.tokenizer.encode(text)]
        except Exception:  # noqa: BLE001  (a tokenizer of ids, not text: one line, the fix named)
            raise HarnessError(
                f"tokenizer {self.tokenizer.name!r} cannot encode the text {text!r}; "
                "ltsc-text needs a text tokenizer (e.g. cl100k_base or hf:<dir>)"
            ) from None
        if not ids or any(not 0 <= i < self.vocab_size for i in ids):
            raise HarnessError(
                f"tokenizer {self.tokenizer.name!r} encodes {text!r} as {ids}; "
                "ltsc-text needs non-empty in-vocabulary ids for its text"
            )
        return ids

    def digits(self, k: int) -> tuple[int, ...]:
        while len(self._digits) <= k:
            self._digits.append(tuple(self._encode(str(len(self._digits)))))
        return self._digits[k]

    def marker(self, sym: int, k: int) -> list[int]:
        return [sym, *self.digits(k), sym]

    # -- compress ------------------------------------------------------------------------
    def header_at(self, ids: Sequence[int]) -> int | None:
        """The marker symbol whose instruction line ``ids`` begins with (None: not a compressed sequence)."""
        for sym, header in self.headers.items():
            if len(ids) >= len(header) and list(ids[: len(header)]) == header:
                return sym
        return None

    def select(self, tokens: np.ndarray) -> list[Entry]:
        """Longest-first greedy: at each length the most frequent runs first, each kept while it pays."""
        index = RepeatIndex(tokens, self.max_len).narrowed(4)  # a run must be longer than its marker (>= 3)
        n = index.n
        used = bytearray(n)
        used_view = np.frombuffer(used, dtype=np.uint8) if n else np.zeros(0, np.uint8)
        fixed = len(self.eq) + len(self.nl)
        entries: list[Entry] = []
        for length in range(min(index.longest, n // 2), 3, -1):
            m = len(self.digits(len(entries) + 1)) + 2
            if length <= m:
                break
            least = (m + fixed + length) // (length - m) + 1  # the smallest K with K*(N-m) > m+fixed+N
            groups = index.groups(length, least, used_view)
            order = np.lexsort((groups.firsts, -groups.counts))
            starts, ends = groups.starts.tolist(), groups.ends.tolist()
            for g in order.tolist():
                m = len(self.digits(len(entries) + 1)) + 2
                taken = take_free(index.occurrences(starts[g], ends[g]), length, used)
                if length > m and len(taken) * (length - m) > m + fixed + length:
                    mark(used, taken, length)
                    entries.append(Entry(taken[0], length, tuple(taken)))
                    if len(entries) >= self.max_entries:
                        return entries
        return entries

    def free_symbol(self, tokens: np.ndarray) -> int | None:
        """The first symbol that is neither an id of ``tokens`` nor a character of their text (None: every one is).

        The text is the input decoded as a whole: a symbol inside a longer token (``" ¤"``, ``"##"``), or split
        over several byte tokens, reads the same as the marker to a model, so it rules that symbol out."""
        present = set(np.unique(tokens).tolist())
        try:
            text = self.tokenizer.decode(tokens.tolist())
        except HarnessError:
            raise
        except Exception as exc:  # noqa: BLE001  (a tokenizer's own decoding error: one line, the fix named)
            raise HarnessError(
                f"tokenizer {self.tokenizer.name!r} cannot decode this input ({type(exc).__name__}); "
                "ltsc-text needs a text tokenizer (e.g. cl100k_base or hf:<dir>)"
            ) from None
        return next((s for s in self.symbols if s not in present and self.texts[s] not in text), None)

    def compress(self, ids: Sequence[int], *, question: str | None = None) -> Compressed:
        tokens = self.check_ids(ids)
        seq: list[int] = tokens.tolist()
        if self.header_at(seq) is not None:
            raise HarnessError(
                "ltsc-text cannot encode an input that begins with its own instruction line "
                "(it could not be told apart from a compressed one)"
            )
        sym = self.free_symbol(tokens)
        if sym is None:
            return self.unchanged(seq, note="the input holds every marker symbol")
        entries = self.select(tokens)
        if not entries:
            return self.unchanged(seq, note="no dictionary shortens this input")
        dictionary = list(self.headers[sym])
        replace: dict[int, tuple[int, list[int]]] = {}
        for k, entry in enumerate(entries, 1):
            dictionary += self.marker(sym, k) + self.eq + seq[entry.start : entry.start + entry.length] + self.nl
            for p in entry.positions:
                replace[p] = (entry.length, self.marker(sym, k))
        dictionary += [sym, sym] + self.nl
        body: list[int] = []
        i = 0
        while i < len(seq):
            if i in replace:
                length, marker = replace[i]
                body += marker
                i += length
            else:
                body.append(seq[i])
                i += 1
        if len(dictionary) + len(body) >= len(seq):
            return self.unchanged(seq, note="no dictionary shortens this input")
        return Compressed(
            dictionary + body,
            len(seq),
            dictionary_entries=len(entries),
            dictionary_tokens=len(dictionary),
            info={"symbol": self.tokenizer.decode([sym])},
        )

    # -- decompress ----------------------------------------------------------------------
    def decompress(self, ids: Sequence[int]) -> list[int]:
        """Invert :meth:`compress`; anything it cannot have produced is a one-line error naming the position."""
        seq = self.check_ids(ids).tolist()
        sym = self.header_at(seq)
        if sym is None:
            return seq  # an unchanged input
        reader = _Reader(self, seq, sym)
        runs = reader.dictionary(len(self.headers[sym]))
        return reader.expand(runs)


class _Reader:
    """Reads one ``ltsc-text`` sequence: its dictionary lines, then the body with markers expanded."""

    def __init__(self, codec, seq: list[int], sym: int):
        self.codec, self.seq, self.sym, self.pos = codec, seq, sym, 0

    def fail(self, where: int, what: str) -> NoReturn:
        raise HarnessError(f"ltsc-text: malformed input at position {where}: {what}")

    def next_sym(self, start: int) -> int:
        try:
            return self.seq.index(self.sym, start)
        except ValueError:
            self.fail(start, "a marker or definition is not closed")

    def dictionary(self, pos: int) -> list[list[int]]:
        """The runs defined from ``pos`` up to the end line; leaves ``self.pos`` after it."""
        seq, sym, nl = self.seq, self.sym, self.codec.nl
        runs: list[list[int]] = []
        while True:
            if pos >= len(seq) or seq[pos] != sym:
                self.fail(pos, "expected a definition line or the end line of the dictionary")
            if pos + 1 < len(seq) and seq[pos + 1] == sym:  # the end line
                if seq[pos + 2 : pos + 2 + len(nl)] != nl:
                    self.fail(pos + 2, "the end line of the dictionary is not followed by a newline")
                self.pos = pos + 2 + len(nl)
                break
            runs.append(self.definition(pos, len(runs) + 1))
            pos = self.pos
        if not runs:
            self.fail(self.pos, "the dictionary is empty")
        return runs

    def definition(self, pos: int, number: int) -> list[int]:
        """Entry ``number``'s line starting at ``pos``: its run; leaves ``self.pos`` at the next line."""
        seq, codec = self.seq, self.codec
        close = self.next_sym(pos + 1)
        if tuple(seq[pos + 1 : close]) != codec.digits(number):
            self.fail(pos + 1, f"expected the definition of entry {number}")
        pos = close + 1
        if seq[pos : pos + len(codec.eq)] != codec.eq:
            self.fail(pos, "a definition lacks its '='")
        pos += len(codec.eq)
        self.pos = self.next_sym(pos)
        content, nl = seq[pos : self.pos], codec.nl
        if len(content) <= len(nl) or content[-len(nl) :] != nl:
            self.fail(pos, "a definition is empty or does not end with a newline")
        return content[: -len(nl)]

    def expand(self, runs: list[list[int]]) -> list[int]:
        """The body from ``self.pos`` with every marker replaced by its run."""
        seq, sym, pos = self.seq, self.sym, self.pos
        number = {self.codec.digits(k): k for k in range(1, len(runs) + 1)}
        out: list[int] = []
        while pos < len(seq):
            if seq[pos] != sym:
                out.append(seq[pos])
                pos += 1
                continue
            close = self.next_sym(pos + 1)
            k = number.get(tuple(seq[pos + 1 : close]))
            if k is None:
                self.fail(pos, "a marker the dictionary does not define")
            out += runs[k - 1]
            pos = close + 1
        return out
