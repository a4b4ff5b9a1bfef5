"""LLMLingua, LongLLMLingua and LLMLingua-2 through the ``llmlingua`` package (0.2.2).

Cited methods: Jiang et al. 2023, "LLMLingua: Compressing Prompts for Accelerated
Inference of Large Language Models"; Jiang et al. 2024, "LongLLMLingua: Accelerating
and Enhancing LLMs in Long Context Scenarios via Prompt Compression"; Pan et al. 2024,
"LLMLingua-2: Data Distillation for Efficient and Faithful Task-Agnostic Prompt
Compression".

The ids are decoded with the evaluated tokenizer, the text is compressed by the
library, and its output is re-encoded with the evaluated tokenizer. The library counts
length in its own units (the scoring model's tokens, or cl100k for LLMLingua-2), so
the target is converted by the ratio of the two lengths of this input. If the
re-encoded output is still longer than the target, the library is asked again with a
smaller target (``retries`` times: proportional first, then through the last two
attempts); the attempt closest to the target is kept, and any excess is removed by
dropping evenly spaced tokens (``info['trimmed']`` counts them), so the output never
exceeds the target.
"""

from __future__ import annotations

from ..compressors.base import register
from ..core import validate
from ..core.errors import HarnessError
from .lossy import thin
from .models import lingua2_path, quiet_transformers
from .scored import ModelCompressor

#: each retry is one more library call (a scoring-model pass over the input): bounded
MAX_RETRIES = 20


class LinguaCompressor(ModelCompressor):
    """Shared driver: target conversion, retries, final trim."""

    def __init__(self, tokenizer, rate=0.5, model=None, device="cpu", retries=2):
        retries = validate.integer("retries", retries, 0, MAX_RETRIES)
        super().__init__(tokenizer, rate=rate, model=model, device=device, retries=retries)
        self.retries = retries

    def library_length(self, pc, text: str) -> int:
        return pc.get_token_length(text)

    def call(self, pc, text: str, target: int, question: str | None) -> str:
        raise NotImplementedError

    def library_call(self, pc, text: str, target: int, question: str | None) -> str:
        try:
            with quiet_transformers():
                return self.call(pc, text, target, question)
        except HarnessError:
            raise
        except Exception as exc:  # a crash inside llmlingua on this input: name it, one line
            raise HarnessError(
                f"{self.name}: the llmlingua library failed on this input "
                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
            ) from exc

    def shrink(self, ids, target, question):
        pc = self.scorer
        text = self.tokenizer.decode(ids)
        scale = self.library_length(pc, text) / len(ids)
        asked, tried, outs = target * scale, [], []
        while len(tried) <= self.retries:
            asked = max(1, round(asked))
            outs.append(self.tokenizer.encode(self.library_call(pc, text, asked, question)))
            tried.append((asked, len(outs[-1])))
            if len(outs[-1]) <= target:
                break
            asked = next_request(tried, target)
        attempts = len(tried)
        out = min(outs, key=lambda o: (abs(len(o) - target), len(o)))  # the attempt closest to the target
        trimmed = max(0, len(out) - target)
        out = thin(out, target)
        return out, {
            "attempts": attempts,
            "trimmed": trimmed,
            "library_scale": round(scale, 4),
            "newlines_in": text.count("\n"),
            "newlines_out": self.tokenizer.decode(out).count("\n"),
        }


def next_request(tried: list[tuple[int, int]], target: int) -> float:
    """The next library target after overshooting: through the last two (asked, got) points
    when they differ (the library's length is roughly affine in what it is asked), else
    proportional."""
    (a1, g1), (a2, g2) = tried[-2] if len(tried) > 1 else (0, 0), tried[-1]
    proportional = a2 * target / g2
    if len(tried) > 1 and g2 != g1 and (a2 - a1) / (g2 - g1) > 0:
        secant = a2 + (target - g2) * (a2 - a1) / (g2 - g1)
        return min(proportional, max(secant, a2 * (target / g2) ** 2))  # at most twice the proportional step
    return proportional


def window_size(n: int, longest: int = 200) -> int:
    """LLMLingua's ``iterative_size`` for an input of ``n`` scoring-model tokens.

    LLMLingua 0.2.2 compresses only whole windows of ``iterative_size`` tokens (default
    200): an input shorter than one window comes back nearly unchanged and the tail
    after the last whole window is never compressed. Windows that tile the input
    (at most ``longest`` tokens each) let every token be considered.
    """
    return max(1, -(-n // max(1, -(-n // longest))))


@register
class LLMLingua(LinguaCompressor):
    """LLMLingua (Jiang et al. 2023): perplexity-based token dropping with a causal LM (default SmolLM2-135M)"""

    name = "llmlingua"

    def options(self, question: str | None) -> dict:
        return {"rank_method": "llmlingua"}

    def call(self, pc, text, target, question):
        size = window_size(pc.get_token_length(text, add_special_tokens=False))
        return pc.compress_prompt([text], target_token=target, iterative_size=size, **self.options(question))[
            "compressed_prompt"
        ]


@register
class LongLLMLingua(LLMLingua):
    """LongLLMLingua (Jiang et al. 2024): question-aware LLMLingua (needs the task's question)"""

    name = "longllmlingua"

    def options(self, question):
        if not question or not question.strip():
            raise HarnessError(
                "longllmlingua is question-aware and got no question; pass the task's question "
                "(tasks do this) or use llmlingua"
            )
        # question-conditioned contrastive perplexity; the question is not appended to the output
        return {
            "question": question,
            "rank_method": "longllmlingua",
            "condition_in_question": "after_condition",
            "condition_compare": True,
            "concate_question": False,
        }


@register
class LLMLingua2(LinguaCompressor):
    """LLMLingua-2 (Pan et al. 2024): token classification (microsoft/llmlingua-2-*; local or LTSC_ALLOW_HUB=1)"""

    name = "llmlingua2"
    llmlingua2 = True
    default_model = "microsoft/llmlingua-2-xlm-roberta-large-meetingbank"
    model_hint = (
        "model=<local directory of microsoft/llmlingua-2-xlm-roberta-large-meetingbank or "
        "llmlingua-2-bert-base-multilingual-cased-meetingbank>"
    )

    def model_path(self) -> str:
        return lingua2_path(super().model_path())

    def library_length(self, pc, text):
        return pc.get_token_length(text, use_oai_tokenizer=True)  # LLMLingua-2 counts cl100k tokens

    def call(self, pc, text, target, question):
        return pc.compress_prompt([text], target_token=target)["compressed_prompt"]
