"""Model registry, tiny and Hugging Face adapters, decoding, training, compute accounting."""

from __future__ import annotations

import pytest
import torch

from harness.core.env import resolve_device
from harness.core.errors import HarnessError
from harness.engine.compute import attention_proxy, forward_flops
from harness.engine.training import TrainConfig, train
from harness.models import LanguageModel, build_model, models
from harness.models.batching import pad_left, pad_right
from harness.models.inference import greedy_decode, score_choices


class FakeTokenizer:
    name = "fake"
    vocab_size = 50


def tiny_model(extra=4, corpus=None, **params):
    torch.manual_seed(0)
    m = build_model("tiny@d_model=32,layers=1,heads=2" + "".join(f",{k}={v}" for k, v in params.items()))
    m.setup(FakeTokenizer(), extra, corpus or [[1, 2, 3, 4, 5], [6, 7]], "cpu")
    return m


def test_unknown_model_lists_the_valid_ones():
    with pytest.raises(HarnessError, match="unknown model 'gpt5'.*tiny"):
        build_model("gpt5")
    with pytest.raises(HarnessError, match="has no parameter 'depth'"):
        build_model("tiny@depth=2")
    assert {"tiny", "smollm2-135m"} <= set(models.names())


def test_model_rows_for_list():
    from harness.core.catalog import model_rows

    rows = model_rows()
    names = [r["name"] for r in rows]
    assert "tiny" in names and "smollm2-135m" in names and "hf:<name-or-path>" in names
    assert all(r["description"] for r in rows)


def test_cuda_without_gpu_is_a_user_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is visible")
    for name in ("cuda", "cuda:0", "CUDA:1"):
        with pytest.raises(HarnessError, match="no CUDA GPU") as err:
            resolve_device(name)
        assert "\n" not in str(err.value)
    assert resolve_device("auto") == "cpu"
    assert resolve_device(None) == "cpu"


def test_resolve_device_forms():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("CPU") == "cpu"
    assert resolve_device("auto") in ("cpu", "cuda")
    for bad, message in [
        ("tpu", "unknown device"),
        ("cuda0", "unknown device"),
        ("cpu:0", "unknown device"),
        ("cuda:x", "non-negative integer"),
        ("cuda:-1", "non-negative integer"),
        ("cuda:", "non-negative integer"),
    ]:
        with pytest.raises(HarnessError, match=message) as err:
            resolve_device(bad)
        assert "\n" not in str(err.value)


def test_resolve_device_index_beyond_the_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("cuda") == "cuda"
    assert resolve_device("cuda:1") == "cuda:1"
    with pytest.raises(HarnessError, match="no GPU with index 2; PyTorch sees 2"):
        resolve_device("cuda:2")


def test_runner_import_path_for_resolve_device_is_kept():
    from harness.models import base

    assert base.resolve_device is resolve_device


def test_padding_tensors():
    seqs = [[5, 6, 7], [8], [], [9, 10]]
    ids, mask = pad_right(seqs, 0)
    assert torch.equal(ids, torch.tensor([[5, 6, 7], [8, 0, 0], [0, 0, 0], [9, 10, 0]]))
    assert torch.equal(mask, torch.tensor([[1, 1, 1], [1, 0, 0], [0, 0, 0], [1, 1, 0]]))
    ids, mask = pad_left(seqs, 1, "cpu")
    assert torch.equal(ids, torch.tensor([[5, 6, 7], [1, 1, 8], [1, 1, 1], [1, 9, 10]]))
    assert torch.equal(mask, torch.tensor([[1, 1, 1], [0, 0, 1], [0, 0, 0], [0, 1, 1]]))
    assert ids.dtype == mask.dtype == torch.long
    ids, mask = pad_right([(3, 4)], 2, "cpu")  # tuples too, and no padding needed
    assert ids.tolist() == [[3, 4]] and mask.tolist() == [[1, 1]]


def test_language_model_is_abstract():
    class NoLoad(LanguageModel):
        def setup(self, tokenizer, extra_vocab, corpus, device): ...
        def model_ids(self, ids): ...
        def output_text_ids(self, ids): ...
        def forward(self, input_ids, attention_mask=None, position_ids=None, past=None, use_cache=False): ...
        def save(self, path): ...
        def architecture(self): ...

    with pytest.raises(TypeError, match="load"):
        NoLoad("x")

    class Complete(NoLoad):
        def load(self, path, device): ...

    assert Complete("x").spec == "x"


