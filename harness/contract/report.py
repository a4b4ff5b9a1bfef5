"""The compressor contract's results: the checks, the statistics next to the reference, and their tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .inputs import Case

if TYPE_CHECKING:
    from ..compressors.base import Compressed


@dataclass
class Outcome:
    case: Case
    #: the output ids and the compressor's :class:`Compressed` (both None when ``compress`` failed: ``error``)
    ids: list | None = None
    error: str | None = None
    seconds: float = 0.0
    compressed: Compressed | None = None
    #: decompress(compress(x)) == x, for lossless compressors (None: lossy, or compress failed)
    round_trip: bool | None = None


@dataclass
class Check:
    name: str
    #: "PASS", "FAIL", "SKIP" (not applicable) or "INFO" (a measurement)
    status: str
    detail: str = ""


@dataclass
class ContractReport:
    compressor: str
    lossless: bool
    tokenizer: str
    checks: list[Check] = field(default_factory=list)
    #: statistics of the compressor and the reference on the same inputs (``stats`` columns + ms_per_1k_tokens)
    stats: list[dict] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures()

    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == "FAIL"]

    def summary(self) -> str:
        """One line per failed check (empty when the contract holds)."""
        return "\n".join(f"{self.compressor}: {c.name}: {c.detail}" for c in self.failures())

    def render(self, fmt: str = "markdown") -> str:
        from ..results.tables import render_rows, to_json

        if fmt == "json":
            return to_json(
                {
                    "compressor": self.compressor,
                    "lossless": self.lossless,
                    "tokenizer": self.tokenizer,
                    "passed": self.passed,
                    "checks": [c.__dict__ for c in self.checks],
                    "stats": self.stats,
                }
            )
        kind = "lossless" if self.lossless else "lossy"
        head = f"Contract of {self.compressor} ({kind}), tokenizer {self.tokenizer}: " + (
            "PASS" if self.passed else f"FAIL ({len(self.failures())} of {len(self.checks)} checks)"
        )
        checks = render_rows([{"check": c.name, "result": c.status, "detail": c.detail} for c in self.checks])
        stats = render_rows(self.stats, "markdown", display=_stats_display) if self.stats else ""
        return f"{head}\n\n{checks}\n\n{stats}".rstrip()


def _stats_display(rows: list[dict]) -> list[dict]:
    from ..results.metrics import format_value

    pct = ("length_reduction", "attention_reduction", "lossless_rate")
    return [
        {
            "inputs": r["inputs"],
            "compressor": r["compressor"],
            "n": r["examples"],
            "mean tokens in": f"{r['mean_tokens_raw']:.1f}",
            "mean tokens out": f"{r['mean_tokens']:.1f}",
            **{k.replace("_", " "): format_value("percent", r[k]) for k in pct},
            "ms / 1k tokens": f"{r['ms_per_1k_tokens']:.3f}",
        }
        for r in rows
    ]


# -- statistics against the reference --------------------------------------------------------------
def stats_rows(label: str, outcomes: list[Outcome]) -> list[dict]:
    """``stats`` columns per input group (tasks and the long input), plus milliseconds per 1,000 tokens."""
    from ..engine.stats import aggregate

    rows = []
    for group in dict.fromkeys(o.case.group for o in outcomes if o.case.group not in ("adversarial", "random")):
        done = [o for o in outcomes if o.case.group == group and o.error is None]
        if not done:
            continue
        recs = [_stats_record(o) for o in done]
        tokens = sum(len(o.case.ids) for o in done)
        rows.append(
            {
                "inputs": group,
                "compressor": label,
                **aggregate(recs),
                "ms_per_1k_tokens": 1e6 * sum(o.seconds for o in done) / tokens if tokens else 0.0,
            }
        )
    return rows


def _stats_record(o: Outcome) -> dict:
    """The ``stats`` fields of an outcome without an error (:func:`~harness.contract.checks.run_case` then set
    ``ids`` and ``compressed``)."""
    assert o.ids is not None and o.compressed is not None
    return {
        "raw_tokens": len(o.case.ids),
        "input_tokens": len(o.ids),
        "round_trip_ok": o.round_trip,
        "codec_seconds": o.seconds,
        "dictionary_entries": o.compressed.dictionary_entries,
        "compressed_tokens": len(o.ids),
        "target_tokens": o.compressed.target_tokens,
    }


def _ms_per_1k(outcomes: list[Outcome], long: bool) -> str:
    done = [
        o
        for o in outcomes
        if o.error is None and (o.case.group == "long input") == long and o.case.group not in ("adversarial", "random")
    ]
    tokens = sum(len(o.case.ids) for o in done)
    return f"{1e6 * sum(o.seconds for o in done) / tokens:.3f}" if tokens else "—"


def speed_check(label: str, outcomes: list[Outcome], reference: str | None, ref_outcomes: list[Outcome]) -> Check:
    def speeds(name, outs):
        return f"{name}: {_ms_per_1k(outs, False)} on task prompts, {_ms_per_1k(outs, True)} on the long input"

    detail = "ms of compress per 1,000 input tokens, " + speeds(label, outcomes)
    return Check("speed", "INFO", detail + (f"; reference {speeds(reference, ref_outcomes)}" if reference else ""))
