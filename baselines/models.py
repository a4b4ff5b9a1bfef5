"""Scoring models for the LM-based baselines: resolution, one cached load.

``model=smollm2`` (the default for the causal-LM baselines) is the offline
SmolLM2-135M directory from :func:`harness.assets.smollm2_dir`; any other value is a
local Hugging Face directory or, only with ``LTSC_ALLOW_HUB=1``, a hub name (for a
name already in the local Hugging Face cache the cached copy is used). Devices are
resolved by :func:`harness.env.resolve_device`, the same rules as ``--device``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path

from ..core.env import cache_dir, hub_allowed, resolve_device  # noqa: F401  (resolve_device: one rule for every device option)
from ..core.errors import HarnessError, missing_package


def resolve_model(model: str, hint: str) -> str:
    """A local directory (or, when allowed, a hub name) for ``model``; one-line error otherwise."""
    if model == "smollm2":
        from ..data.assets import smollm2_dir

        return str(smollm2_dir())
    local = Path(model).expanduser()
    if local.is_dir():
        return str(local)
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(model, local_files_only=True)
    except Exception:
        pass
    if hub_allowed():
        return model
    raise HarnessError(
        f"model {model!r} is not a local directory nor in the local Hugging Face cache; pass {hint}, "
        "or set LTSC_ALLOW_HUB=1 to download it from the Hugging Face hub"
    )


# LLMLingua-2 picks its word-piece rules from substrings of the model path (llmlingua/utils.py):
LINGUA2_FLAVOURS = {"bert": "bert-base-multilingual-cased", "xlm-roberta": "xlm-roberta-large"}


def lingua2_path(path: str) -> str:
    """``path`` itself if its name already tells LLMLingua-2 the architecture, else a cached
    symlink whose name does (LLMLingua-2 raises NotImplementedError on any other name)."""
    if any(flavour in path for flavour in LINGUA2_FLAVOURS.values()):
        return path
    config = Path(path) / "config.json"
    try:
        model_type = json.loads(config.read_text()).get("model_type")
    except (OSError, ValueError):
        raise HarnessError(
            f"{config} is missing or unreadable: llmlingua2 needs a token-classification model directory"
        ) from None
    flavour = LINGUA2_FLAVOURS.get(model_type)
    if flavour is None:
        raise HarnessError(
            f"llmlingua2 supports BERT or XLM-RoBERTa token classifiers; {path} holds model_type={model_type!r}"
        )
    link = (
        cache_dir() / "llmlingua2" / f"{hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:12]}-{flavour}"
    )
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        tmp = link.with_name(link.name + f".tmp{os.getpid()}")
        tmp.symlink_to(Path(path).resolve(), target_is_directory=True)
        tmp.replace(link)
    return str(link)


@functools.lru_cache(maxsize=4)
def prompt_compressor(path: str, device: str, llmlingua2: bool = False):
    """One ``llmlingua.PromptCompressor`` per (model, device, kind) per process.

    tiktoken's cl100k, which PromptCompressor always loads, is seeded from the offline
    copy first; remote code is never trusted. The scoring model takes and returns the
    library's legacy KV lists on every transformers release (:mod:`.kv_adapter`).
    """
    from ..data.tokenizers import cl100k_base
    from .kv_adapter import adapt_kv

    cl100k_base()  # seeds tiktoken's cache so PromptCompressor does not download
    try:
        from llmlingua import PromptCompressor
    except ImportError:
        raise missing_package("llmlingua==0.2.2", "the LLMLingua baselines") from None
    config = {"trust_remote_code": False, "local_files_only": not hub_allowed()}
    try:
        with quiet_transformers():
            pc = PromptCompressor(model_name=path, device_map=device, model_config=config, use_llmlingua2=llmlingua2)
    except OSError as exc:
        raise HarnessError(f"cannot load scoring model {path!r}: {str(exc).splitlines()[0]}") from None
    pc.oai_tokenizer = OrdinaryText(pc.oai_tokenizer)
    if not llmlingua2:
        adapt_kv(pc.model)
        # kept text as it was: no "cleanup" of spaces before punctuation (transformers 4.x applied it to
        # byte-level BPE too, turning "x ." into "x."; 5.x never does)
        pc.tokenizer.clean_up_tokenization_spaces = False
    return pc


class OrdinaryText:
    """tiktoken encoding whose ``encode`` reads special-token strings as text (the library's
    plain ``encode`` raises on e.g. ``<|endoftext|>`` inside a prompt)."""

    def __init__(self, encoding):
        self.encoding = encoding

    def encode(self, text: str) -> list[int]:
        return self.encoding.encode_ordinary(text)


@contextlib.contextmanager
def quiet_transformers():
    """Silence transformers' warnings while llmlingua 0.2.2 runs (its legacy tuple KV caches,
    deprecated keywords and embedding resize warn); the previous verbosity is restored afterwards."""
    from transformers.utils import logging

    level = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(level)
