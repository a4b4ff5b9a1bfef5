"""Meta-token embedding initialisation (``meta_init``): the four rules pinned on hand-made rows,
and the parameter wired through ``tiny`` and the Hugging Face adapter."""

from __future__ import annotations

import pytest
import torch

from harness.core.errors import HarnessError
from harness.models import build_model
from harness.models.meta_init import CHOICES, new_rows

#: mean (0.5, 1), per-dimension std (1.2910, 1.8257); squared offsets from the mean 3.25, 3.25, 4.25, 4.25
W = torch.tensor([[2.0, 2.0], [-1.0, 0.0], [1.0, 3.0], [0.0, -1.0]])


def test_mean_rows_are_the_vocabulary_mean_exactly():
    rows = new_rows(W, 3, "mean")
    assert torch.equal(rows, torch.tensor([[0.5, 1.0]] * 3))


@pytest.mark.parametrize("how, centre", [("random", 0.0), ("gaussian", 1.0)])
def test_random_and_gaussian_draw_with_the_per_dimension_std(how, centre):
    torch.manual_seed(7)
    rows = new_rows(W, 4, how)
    torch.manual_seed(7)
    noise = torch.randn(4, 2)
    std = torch.tensor([1.2909944, 1.8257419])
    expected = centre * torch.tensor([0.5, 1.0]) + noise * std
    assert torch.allclose(rows, expected, atol=1e-6)


def test_orthogonal_offsets_are_orthogonal_and_typical_in_length():
    torch.manual_seed(0)
    rows = new_rows(W, 2, "orthogonal")
    offsets = rows - torch.tensor([0.5, 1.0])
    # |W_i - mean|^2: (1.5,1) -> 3.25, (-1.5,-1) -> 3.25, (0.5,2) -> 4.25, (-0.5,-2) -> 4.25; mean 3.75
    typical = 3.75**0.5
    assert torch.allclose(offsets.norm(dim=1), torch.full((2,), typical), atol=1e-5)
    assert abs(float(offsets[0] @ offsets[1])) < 1e-5


def test_orthogonal_beyond_the_dimension_keeps_rows_distinct_and_typical():
    torch.manual_seed(0)
    rows = new_rows(W, 5, "orthogonal")
    offsets = rows - torch.tensor([0.5, 1.0])
    assert torch.allclose(offsets.norm(dim=1), torch.full((5,), 3.75**0.5), atol=1e-5)
    assert len({tuple(r) for r in rows.round(decimals=4).tolist()}) == 5


def test_an_unknown_rule_is_a_one_line_error_naming_the_choices():
    with pytest.raises(HarnessError) as err:
        build_model("tiny@meta_init=zeros")
    msg = str(err.value)
    assert "meta_init" in msg and all(c in msg for c in CHOICES) and "\n" not in msg
    with pytest.raises(HarnessError, match="meta_init"):
        build_model("hf:/nonexistent@meta_init=zeros")


class FakeTokenizer:
    name = "fake"
    vocab_size = 50


def _tiny(how: str | None):
    torch.manual_seed(0)
    m = build_model("tiny@d_model=32,layers=1,heads=2" + (f",meta_init={how}" if how else ""))
    m.setup(FakeTokenizer(), 4, [[5, 9, 40]], "cpu")
    return m, m.module.get_input_embeddings().weight.detach()


def test_tiny_default_is_random_and_stays_out_of_the_spec():
    default, rows = _tiny(None)
    explicit, same = _tiny("random")
    assert "meta_init" not in default.spec and explicit.spec == default.spec
    assert torch.equal(rows, same)


def test_tiny_mean_overwrites_only_the_meta_rows():
    default, before = _tiny(None)
    m, rows = _tiny("mean")
    text = m.model_ids([5, 9, 40])
    meta = m.model_ids([50, 51, 52, 53])
    assert m.spec.endswith("meta_init=mean")
    assert torch.equal(rows[text], before[text])  # text rows are as the network drew them
    assert torch.allclose(rows[meta], before[text].mean(0).expand(4, -1))


def test_tiny_orthogonal_survives_a_checkpoint(tmp_path):
    m, rows = _tiny("orthogonal")
    meta = m.model_ids([50, 51, 52, 53])
    offsets = rows[meta] - rows[m.model_ids([5, 9, 40])].mean(0)
    gram = offsets @ offsets.T
    assert torch.allclose(gram - torch.diag(gram.diag()), torch.zeros(4, 4), atol=1e-6)
    m.save(tmp_path / "ck")
    again = build_model("tiny@d_model=32,layers=1,heads=2,meta_init=orthogonal")
    again.load(tmp_path / "ck", "cpu")
    assert torch.equal(again.module.get_input_embeddings().weight, m.module.get_input_embeddings().weight)


@pytest.mark.parametrize("how", CHOICES)
def test_hf_adapter_initialises_its_new_table_by_the_rule(hf_dir, how, monkeypatch):
    from harness.data.tokenizers import get_tokenizer
    from harness.models import pretrained

    made = []
    monkeypatch.setattr(
        pretrained, "new_meta_rows", lambda w, n, rule: made.append((w, n, rule)) or new_rows(w, n, rule)
    )
    m = build_model(f"hf:{hf_dir}@meta_init={how}")
    assert ("meta_init" in m.spec) == (how != "gaussian")
    m.setup(get_tokenizer(m.preferred_tokenizer), 3, [], "cpu")
    [(base, n, rule)] = made
    assert base is not None and n == 3 and rule == how
    extra = m.embed.extra.weight.detach()
    if how == "mean":
        assert torch.allclose(extra, m.embed.base.weight.detach().mean(0).expand(3, -1))
    else:
        assert not torch.allclose(extra[0], extra[1])
