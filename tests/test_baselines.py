"""Lossy baselines: rate convention, matched lengths, offline runs on CPU, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, run_cli
from harness.compressors import Compressed, Compressor, build_compressor, compressors
from harness.core.errors import HarnessError
from harness.data.tokenizers import get_tokenizer

LM_BASELINES = ["llmlingua", "longllmlingua", "selective-context"]
ALL_LOSSY = ["truncate", "random-drop", *LM_BASELINES, "llmlingua2"]

TEXT = "".join(
    f"def handler_{i}(request):\n    value = request.get('key_{i % 3}')\n    return value * {i}\n\n" for i in range(4)
)
QUESTION = "Which handler multiplies by 5?"


@pytest.fixture(scope="module")
def tok():
    return get_tokenizer("cl100k_base")


@pytest.fixture(scope="module")
def ids(tok):
    return tok.encode(TEXT)


@pytest.fixture(scope="module")
def tiny_lingua2(tmp_path_factory):
    """A tiny random BERT token classifier in a directory whose name LLMLingua-2 does not recognise."""
    from harness.contract.testing import random_token_classifier

    return random_token_classifier(tmp_path_factory.mktemp("models") / "tiny-token-classifier")


def build(spec, tok, tiny_lingua2=None):
    if spec.startswith("llmlingua2"):
        spec += ("," if "@" in spec else "@") + f"model={tiny_lingua2}"
    return build_compressor(spec, tok)


# -- the rate convention ------------------------------------------------------------------


@pytest.mark.parametrize("rate,expected", [(0.5, 50), (0.7, 70), (1, 100), (0.001, 1)])
def test_fraction_rate_is_tokens_kept(tok, rate, expected):
    out = build_compressor(f"truncate@rate={rate}", tok).compress(list(range(1000, 1100)))
    assert out.target_tokens == expected and out.tokens_out == expected


@pytest.mark.parametrize("rate", ["0", "1.5", "-0.2", "half", "match:", "true"])
def test_bad_rate_is_a_one_line_error(tok, rate):
    with pytest.raises(HarnessError) as err:
        build_compressor(f"truncate@rate={rate}", tok)
    assert "\n" not in str(err.value) and "rate" in str(err.value)


def test_match_needs_a_lossless_compressor(tok, ids):
    with pytest.raises(HarnessError, match="lossless"):
        build_compressor("truncate@rate=match:random-drop", tok).compress(ids)
    with pytest.raises(HarnessError, match="unknown compressor"):
        build_compressor("truncate@rate=match:nosuch", tok).compress(ids)


class _DropEveryThird(Compressor):
    """Stand-in lossless compressor with a known, input-dependent output length."""

    name = "test-third"
    lossless = True

    def __init__(self, tokenizer):
        super().__init__(tokenizer)

    def compress(self, ids, *, question=None):
        return Compressed([t for i, t in enumerate(ids) if i % 3], len(ids))


@pytest.fixture
def third():
    compressors.register(_DropEveryThird.name, _DropEveryThird)
    yield _DropEveryThird.name
    compressors._entries.pop(_DropEveryThird.name)


def test_match_targets_the_lossless_length_per_example(tok, third):
    comp = build_compressor(f"random-drop@rate=match:{third}", tok)
    for n in (10, 31, 200):
        seq = list(range(500, 500 + n))
        out = comp.compress(seq)
        assert out.target_tokens == n - len(range(0, n, 3)) == out.tokens_out


# -- every baseline, offline on CPU -----------------------------------------------------------


@pytest.mark.parametrize("name", ALL_LOSSY)
def test_fraction_rate_adherence(tok, ids, tiny_lingua2, name):
    """Naive and selective-context hit the target exactly; the LLMLingua family never exceeds it
    (final trim) and, on this input, reaches at least 70% of it."""
    out = build(f"{name}@rate=0.5", tok, tiny_lingua2).compress(ids, question=QUESTION)
    assert out.tokens_in == len(ids) and out.target_tokens == round(0.5 * len(ids))
    assert all(0 <= i < tok.vocab_size for i in out.ids)
    if name in ("truncate", "random-drop", "selective-context"):
        assert out.tokens_out == out.target_tokens
    else:
        assert 0.7 * out.target_tokens <= out.tokens_out <= out.target_tokens, out.info


@pytest.mark.parametrize("name", ALL_LOSSY)
def test_match_ltsc_reproduces_its_length(tok, tiny_lingua2, name):
    if "ltsc" not in compressors:
        pytest.skip("the ltsc compressor is not registered yet")
    from harness.engine.pipeline import encode_parts
    from harness.tasks import build_task

    ltsc = build_compressor("ltsc", tok)
    comp = build(f"{name}@rate=match:ltsc", tok, tiny_lingua2)
    for ex in build_task("tree@stage=large").examples("test", n=2, seed=1):
        seq = [i for part in encode_parts(tok, ex) for i in part]
        want = len(ltsc.compress(seq).ids)
        assert want < len(seq)
        out = comp.compress(seq, question=ex.suffix)
        assert out.target_tokens == want
        if name in ("truncate", "random-drop", "selective-context"):
            assert out.tokens_out == want
        else:
            assert 0.7 * want <= out.tokens_out <= want, out.info


def test_naive_baselines_are_exact_and_seeded(tok):
    seq = list(range(100, 120))
    assert build_compressor("truncate@rate=0.5,side=tail", tok).compress(seq).ids == seq[:10]
    assert build_compressor("truncate@rate=0.5,side=head", tok).compress(seq).ids == seq[10:]
    assert build_compressor("truncate@rate=0.5,side=middle", tok).compress(seq).ids == seq[:5] + seq[15:]
    a = build_compressor("random-drop@rate=0.5,seed=1", tok).compress(seq).ids
    assert a == build_compressor("random-drop@rate=0.5,seed=1", tok).compress(seq).ids
    assert a != build_compressor("random-drop@rate=0.5,seed=2", tok).compress(seq).ids
    assert a == sorted(a) and set(a) <= set(seq)


def test_input_within_target_is_unchanged(tok):
    out = build_compressor("llmlingua@rate=1", tok).compress([1, 2, 3])
    assert out.ids == [1, 2, 3] and not out.changed and out.target_tokens == 3


def test_selective_context_keeps_a_subsequence_of_words(tok, ids):
    out = build_compressor("selective-context@rate=0.6", tok).compress(ids)
    it = iter(ids)
    assert all(t in it for t in out.ids)  # order-preserving subsequence
    assert out.info["units_kept"] < out.info["units"]


def test_longllmlingua_uses_the_question(tok, ids):
    comp = build_compressor("longllmlingua@rate=0.5", tok)
    with pytest.raises(HarnessError, match="question"):
        comp.compress(ids)
    a = comp.compress(ids, question=QUESTION).ids
    b = comp.compress(ids, question="Which key does handler_3 read?").ids
    assert a != b


def test_llmlingua2_drops_whitespace_with_a_bert_model(tok, tiny_lingua2):
    """Measured, not assumed: LLMLingua-2 rebuilds text from word pieces, so newlines are lost."""
    ids = tok.encode(TEXT)
    out = build("llmlingua2@rate=0.9", tok, tiny_lingua2).compress(ids)
    assert out.info["newlines_in"] == TEXT.count("\n") and out.info["newlines_out"] == 0


def test_special_token_text_is_ordinary_text(tok):
    """llmlingua's own cl100k encode rejects '<|endoftext|>' in a prompt; the harness reads it as text."""
    ids = tok.encode("x = '<|endoftext|>'  # a marker\ny = x * 2\n")
    out = build_compressor("llmlingua@rate=0.6", tok).compress(ids)
    assert 0 < out.tokens_out <= out.target_tokens