@pytest.mark.parametrize(
    "spec, parameter",
    [
        ("tiny@heads=0", "heads"),
        ("tiny@d_model=-32", "d_model"),
        ("tiny@layers=-1", "layers"),
        ("tiny@layers=0", "layers"),
        ("tiny@d_model=30,heads=4", "d_model"),
        ("tiny@d_model=30,heads=2", "head size"),
        ("tiny@conv=-1", "conv"),
        ("tiny@ffn=0", "ffn"),
        ("tiny@max_positions=0", "max_positions"),
        ("tiny@heads=2.5", "heads"),
        ("tiny@layers=true", "layers"),
        ("tiny@d_model=big", "d_model"),
        ("hf:/nonexistent@finetune=half", "finetune"),
        ("hf:/nonexistent@dtype=int3", "dtype"),
        ("hf:/nonexistent@r=0", "r"),
        ("hf:/nonexistent@alpha=-2", "alpha"),
        ("smollm2-135m@finetune=half", "finetune"),
    ],
)
def test_bad_model_dimensions_are_one_line_errors(spec, parameter):
    with pytest.raises(HarnessError) as err:
        build_model(spec)
    msg = str(err.value)
    assert parameter in msg and "\n" not in msg and msg.startswith("model ")


def test_tiny_params_and_resolved_params():
    m = build_model("tiny@d_model=64,heads=2")
    assert m.params == {"d_model": 64, "layers": 2, "heads": 2, "conv": 0, "max_positions": 4096}
    assert m.spec == "tiny@conv=0,d_model=64,heads=2,layers=2,max_positions=4096"
    assert m.dims["ffn"] == 192
    assert m.resolved_params["d_model"] == 64 and m.resolved_params["ffn"] is None


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:x", "tpu"])
def test_baseline_device_follows_the_runner_rules(device):
    """A scoring baseline's ``device`` takes the same forms, with the same one-line errors, as ``--device``."""
    from harness.baselines import models as baseline_models
    from harness.compressors import build_compressor
    from harness.data.tokenizers import get_tokenizer

    assert baseline_models.resolve_device is resolve_device
    if device.startswith("cuda") and torch.cuda.is_available() and device != "cuda:x":
        pytest.skip("a GPU is visible")
    with pytest.raises(HarnessError) as runner_err:
        resolve_device(device)
    with pytest.raises(HarnessError) as err:
        build_compressor(f"selective-context@device={device}", get_tokenizer("cl100k_base"))
    assert str(runner_err.value) in str(err.value) and "\n" not in str(err.value)


def test_tiny_vocabulary_is_remapped_to_the_ids_that_occur():
    m = tiny_model(extra=3, corpus=[[5, 9, 9, 40]])
    # specials, then 5, 9, 40 and the 3 extra ids 50, 51, 52
    assert m.module.get_input_embeddings().weight.shape[0] == 3 + 3 + 3
    ids = m.model_ids([5, 40, 50, 52, 7])
    assert ids[-1] == 2  # never seen in training: unknown
    assert len(set(ids[:4])) == 4 and min(ids[:4]) >= 3
    assert m.output_text_ids(m.model_ids([5, 40, 51])) == [5, 40]  # extra ids never decode as text


@pytest.mark.parametrize("conv", [0, 3])
def test_tiny_checkpoint_round_trip(tmp_path, conv):
    m = tiny_model(conv=conv)
    m.save(tmp_path / "ck")
    fresh = build_model(f"tiny@d_model=32,layers=1,heads=2,conv={conv}")
    fresh.load(tmp_path / "ck", "cpu")
    x = torch.tensor([m.model_ids([1, 2, 3, 50])])
    assert torch.equal(m.forward(x)[0], fresh.forward(x)[0])
    assert fresh.vocab == m.vocab


@pytest.mark.parametrize("conv", [0, 3])
def test_batched_greedy_decoding_matches_one_by_one(conv):
    m = tiny_model(conv=conv)
    if conv:  # a non-zero kernel, so padding mistakes would show
        torch.nn.init.normal_(m.module.conv.weight)
    m.train_mode(False)
    prompts = [m.model_ids(p) for p in ([1, 2, 3, 4, 5], [6, 7], [3, 50, 51, 2, 2, 2, 1])]
    batched = greedy_decode(m, prompts, 5)
    single = [greedy_decode(m, [p], 5)[0] for p in prompts]
    assert batched == single
    # and the same as recomputing the whole sequence at every step
    for p, got in zip(prompts, single):
        seq, ref = list(p), []
        for _ in range(5):
            nxt = int(m.forward(torch.tensor([seq]))[0][0, -1].argmax())
            if nxt == m.eos:
                break
            ref.append(nxt)
            seq.append(nxt)
        assert got == ref


