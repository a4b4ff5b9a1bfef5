import pytest

from harness.core.errors import HarnessError
from harness.data.tokenizers import get_tokenizer, tokenizers

TEXT = "def add(a, b):\n    return a + b  # <|endoftext|> is plain text here\n"

# Reference token counts of TEXT, from each library's own documented encoder.
BUILTIN = ["cl100k_base", "o200k_base", "gpt2", "llama3", "qwen2.5"]


@pytest.mark.parametrize("name", BUILTIN)
def test_roundtrip_and_range(name):
    tok = get_tokenizer(name)
    ids = tok.encode(TEXT)
    assert ids and all(0 <= i < tok.vocab_size for i in ids)
    assert tok.decode(ids) == TEXT


def test_known_ids_match_reference_encoders():
    # "hello world" in cl100k_base/o200k_base and GPT-2 (published ids)
    assert get_tokenizer("cl100k_base").encode("hello world") == [15339, 1917]
    assert get_tokenizer("gpt2").encode("hello world") == [31373, 995]
    assert get_tokenizer("o200k_base").encode("hello world") == [24912, 2375]
    # Llama 3 shares cl100k's first 100k merges
    assert get_tokenizer("llama3").encode("hello world") == [15339, 1917]


def test_vocab_sizes():
    assert get_tokenizer("cl100k_base").vocab_size == 100277
    assert get_tokenizer("gpt2").vocab_size == 50257
    assert get_tokenizer("llama3").vocab_size == 128256


def test_unknown_tokenizer_lists_valid_names():
    with pytest.raises(HarnessError) as err:
        get_tokenizer("cl100k")
    msg = str(err.value)
    assert "cl100k_base" in msg and "llama3" in msg and "\n" not in msg


def test_decode_rejects_meta_ids():
    tok = get_tokenizer("gpt2")
    with pytest.raises(HarnessError, match="outside|cannot decode"):
        tok.decode([1, tok.vocab_size])


def test_hf_prefix_is_registered_and_local_only(tmp_path):
    assert "hf:anything" in tokenizers
    with pytest.raises(HarnessError, match="LTSC_ALLOW_HUB"):
        get_tokenizer(f"hf:{tmp_path / 'no-such-tokenizer'}")


def test_environment_settings_live_in_harness_env(tmp_path, monkeypatch):
    from harness.core import env
    from harness.data import tokenizers as tokmod

    monkeypatch.setenv("LTSC_CACHE_DIR", str(tmp_path))
    assert env.cache_dir() == tmp_path
    monkeypatch.delenv("LTSC_CACHE_DIR")
    assert env.cache_dir().parts[-2:] == (".cache", "ltsc-bench")
    for value, allowed in [("1", True), ("yes", True), ("TRUE", True), ("0", False), ("", False)]:
        monkeypatch.setenv("LTSC_ALLOW_HUB", value)
        assert env.hub_allowed() is allowed
    assert tokmod.cache_dir is env.cache_dir and tokmod.hub_allowed is env.hub_allowed  # compatibility re-exports


def test_nothing_imports_environment_settings_from_tokenizers():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    pattern = re.compile(r"from\s+(?:\.+|harness\.)tokenizers\s+import\s+[^\n]*\b(cache_dir|hub_allowed)\b")
    offenders = [
        str(p.relative_to(root))
        for d in ("harness", "baselines", "tasks", "benchmarks", "scripts", "tests")
        for p in (root / d).rglob("*.py")
        if pattern.search(p.read_text())
    ]
    assert offenders == []


def test_hf_tokenizer_never_trusts_remote_code(tmp_path, monkeypatch):
    transformers = pytest.importorskip("transformers")
    monkeypatch.delenv("LTSC_ALLOW_HUB", raising=False)
    seen = {}

    def fake(path, **kwargs):
        seen.update(kwargs)
        raise OSError("stop here")

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", fake)
    with pytest.raises(HarnessError):
        tokenizers.get("hf:").factory(f"hf:{tmp_path}")
    assert seen["trust_remote_code"] is False and seen["local_files_only"] is True
