"""A small registry of named factories, extensible through Python entry points.

Tasks, compressors, models and tokenizers each have one. Third-party packages
register entries under the entry-point group ``ltsc_bench.<kind>s``; built-in
entries register with the :meth:`Registry.register` decorator.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import metadata
from typing import Callable, Generic, TypeVar

from .errors import HarnessError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    factory: T
    description: str = ""


class Registry(Generic[T]):
    """Maps names to factories. ``prefix`` entries (e.g. ``hf:``) match any name starting with them."""

    def __init__(self, kind: str):
        self.kind = kind
        self.group = f"ltsc_bench.{kind}s"
        self._entries: dict[str, Entry[T]] = {}
        self._prefixes: dict[str, Entry[T]] = {}
        self._loaded_entry_points = False

    def register(self, name: str, factory: T | None = None, *, description: str = "", prefix: bool = False):
        """Register ``factory`` under ``name``; usable as a decorator."""

        def add(obj: T) -> T:
            doc_lines = (obj.__doc__ or "").strip().splitlines()
            desc = description or (doc_lines[0] if doc_lines else "")
            table = self._prefixes if prefix else self._entries
            table[name] = Entry(name, obj, desc)
            return obj

        return add(factory) if factory is not None else add

    def _load_entry_points(self) -> None:
        if self._loaded_entry_points:
            return
        self._loaded_entry_points = True
        for ep in metadata.entry_points(group=self.group):
            if ep.name in self._entries:
                continue
            try:
                obj = ep.load()
            except Exception as exc:  # a broken plugin must not break the harness
                raise HarnessError(f"{self.kind} plugin {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
            self.register(ep.name, obj)

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(self._entries)

    def entries(self) -> list[Entry[T]]:
        self._load_entry_points()
        return [self._entries[n] for n in sorted(self._entries)] + list(self._prefixes.values())

    def get(self, name: str) -> Entry[T]:
        self._load_entry_points()
        if name in self._entries:
            return self._entries[name]
        for prefix, entry in self._prefixes.items():
            if name.startswith(prefix):
                return entry
        valid = self.names() + [p + "<name>" for p in self._prefixes]
        close = difflib.get_close_matches(name, self.names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise HarnessError(
            f"unknown {self.kind} {name!r}{hint}; valid {self.kind}s: {', '.join(valid)}"
            f" (see `ltsc-bench list {self.kind}s`)"
        )

    def __contains__(self, name: str) -> bool:
        try:
            self.get(name)
            return True
        except HarnessError:
            return False


Factory = Callable[..., object]
