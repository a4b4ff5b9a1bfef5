"""Component specs: ``name@key=value,key=value``.

Tasks, compressors and models are named the same way on the command line, e.g.
``tree@stage=medium``, ``ltsc@max_len=8,seed=3``, ``truncate@rate=match:ltsc``.
Values are parsed as int, float, bool or None where they look like one; anything
else stays a string.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import HarnessError


def parse_value(text: str):
    """Parse one parameter value: int, float, bool, None or str."""
    low = text.lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if low in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_params(items) -> dict:
    """Parse ``key=value`` strings (from ``--param`` or after ``@``) into a dict."""
    params = {}
    for item in items:
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise HarnessError(f"malformed parameter {item!r}: expected key=value, e.g. max_len=8")
        if key.strip() in params:
            raise HarnessError(f"parameter {key.strip()!r} is given twice; give each parameter once")
        params[key.strip()] = parse_value(value.strip())
    return params


@dataclass(frozen=True)
class Spec:
    """A registry name plus parameters."""

    name: str
    params: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, extra: dict | None = None) -> Spec:
        name, _, rest = text.strip().partition("@")
        if not name:
            raise HarnessError(f"malformed name {text!r}: expected NAME or NAME@key=value,...")
        params = parse_params(rest.split(",")) if rest else {}
        params.update(extra or {})
        return cls(name, params)

    def __str__(self) -> str:
        if not self.params:
            return self.name
        return self.name + "@" + ",".join(f"{k}={v}" for k, v in sorted(self.params.items()))
