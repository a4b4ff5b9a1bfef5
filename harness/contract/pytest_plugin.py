"""The pytest plugin of ltsc-bench (entry point group ``pytest11``): the ``compressor_contract`` fixture.

    def test_contract(compressor_contract):
        report = compressor_contract("my-codec", tasks=["recall"], examples=5)
        assert report.lossless

The fixture is a function taking what :func:`harness.testing.check_compressor` takes (a
registered name, a Compressor subclass or an instance, then options); it fails the test
with one line per broken check. Importing this module costs nothing until it is used.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def compressor_contract():
    """Run the compressor contract on a compressor; fail the test unless every check holds."""

    def check(target, tokenizer="cl100k_base", **options):
        from harness.contract.checks import check_compressor

        report = check_compressor(target, tokenizer, **options)
        if not report.passed:
            pytest.fail("compressor contract broken:\n" + report.summary(), pytrace=False)
        return report

    return check