# -- one-line errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        "truncate@width=3",
        "llmlingua@temperature=1",
        "selective-context@retries=2",
        "truncate@side=left",
        "llmlingua@device=tpu",
        "llmlingua@retries=-1",
        "random-drop@seed=x",
        "random-drop@seed=-1",
        "random-drop@seed=1.5",
        "llmlingua@retries=x",
        "longllmlingua@retries=1000",
        "llmlingua2@retries=2.5",
        "truncate@rate=nan",
        "random-drop@rate=match: ",
        "selective-context@rate=2",
        "llmlingua2@rate=0",
        "truncate@side=3",
    ],
)
def test_bad_parameters_are_one_line_errors(tok, spec):
    """Every bad parameter fails at build time (before any model loads), one line naming the parameter."""
    with pytest.raises(HarnessError) as err:
        build_compressor(spec, tok)
    message = str(err.value)
    assert "\n" not in message and spec.split("@")[1].split("=")[0] in message, message
    assert spec.split("@")[0] in message, message


def test_missing_llmlingua2_model_is_a_one_line_error(tok):
    from harness.baselines.lingua import LLMLingua2
    from harness.baselines.models import resolve_model

    try:
        resolve_model(LLMLingua2.default_model, "")
        pytest.skip("this machine has the default LLMLingua-2 model")
    except HarnessError:
        pass
    with pytest.raises(HarnessError) as err:
        build_compressor("llmlingua2@rate=0.5", tok)
    msg = str(err.value)
    assert "\n" not in msg and "LTSC_ALLOW_HUB=1" in msg and "llmlingua-2" in msg


def test_cli_errors_and_lossy_compress(tmp_path):
    bad = run_cli("compress", "-", "--tokenizer", "cl100k_base", "--compressor", "llmlingua@foo=1", stdin="x y z")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "foo" in bad.stderr
    ok = run_cli(
        "compress", "-", "--tokenizer", "cl100k_base", "--compressor", "truncate@rate=0.5", "--json", stdin=TEXT
    )
    assert ok.returncode == 0, ok.stderr


def test_registry_import_stays_light():
    code = (
        "import sys, harness.compressors as c; assert 'llmlingua' in c.compressors; "
        "print(sorted(m for m in ('torch', 'transformers', 'llmlingua') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_retry_targets_follow_the_library_response():
    from harness.baselines.lingua import next_request

    assert next_request([(100, 120)], 90) == 75  # one point: proportional
    assert next_request([(100, 120), (75, 100)], 90) == pytest.approx(62.5)  # two points: through both
    assert next_request([(100, 120), (75, 119)], 90) == pytest.approx(75 * (90 / 119) ** 2)  # flat: bounded step
    assert next_request([(100, 120), (75, 120)], 90) == pytest.approx(56.25)  # no response: proportional
