"""Legacy key/value caches for llmlingua on any transformers release (4.46 to 5.x).

LLMLingua 0.2.2 keeps the scoring model's KV cache as a list of ``[key, value]`` pairs: it
reads ``past[0][0].shape[2]``, slices and concatenates the tensors, and hands the lists back
to the model. transformers up to 4.47 converted such lists itself; later releases only take a
cache object (``DynamicCache``), return one, and from 5.0 on iterate it as triples, so the
library crashes (microsoft/LLMLingua#210, #215). :func:`adapt_kv` wraps the scoring model's
``forward``: on the way in, a list of pairs becomes a ``DynamicCache``; on the way out, a
cache object becomes a tuple of ``(key, value)`` tuples. A model that returns legacy tuples
itself (4.46, or GPT-2 on 4.x) is left alone; the wrapper learns that from its first output.
Where the model names its cache ``cache`` (5.2x; ``past_key_values`` is deprecated there and
due to be removed), the library's ``past_key_values=`` keyword is passed on under that name.
"""

from __future__ import annotations

import functools
import inspect

#: the keyword (and output field) of the KV cache: ``past_key_values`` up to 5.x, ``cache`` on newer 5.x
CACHE_NAMES = ("cache", "past_key_values")
MARK = "_ltsc_kv_adapter"


def is_cache_object(value) -> bool:
    """A transformers ``Cache`` (any release): not a plain list or tuple of pairs."""
    return value is not None and not isinstance(value, (list, tuple)) and hasattr(value, "get_seq_length")


def to_legacy(cache) -> tuple:
    """``((key, value), ...)`` per layer; a 5.x cache yields ``(keys, values, sliding_window)``."""
    return tuple((entry[0], entry[1]) for entry in cache)


def to_cache(pairs):
    """A ``DynamicCache`` holding ``pairs`` (``[[key, value], ...]``), built through ``update``,
    which every release since 4.36 offers with the same meaning."""
    from transformers import DynamicCache

    cache = DynamicCache()
    for layer, (key, value) in enumerate(pairs):
        cache.update(key, value, layer)
    return cache


def _cache_field(output) -> str | None:
    keys = output.keys() if hasattr(output, "keys") else ()
    return next((name for name in CACHE_NAMES if name in keys), None)


def adapt_kv(model):
    """Wrap ``model.forward`` (a torch module's) so that it takes and returns legacy KV lists; idempotent.

    Returns ``model``. ``getattr(model, MARK)["native"]`` is ``True`` once the model has returned
    a cache object (the wrapper then converts), ``False`` when it returns legacy tuples (it doesn't);
    ``["renamed"]`` tells whether ``past_key_values=`` is passed on as ``cache=``.
    """
    if getattr(model, MARK, None) is not None:
        return model
    inner = model.forward
    state = {"native": None, "renamed": "cache" in inspect.signature(inner).parameters}

    @functools.wraps(inner)
    def forward(*args, **kwargs):
        if state["renamed"] and "past_key_values" in kwargs and "cache" not in kwargs:
            kwargs["cache"] = kwargs.pop("past_key_values")
        if state["native"]:
            for name in CACHE_NAMES:
                if isinstance(kwargs.get(name), (list, tuple)):
                    kwargs[name] = to_cache(kwargs[name])
        output = inner(*args, **kwargs)
        field = _cache_field(output)
        value = None if field is None else output[field]
        if is_cache_object(value):
            state["native"] = True
            output[field] = to_legacy(value)
        elif value is not None and state["native"] is None:
            state["native"] = False
        return output

    model.forward = forward
    setattr(model, MARK, state)
    return model
