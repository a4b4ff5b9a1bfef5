"""Shared parameter validators: one style for every component and command-line option.

Each validator returns the value (converted where that is lossless, e.g. ``8.0`` -> ``8``)
or raises :class:`InvalidParameter`, a :class:`~harness.errors.HarnessError` whose message
names the parameter, what it must be, and what it got. :meth:`harness.registry.Registry.build`
prefixes the component (``compressor 'ltsc': max_len must be ...``); the CLI prints it as is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeVar

from .errors import HarnessError

T = TypeVar("T")


class InvalidParameter(HarnessError, ValueError):
    """A parameter or option value out of its domain."""


def _bounds(low, high) -> str:
    if low is not None and high is not None:
        return f" in {low}..{high}"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


def integer(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """An int (bools rejected; an integral float is accepted) within ``[low, high]``."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or (low is not None and value < low)
        or (high is not None and value > high)
    ):
        what = "a positive integer" if low == 1 and high is None else f"an integer{_bounds(low, high)}"
        raise InvalidParameter(f"{name} must be {what}, got {value!r}")
    return value


def positive_int(name: str, value, high: int | None = None) -> int:
    return integer(name, value, 1, high)


def number(name: str, value, low: float | None = None, high: float | None = None, *, low_open: bool = False) -> float:
    """A finite real number within ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        where = (f" > {low}" if low_open else f" >= {low}") if low is not None else ""
        where += f" and <= {high}" if high is not None and where else (f" <= {high}" if high is not None else "")
        raise InvalidParameter(f"{name} must be a finite number{where}, got {value!r}")
    return float(value) if isinstance(value, float) else value


def one_of(name: str, value: T, choices: Iterable) -> T:
    choices = list(choices)
    if value not in choices:
        raise InvalidParameter(f"{name} must be one of {', '.join(map(str, choices))}; got {value!r}")
    return value


def boolean(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise InvalidParameter(f"{name} must be true or false, got {value!r}")
    return value


def text(name: str, value, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value):
        raise InvalidParameter(f"{name} must be a {'' if allow_empty else 'non-empty '}string, got {value!r}")
    return value
