import pytest

from harness.core.errors import HarnessError
from harness.core.registry import Registry
from harness.core.spec import Spec, parse_params


def test_spec_parsing_types():
    s = Spec.parse("ltsc@max_len=8,seed=3,flag=true,rate=match:ltsc,x=0.5")
    assert s.name == "ltsc"
    assert s.params == {"max_len": 8, "seed": 3, "flag": True, "rate": "match:ltsc", "x": 0.5}
    assert Spec.parse(str(s)) == s


def test_spec_extra_params_override():
    assert Spec.parse("tree@stage=small", {"stage": "large"}).params == {"stage": "large"}


@pytest.mark.parametrize("bad", ["@x=1", "ltsc@max_len", "ltsc@=3"])
def test_malformed_specs(bad):
    with pytest.raises(HarnessError):
        Spec.parse(bad)


def test_parse_params_rejects_missing_equals():
    with pytest.raises(HarnessError, match="key=value"):
        parse_params(["max_len"])


def test_registry_lookup_and_suggestion():
    reg = Registry("widget")

    @reg.register("alpha")
    def alpha():
        """First widget."""

    reg.register("pre:", lambda n: n, prefix=True)
    assert reg.get("alpha").description == "First widget."
    assert reg.get("pre:xyz").name == "pre:"
    with pytest.raises(HarnessError) as err:
        reg.get("alpah")
    assert "did you mean 'alpha'" in str(err.value) and "ltsc-bench list widgets" in str(err.value)
