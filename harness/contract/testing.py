"""Helpers for compressor authors' own test suites.

    from harness.testing import check_compressor, assert_contract

    def test_my_codec_keeps_the_contract():
        assert_contract(MyCodec, tokenizer="cl100k_base", tasks=["recall"], examples=5)

or, with the pytest plugin this package registers (entry point group ``pytest11``), the
``compressor_contract`` fixture: ``compressor_contract("my-codec")`` fails the test with
one line per broken check and returns the :class:`~harness.contract.ContractReport`.
"""

from __future__ import annotations

from .checks import Check, ContractReport, check_compressor

__all__ = ["Check", "ContractReport", "assert_contract", "check_compressor", "random_token_classifier"]


def assert_contract(target, tokenizer="cl100k_base", **options) -> ContractReport:
    """:func:`check_compressor`, raising ``AssertionError`` (one line per failed check) unless every check holds."""
    report = check_compressor(target, tokenizer, **options)
    if not report.passed:
        raise AssertionError("compressor contract broken:\n" + report.summary())
    return report


def random_token_classifier(path) -> str:
    """A tiny seeded random BERT token classifier saved in ``path``: an offline stand-in for LLMLingua-2's
    scoring model in tests and benchmarks (character vocabulary, one layer; never downloads)."""
    import string
    from pathlib import Path

    import torch
    from transformers import BertConfig, BertForTokenClassification, BertTokenizer

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    chars = string.ascii_letters + string.digits
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *string.punctuation, *("##" + c for c in chars)]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizer(str(path / "vocab.txt"), do_lower_case=False).save_pretrained(path)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=512,
        # two labels: PretrainedConfig's default (transformers 5 no longer declares ``num_labels`` as a parameter)
        architectures=["BertForTokenClassification"],
    )
    BertForTokenClassification(config).save_pretrained(path)
    return str(path)
