"""The plugin's own test suite: ltsc-bench's pytest plugin provides the `compressor_contract` fixture."""

from ltsc_example_rle import RunLength


def test_rle_keeps_the_compressor_contract(compressor_contract):
    report = compressor_contract("rle", tasks=["recall"], examples=3)  # by its registered name
    assert report.lossless


def test_rle_class_with_other_parameters(compressor_contract):
    compressor_contract(RunLength, params={"min_run": 5, "max_run": 8}, tasks=["recall"], examples=2, against=None)
