"""``tiny``: a small Llama-style transformer trained from scratch.

Its vocabulary is remapped to the ids that occur in the train split (plus every id
the compressor may emit above the tokenizer's vocabulary), so the embedding table
stays small whatever the tokenizer. Model ids: 0 = padding, 1 = end of answer,
2 = unknown (an id never seen in training), then the harness ids in sorted order.

``conv=K`` (0 = off) adds a short causal depthwise convolution of width K over the
token embeddings before the first layer, as in H3/Based: each position then sees
its K-1 predecessors directly, which lets a tiny model learn associative recall
(key -> value lookups) in hundreds rather than thousands of steps.

``meta_init`` (:mod:`.meta_init`): how the rows of meta-tokens and delimiters start.
The default, ``random``, leaves them as the network draws every row (``N(0, 0.02^2)``);
``mean``, ``gaussian`` and ``orthogonal`` overwrite them from the text-token rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..core.validate import InvalidParameter, integer, positive_int
from .base import LanguageModel, models, require_torch
from .hf_compat import cache_kwargs, output_cache
from .meta_init import check as check_meta_init
from .meta_init import new_rows as new_meta_rows

PAD, EOS, UNK = 0, 1, 2
SPECIALS = 3


def _llama_config(vocab: int, d_model: int, layers: int, heads: int, ffn: int, max_positions: int):
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=vocab,
        hidden_size=d_model,
        intermediate_size=ffn,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=max_positions,
        tie_word_embeddings=True,
        pad_token_id=PAD,
        eos_token_id=EOS,
        bos_token_id=EOS,
        attention_dropout=0.0,
    )


def _net(config, conv: int):
    """The Llama model, optionally behind a short causal convolution over its input embeddings."""
    import torch
    from transformers import LlamaForCausalLM

    class TinyNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lm = LlamaForCausalLM(config)
            d = config.hidden_size
            self.conv = torch.nn.Conv1d(d, d, conv, groups=d, padding=conv - 1, bias=False) if conv else None
            if self.conv is not None:
                torch.nn.init.zeros_(self.conv.weight)

        def get_input_embeddings(self):
            return self.lm.get_input_embeddings()

        def forward(self, ids, mask=None, positions=None, past=None, use_cache=False):
            if self.conv is None:
                out = self.lm(
                    input_ids=ids,
                    attention_mask=mask,
                    position_ids=positions,
                    use_cache=use_cache,
                    **cache_kwargs(past),
                )
                return out.logits, output_cache(out)
            emb = self.lm.get_input_embeddings()(ids)
            if mask is not None:  # padding contributes nothing to its neighbours
                emb = emb * mask[..., None].to(emb.dtype)
            mixed = self.conv(emb.transpose(1, 2))[..., : ids.shape[1]].transpose(1, 2)
            out = self.lm(inputs_embeds=emb + mixed, attention_mask=mask, position_ids=positions)
            return out.logits, None

    return TinyNet()


def _check_dims(d_model, layers, heads, ffn, conv, max_positions) -> dict:
    """The dimensions, validated (one-line :class:`InvalidParameter` naming the first bad one)."""
    width, depth, n_heads = (
        positive_int("d_model", d_model),
        positive_int("layers", layers),
        positive_int("heads", heads),
    )
    dims = dict(
        d_model=width,
        layers=depth,
        heads=n_heads,
        ffn=None if ffn is None else positive_int("ffn", ffn),
        conv=integer("conv", conv, 0),
        max_positions=positive_int("max_positions", max_positions),
    )
    if width % n_heads:
        raise InvalidParameter(f"d_model must be a multiple of heads, got d_model={d_model}, heads={heads}")
    if (width // n_heads) % 2:  # rotary position embeddings rotate pairs of dimensions
        raise InvalidParameter(f"d_model / heads (the head size) must be even, got d_model={d_model}, heads={heads}")
    return dims


@models.register("tiny")
class Tiny(LanguageModel):
    """A small Llama-style transformer trained from scratch on the task (vocabulary remapped)"""

    eos, pad = EOS, PAD

    def __init__(
        self,
        name: str = "tiny",
        d_model: int = 128,
        layers: int = 2,
        heads: int = 4,
        ffn: int | None = None,
        conv: int = 0,
        max_positions: int = 4096,
        meta_init: str = "random",
    ):
        dims = _check_dims(d_model=d_model, layers=layers, heads=heads, ffn=ffn, conv=conv, max_positions=max_positions)
        params = {k: v for k, v in dims.items() if v is not None}
        if check_meta_init(meta_init) != "random":  # the default stays out of the spec (and its run hashes)
            params["meta_init"] = meta_init
        super().__init__(name, **params)
        self.meta_init = meta_init
        self.dims = {**dims, "ffn": dims["ffn"] or 3 * dims["d_model"]}
        self.supports_cache = not dims["conv"]
        self.vocab: list[int] = []
        self._to_model: dict[int, int] = {}

    # -- vocabulary --------------------------------------------------------------
    def _set_vocab(self, vocab: list[int]) -> None:
        self.vocab = vocab
        self._to_model = {h: i + SPECIALS for i, h in enumerate(vocab)}

    def model_ids(self, ids: Sequence[int]) -> list[int]:
        get = self._to_model.get
        return [get(i, UNK) for i in ids]

    def output_text_ids(self, ids: Sequence[int]) -> list[int]:
        return [self.vocab[i - SPECIALS] for i in ids if i >= SPECIALS and self.vocab[i - SPECIALS] < self.text_vocab]

    # -- network -----------------------------------------------------------------
    def _build(self, device: str) -> None:
        config = _llama_config(
            len(self.vocab) + SPECIALS,
            self.dims["d_model"],
            self.dims["layers"],
            self.dims["heads"],
            self.dims["ffn"],
            self.dims["max_positions"],
        )
        self.module = _net(config, self.dims.get("conv", 0)).to(device)
        self._init_meta_rows()
        self.supports_cache = not self.dims.get("conv", 0)
        self.device = device

    def _init_meta_rows(self) -> None:
        """Overwrite the rows of ids at or above the text vocabulary as ``meta_init`` says."""
        if self.meta_init == "random":
            return
        import torch

        rows = self.module.lm.get_input_embeddings().weight
        text = [i + SPECIALS for i, h in enumerate(self.vocab) if h < self.text_vocab]
        extra = [i + SPECIALS for i, h in enumerate(self.vocab) if h >= self.text_vocab]
        if extra:
            with torch.no_grad():
                rows[extra] = new_meta_rows(rows[text], len(extra), self.meta_init).to(rows.dtype)

    def setup(self, tokenizer, extra_vocab: int, corpus: Iterable[Sequence[int]], device: str) -> None:
        require_torch()
        self.text_vocab = tokenizer.vocab_size
        seen: set[int] = set()
        for seq in corpus:
            seen.update(seq)
        seen.update(range(tokenizer.vocab_size, tokenizer.vocab_size + extra_vocab))
        self._set_vocab(sorted(seen))
        self._build(device)

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None, use_cache=False):
        if use_cache and past is None and self.supports_cache:
            from transformers import DynamicCache

            past = DynamicCache()
        return self.module(input_ids, attention_mask, position_ids, past, use_cache)

    def architecture(self) -> dict:
        emb = self.module.lm.get_input_embeddings().weight.numel()
        total = sum(p.numel() for p in self.module.parameters())
        # the tied output projection is a matmul (counted); the input lookup is not
        return {
            "params": total,
            "layers": self.dims["layers"],
            "d_model": self.dims["d_model"],
            "embedding_params": emb,
        }

    # -- checkpoints -------------------------------------------------------------
    def save(self, path: Path) -> None:
        torch = require_torch()
        path.mkdir(parents=True, exist_ok=True)
        torch.save(self.module.state_dict(), path / "weights.pt")
        (path / "tiny.json").write_text(
            json.dumps({"dims": self.dims, "vocab": self.vocab, "text_vocab": self.text_vocab})
        )

    def load(self, path: Path, device: str) -> None:
        torch = require_torch()
        meta = json.loads((path / "tiny.json").read_text())
        self.dims, self.text_vocab = meta["dims"], meta["text_vocab"]
        self._set_vocab(meta["vocab"])
        self._build(device)
        self.module.load_state_dict(torch.load(path / "weights.pt", map_location=device, weights_only=True))
