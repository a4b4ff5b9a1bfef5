"""A harness tokenizer as a Hugging Face fast tokenizer, so an exported model directory is self-contained.

``hf:<dir>`` tokenizers are loaded from their directory. The tiktoken vocabularies
(``cl100k_base``, ``o200k_base``, ``gpt2``) are converted offline: byte-level BPE with
the merges recovered from tiktoken's ranks (as transformers' ``TikTokenConverter`` does)
and tiktoken's split pattern (:func:`onig_pattern`), so both encode every text to the same ids. Ids tiktoken
leaves unassigned get placeholder tokens, so the converted tokenizer has exactly the
harness tokenizer's ``vocab_size`` ids and meta-token ids keep their values. Special-token
strings inside text are encoded as ordinary text, as the harness does
(``split_special_tokens=True``).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import HarnessError, missing_package

#: harness tokenizers this module can write as Hugging Face tokenizers
EXPORTABLE = ("cl100k_base", "o200k_base", "gpt2", "hf:<dir>")


def _tiktoken_encoding(tokenizer):
    """The ``tiktoken.Encoding`` behind a tiktoken-based harness tokenizer (None for any other)."""
    try:
        import tiktoken
    except ImportError:
        return None
    owner = getattr(getattr(tokenizer, "_encode", None), "__self__", None)
    return owner if isinstance(owner, tiktoken.Encoding) else None


def onig_pattern(pattern: str) -> str:
    """tiktoken's split pattern for the Oniguruma engine of ``tokenizers``: there ``X{1,3}+`` means
    "one or more of X{1,3}", not a possessive ``X{1,3}`` (tiktoken's meaning), so the ``+`` is dropped; a
    bounded repeat at the end of an alternative matches the same text either way."""
    return re.sub(r"(\{\d+(?:,\d*)?\})\+", r"\1", pattern)


def _bytes_to_unicode() -> dict[int, str]:
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    return bytes_to_unicode()


def convert_tiktoken(encoding, vocab_size: int):
    """A ``PreTrainedTokenizerFast`` equal to ``encoding`` on every text, with ``vocab_size`` ids."""
    from tokenizers import Regex, Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import BPE
    from transformers import PreTrainedTokenizerFast

    ranks = encoding._mergeable_ranks
    byte_char = _bytes_to_unicode()

    def text(b: bytes) -> str:
        return "".join(byte_char[x] for x in b)

    vocab = {text(token): rank for token, rank in ranks.items()}
    merges = []
    for token, rank in ranks.items():
        if len(token) == 1:
            continue
        local = [(token[:i], token[i:]) for i in range(1, len(token)) if token[:i] in ranks and token[i:] in ranks]
        local.sort(key=lambda pair: (ranks[pair[0]], ranks[pair[1]]))
        merges += [(rank, left, right) for left, right in local]
    merges.sort(key=lambda m: m[0])
    specials = dict(encoding._special_tokens)
    vocab.update(specials)
    taken = set(vocab.values())
    for i in range(vocab_size):  # ids tiktoken leaves unassigned: placeholders that text never produces
        if i not in taken:
            vocab[f"<|ltsc_unused_{i}|>"] = i
    model = BPE(vocab, [(text(a), text(b)) for _, a, b in merges], fuse_unk=False)
    tok = Tokenizer(model)
    if hasattr(tok.model, "ignore_merges"):
        tok.model.ignore_merges = True  # a whole pre-token in the vocabulary is one token, as in tiktoken
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(onig_pattern(encoding._pat_str)), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    eos = "<|endoftext|>" if "<|endoftext|>" in specials else None
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=eos,
        pad_token=eos,
        additional_special_tokens=[s for s in specials if s != eos],
        split_special_tokens=True,
        clean_up_tokenization_spaces=False,
    )
    if len(fast) != vocab_size:
        raise HarnessError(f"converted tokenizer has {len(fast)} ids, expected {vocab_size}; please report this")
    return fast


def hf_tokenizer(tokenizer):
    """The Hugging Face fast tokenizer of a harness tokenizer; a one-line error names the exportable ones."""
    try:
        import transformers  # noqa: F401
    except ImportError:
        raise missing_package("transformers", "exporting a tokenizer") from None
    if tokenizer.hf_source is not None:
        from transformers import AutoTokenizer

        from ..core.env import hub_allowed

        target = tokenizer.hf_source
        local = Path(target).expanduser()
        return AutoTokenizer.from_pretrained(
            str(local) if local.exists() else target, local_files_only=not hub_allowed(), trust_remote_code=False
        )
    encoding = _tiktoken_encoding(tokenizer)
    if encoding is None:
        raise HarnessError(
            f"tokenizer {tokenizer.name!r} cannot be written as a Hugging Face tokenizer; "
            f"these can: {', '.join(EXPORTABLE)}"
        )
    return convert_tiktoken(encoding, tokenizer.vocab_size)
