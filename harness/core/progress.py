"""Progress reporting: a tqdm bar on a terminal, plain one-line progress in logs and CI.

``progress(total, desc)`` returns an object with ``update(n)``, ``set_postfix(**kw)``
and ``close()``. On a terminal (standard error is a TTY) it is a tqdm bar; otherwise
it prints ``desc: done/total (pct) [postfix]`` about every 25% (and at the end), so
logs stay readable. ``enabled=False`` prints nothing.
"""

from __future__ import annotations

import sys
import time


class _Lines:
    """Plain progress lines for non-terminals."""

    def __init__(self, total: int, desc: str, every: float = 0.25):
        self.total, self.desc, self.done = max(int(total), 0), desc, 0
        self.step = max(1, int(self.total * every))
        self.next = self.step
        self.postfix = ""
        self.start = time.perf_counter()

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.done >= self.next and self.done < self.total:
            self._line()
            self.next = (self.done // self.step + 1) * self.step

    def set_postfix(self, **kw) -> None:
        self.postfix = ", ".join(f"{k}={v}" for k, v in kw.items())

    def _line(self) -> None:
        pct = 100 * self.done / self.total if self.total else 100.0
        extra = f" [{self.postfix}]" if self.postfix else ""
        print(
            f"{self.desc}: {self.done}/{self.total} ({pct:.0f}%, {time.perf_counter() - self.start:.0f} s){extra}",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.total:
            self._line()


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **kw) -> None:
        pass

    def close(self) -> None:
        pass


def progress(total: int, desc: str, enabled: bool = True, unit: str = "it"):
    """A progress reporter for ``total`` steps (see the module docstring)."""
    if not enabled:
        return _Silent()
    if sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)
    return _Lines(total, desc)


def log(message: str) -> None:
    """One line on standard error (the runner's ``[train]``/``[eval]`` messages)."""
    print(message, file=sys.stderr, flush=True)
