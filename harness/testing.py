"""Helpers for compressor authors' own test suites.

    from harness.testing import check_compressor, assert_contract

    def test_my_codec_keeps_the_contract():
        assert_contract(MyCodec, tokenizer="cl100k_base", tasks=["recall"], examples=5)

or, with the pytest plugin this package registers (entry point group ``pytest11``), the
``compressor_contract`` fixture: ``compressor_contract("my-codec")`` fails the test with
one line per broken check and returns the :class:`~harness.contract.ContractReport`.
"""

from __future__ import annotations

from .contract import Check, ContractReport, check_compressor

__all__ = ["Check", "ContractReport", "assert_contract", "check_compressor"]


def assert_contract(target, tokenizer="cl100k_base", **options) -> ContractReport:
    """:func:`check_compressor`, raising ``AssertionError`` (one line per failed check) unless every check holds."""
    report = check_compressor(target, tokenizer, **options)
    if not report.passed:
        raise AssertionError("compressor contract broken:\n" + report.summary())
    return report
