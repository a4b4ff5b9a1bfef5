"""A small registry of named factories, extensible through Python entry points.

Tasks, compressors, models and tokenizers each have one. Third-party packages
register entries under the entry-point group ``ltsc_bench.<kind>s``; built-in
entries register with the :meth:`Registry.register` decorator.

:meth:`Registry.build` is the one way a component is made from a spec
(``name@key=value,...``): it checks the parameter names against the factory's
signature, turns every failure into a one-line :class:`HarnessError` naming the
component, and records the resolved parameters (defaults filled in) on the result as
``resolved_params``. ``ltsc-bench list`` reads :meth:`Registry.parameters`.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Generic, TypeVar, cast

from .errors import HarnessError

#: what a registry holds: factories (a class, a function) or, for metrics, the objects themselves
T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    factory: T
    description: str = ""


class Registry(Generic[T]):
    """Maps names to factories. ``prefix`` entries (e.g. ``hf:``) match any name starting with them."""

    def __init__(self, kind: str, pass_name: bool = False):
        self.kind = kind
        #: the factory takes the entry's name as its first argument (``hf:<path>`` models need it)
        self.pass_name = pass_name
        self.group = f"ltsc_bench.{kind}s"
        self._entries: dict[str, Entry[T]] = {}
        self._prefixes: dict[str, Entry[T]] = {}
        self._loaded_entry_points = False

    def register(self, name: str, factory: T | None = None, *, description: str = "", prefix: bool = False):
        """Register ``factory`` under ``name``; usable as a decorator."""

        def add(obj: T) -> T:
            doc_lines = (obj.__doc__ or "").strip().splitlines()
            own = getattr(obj, "description", "")  # an object that describes itself (a Metric)
            desc = description or (own if isinstance(own, str) and own else "") or (doc_lines[0] if doc_lines else "")
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

    # -- building --------------------------------------------------------------------
    def _signature(self, factory, positional: int) -> tuple[list[inspect.Parameter], bool]:
        """The factory's keyword parameters (after ``positional`` leading ones) and whether it takes ``**kw``."""
        target = factory.__init__ if inspect.isclass(factory) else factory
        params = list(inspect.signature(target).parameters.values())
        if inspect.isclass(factory):
            params = params[1:]  # self
        params = params[positional + self.pass_name :]
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
        named = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        return named, var_kw

    def parameters(self, name: str, positional: int = 0) -> dict:
        """The entry's parameters and their defaults (``inspect.Parameter.empty`` when required)."""
        named, _ = self._signature(self.get(name).factory, positional)
        return {p.name: p.default for p in named}

    def build(self, spec, *args, **extra) -> Any:
        """Make the component ``spec`` names (a :class:`Spec` or ``name@key=value,...``): what its factory returns
        (``Any``: a type variable of the factory cannot name its product; ``build_compressor`` and the other typed
        wrappers declare it).

        ``args`` go to the factory first (a compressor's tokenizer); ``extra`` parameters
        override the spec's. Unknown parameter names, and any ``TypeError``/``ValueError`` or
        :class:`HarnessError` the factory raises, become one :class:`HarnessError` line that
        names the component and how to list its parameters.
        """
        from .spec import Spec

        spec = spec if isinstance(spec, Spec) else Spec.parse(str(spec))
        params = {**spec.params, **extra}
        entry = self.get(spec.name)
        named, var_kw = self._signature(entry.factory, len(args))
        valid = [p.name for p in named]
        unknown = [k for k in params if k not in valid]
        if unknown and not var_kw:
            raise HarnessError(
                f"{self.kind} {spec.name!r} has no parameter {unknown[0]!r}; its parameters: "
                f"{', '.join(valid) or 'none'} (see `ltsc-bench list {self.kind}s`)"
            )
        head = (spec.name,) if self.pass_name else ()
        factory = cast(Callable[..., Any], entry.factory)  # a registry that builds holds factories (_signature read it)
        try:
            obj = factory(*head, *args, **params)
        except HarnessError as exc:
            message = str(exc)
            if not message.startswith((f"{self.kind} {spec.name!r}", f"{spec.name}:")):
                message = f"{self.kind} {spec.name!r}: {message}"
            raise HarnessError(message) from None
        except (TypeError, ValueError) as exc:
            raise HarnessError(
                f"bad parameters for {self.kind} {spec.name!r}: {exc} (see `ltsc-bench list {self.kind}s`)"
            ) from None
        resolved = {p.name: p.default for p in named if p.default is not inspect.Parameter.empty}
        resolved.update(params)
        try:
            obj.resolved_params = resolved
        except AttributeError:  # a factory returning an object without __dict__ (or frozen)
            pass
        return obj

    def __contains__(self, name: str) -> bool:
        try:
            self.get(name)
            return True
        except HarnessError:
            return False


Factory = Callable[..., object]
