"""Differences between the transformers releases the harness supports (4.46 to 5.x), by feature.

Each helper asks the installed library what it offers instead of comparing version numbers:
the dtype keyword of ``from_pretrained`` (``torch_dtype`` became ``dtype`` in 4.56 and is
deprecated in 5.x), dense loading of GGUF files (5.x may keep GGUF weights packed and then
refuses to save them) and the name of the KV-cache keyword. (LLMLingua's legacy ``(key, value)`` lists
are converted by :mod:`harness.baselines.kv_adapter`, per scoring model.)
"""

from __future__ import annotations

import functools
import inspect


@functools.lru_cache(maxsize=1)
def dtype_keyword() -> str:
    """The ``from_pretrained`` keyword that sets the weights' dtype on the installed transformers."""
    from transformers import PretrainedConfig

    return "dtype" if "dtype" in inspect.signature(PretrainedConfig.__init__).parameters else "torch_dtype"


def dtype_kwargs(dtype) -> dict:
    """``{keyword: dtype}`` for ``from_pretrained``, without a deprecation warning on any release."""
    return {dtype_keyword(): dtype}


def dense_gguf_kwargs() -> dict:
    """Keywords that make ``from_pretrained(gguf_file=...)`` unpack every weight into a plain tensor
    (5.x otherwise keeps them in GGUF blocks where a matmul kernel exists); none on 4.x, which always does."""
    import transformers

    config = getattr(transformers, "GgufConfig", None)
    return {} if config is None else {"quantization_config": config(dequantize=True)}


def drop_quantizer(model):
    """Forget the (GGUF) quantizer of a model whose weights are already dense, so ``save_pretrained``
    writes it as a plain model; a model without one is returned unchanged."""
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)
    return model


@functools.lru_cache(maxsize=1)
def cache_keyword() -> str:
    """The ``forward`` keyword and output field of the KV cache: ``cache`` where transformers renamed
    it (5.2x, where ``past_key_values`` is deprecated), else ``past_key_values``."""
    from dataclasses import fields

    from transformers.modeling_outputs import CausalLMOutputWithPast

    return "cache" if "cache" in {f.name for f in fields(CausalLMOutputWithPast)} else "past_key_values"


def cache_kwargs(past) -> dict:
    """``{keyword: past}`` for a causal LM's ``forward``."""
    return {cache_keyword(): past}


def output_cache(output):
    """The KV cache a causal LM's ``forward`` returned (``None`` without ``use_cache``)."""
    return output.get(cache_keyword())