def test_training_learns_a_copy_task_and_label_scoring_reads_it():
    # the answer is the prompt's first token; answer-only loss
    m = tiny_model(corpus=[[i, 30, 31] for i in range(10)] + [[i] for i in range(10)])
    prompts = [m.model_ids([i, 30, 31]) for i in range(10)]
    answers = [m.model_ids([i]) + [m.eos] for i in range(10)]
    summary = train(m, prompts, answers, TrainConfig(steps=150, batch_size=10, lr=1e-2, warmup=5), progress=False)
    assert summary["final_answer_loss"] < 0.5
    outs = greedy_decode(m, prompts, 3)
    assert sum(o == a[:-1] for o, a in zip(outs, answers)) >= 9
    picks = score_choices(m, prompts[:4], [m.model_ids([j]) for j in range(4)])
    assert picks == [0, 1, 2, 3]


def test_prompt_loss_changes_training():
    m1, m2 = tiny_model(), tiny_model()
    prompts = [m1.model_ids([1, 2, 3, 4])] * 4
    answers = [m1.model_ids([5]) + [m1.eos]] * 4
    train(m1, prompts, answers, TrainConfig(steps=3, batch_size=4, lr=1e-2), progress=False)
    train(m2, prompts, answers, TrainConfig(steps=3, batch_size=4, lr=1e-2, prompt_loss=1.0), progress=False)
    w1 = m1.module.get_input_embeddings().weight
    w2 = m2.module.get_input_embeddings().weight
    assert not torch.equal(w1, w2)


def test_compute_accounting():
    assert attention_proxy(10) == 100
    assert forward_flops(10, params=1000, layers=2, d_model=8) == 2 * 1000 * 10 + 4 * 2 * 8 * 100
    arch = tiny_model().architecture()
    assert arch["layers"] == 1 and arch["d_model"] == 32 and arch["params"] > 0


# -- Hugging Face adapter, on a tiny random model built locally (conftest.hf_dir; no hub) ---------


@pytest.mark.parametrize("finetune", ["lora", "full"])
def test_hf_model_with_meta_token_embeddings(hf_dir, tmp_path, finetune):
    from harness.data.tokenizers import get_tokenizer

    m = build_model(f"hf:{hf_dir}@finetune={finetune}")
    assert m.preferred_tokenizer == f"hf:{hf_dir}"
    tokenizer = get_tokenizer(m.preferred_tokenizer)
    V = tokenizer.vocab_size
    torch.manual_seed(0)
    m.setup(tokenizer, 5, [], "cpu")
    extra = m.embed.extra.weight
    assert extra.shape[0] == 5 and extra.requires_grad
    assert not torch.allclose(extra[0], extra[1])  # distinguishable meta-tokens
    trainable = {id(p) for p in m.trainable_parameters()}
    assert id(extra) in trainable
    if finetune == "lora":
        names = [n for n, p in m.module.named_parameters() if p.requires_grad]
        assert names and all("lora_" in n for n in names)
    prompts = [tokenizer.encode("a b c") + [V, V + 4], tokenizer.encode("d e")]
    answers = [tokenizer.encode("yes") + [m.eos], tokenizer.encode("no") + [m.eos]]
    train(m, prompts, answers, TrainConfig(steps=3, batch_size=2, lr=1e-2), progress=False)
    m.train_mode(False)
    x = torch.tensor([prompts[0]])
    before = m.forward(x)[0]
    m.save(tmp_path / "ck")
    again = build_model(f"hf:{hf_dir}@finetune={finetune}")
    again.load(tmp_path / "ck", "cpu")
    again.train_mode(False)
    assert torch.allclose(before, again.forward(x)[0], atol=1e-5)
    out = greedy_decode(again, prompts, 3)
    assert all(i < V for o in out for i in again.output_text_ids(o))


def test_hf_bad_paths_are_user_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("LTSC_ALLOW_HUB", raising=False)
    with pytest.raises(HarnessError, match="not a directory"):
        build_model(f"hf:{tmp_path}/missing")
    with pytest.raises(HarnessError, match="LTSC_ALLOW_HUB"):
        build_model("hf:someone/some-model")
    with pytest.raises(HarnessError, match="config.json"):
        build_model(f"hf:{tmp_path}")
    with pytest.raises(HarnessError, match="finetune"):
        build_model(f"hf:{tmp_path}@finetune=half")
