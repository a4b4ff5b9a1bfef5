"""Helpers for the lm-eval and export tests (a word-level tokenizer and a tiny random Llama built offline), and a
check of the tokenizer itself."""

from __future__ import annotations

from pathlib import Path


def word_tokenizer(path: Path, texts) -> Path:
    """A word-level Hugging Face tokenizer (words, punctuation runs and newlines; other whitespace dropped) over
    the words of ``texts``, plus <eos> <pad> <unk> and the words ltsc-text writes; saved to ``path``."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    from harness.compressors.text_markers import INSTRUCTION, SYMBOLS

    pre = pre_tokenizers.Split(Regex(r"\w+|[^\w\s]+|\n"), behavior="removed", invert=True)
    extra = [INSTRUCTION.replace("{s}", " "), " ".join(SYMBOLS), " ".join(map(str, range(300))), "="]
    words = sorted({w for text in [*texts, *extra] for w, _ in pre.pre_tokenize_str(text)})
    vocab = {"<eos>": 0, "<pad>": 1, "<unk>": 2, **{w: i + 3 for i, w in enumerate(words)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>", pad_token="<pad>", unk_token="<unk>")
    fast.save_pretrained(path)
    return path


def task_texts(specs, split: str = "test", n: int = 60, seed: int = 0) -> list[str]:
    from harness.tasks import build_task

    return [
        t
        for s in specs
        for ex in build_task(s).examples(split, n, seed)
        for t in (ex.prefix, ex.context, ex.suffix, ex.target)
    ]


def tiny_hf_model(path: Path, extra_rows: int, texts) -> Path:
    """A 2-layer random Llama with the word-level tokenizer of ``texts`` and ``extra_rows`` spare embedding rows."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    word_tokenizer(path, texts)
    n = len(AutoTokenizer.from_pretrained(path))
    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=n + extra_rows,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        eos_token_id=0,
        pad_token_id=1,
        bos_token_id=0,
    )
    LlamaForCausalLM(cfg).save_pretrained(path)
    return path


def one_torch_thread():
    """One torch thread while a module runs (restored after; a module's autouse fixture yields from it): the tiny
    models gain nothing from more, and on a shared 2-core machine oversubscribed threads made training 4x slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_word_tokenizer_keeps_newlines_and_the_ltsc_text_words(tmp_path):
    from harness.compressors import build_compressor
    from harness.data.tokenizers import get_tokenizer

    text = 'a b,\n{"x": 1}'
    tok = get_tokenizer("hf:" + str(word_tokenizer(tmp_path / "tok", [text])))
    assert tok.decode(tok.encode(text)) == 'a b , \n {" x ": 1 }'
    comp = build_compressor("ltsc-text", tok)
    assert tok.decode(comp.headers[comp.symbols[0]]).startswith("Expand each §")
