"""Codec benchmark: length reduction, speed and memory of the meta-token codecs vs the delta-ltsc peer.

    .venv/bin/python benchmarks/codec.py            # the full table (2-4 minutes on 2 cores)
    .venv/bin/python benchmarks/codec.py --quick    # one or two sequences per length, degenerate inputs of 100,000

Data: the top-level ``*.py`` files of the running CPython's standard library, sorted by
name, concatenated and tokenized with cl100k_base (the table's header names the
Python version, file count and a SHA-256 of the text). Sequences of each length are
cut at evenly spaced offsets. Every output is checked to decompress to its input;
the peer's failures are counted, and its reduction is averaged over the sequences
where it round-trips (an output that loses data is no reference). Times are medians
of one codec call per sequence (the peer: its own compression time); peak memory is
measured in a separate, untimed call under tracemalloc. Prints Markdown.

Then the degenerate inputs (``--degenerate N``, default 1,000,000 tokens): one token repeated, and
uniformly random 0/1 ids, compressed by ``ltsc``, ``ltsc-opt`` and ``ltsc-nested`` in the same run, with
the check that the improved codecs' output is never longer than ``ltsc``'s.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import statistics
import sys
import sysconfig
import time
import tracemalloc
from pathlib import Path

from harness.compressors import build_compressor, compressors
from harness.core.errors import HarnessError
from harness.data.tokenizers import get_tokenizer

IMPROVED = ["ltsc-opt", "ltsc-nested"]
OURS = ["ltsc", *IMPROVED]
DELTA_DEFAULT, DELTA_FLAT = "delta-ltsc", "delta-ltsc@hierarchical=false"
PEERS = [DELTA_DEFAULT, DELTA_FLAT]
FULL = {512: 16, 2048: 16, 8192: 4, 65536: 1}
QUICK = {512: 2, 2048: 2, 8192: 1, 65536: 1}  # a prefix of FULL's sequences
#: length of the degenerate inputs (one token repeated; uniformly random 0/1 ids), full run and --quick
DEGENERATE, DEGENERATE_QUICK = 1_000_000, 100_000


def corpus(tokenizer, need: int) -> tuple[list[int], str]:
    """Tokens of the sorted top-level stdlib files, at least ``need`` of them, and a description."""
    files = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    ids: list[int] = []
    digest = hashlib.sha256()
    used = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        digest.update(text.encode())
        ids += tokenizer.encode(text)
        used += 1
        if len(ids) >= need:
            break
    about = (
        f"CPython {platform.python_version()} stdlib, first {used} top-level .py files by name "
        f"({files[0].name} .. {files[used - 1].name}), {len(ids):,} cl100k_base tokens, "
        f"text sha256 {digest.hexdigest()[:16]}"
    )
    return ids, about


CORPUS_TOKENS = 16 * 65536


def sequences(ids: list[int], length: int, count: int) -> list[list[int]]:
    """The first ``count`` of the full plan's sequences: evenly spaced over the corpus."""
    full = FULL[length]
    step = (len(ids) - length) // (full - 1) if full > 1 else 0
    return [ids[i * step : i * step + length] for i in range(count)]


def measure(comp, seqs: list[list[int]]) -> dict:
    """Reduction over round-tripping sequences, failures, median seconds."""
    comp.compress(seqs[0][:256])  # warm-up (imports, first-call overheads)
    reductions, seconds, failures, entries = [], [], 0, []
    for seq in seqs:
        start = time.perf_counter()
        out = comp.compress(seq)
        elapsed = time.perf_counter() - start
        seconds.append(out.info.get("peer_seconds", elapsed))
        entries.append(out.dictionary_entries)
        if out.info.get("round_trip_failed") or comp.decompress(out.ids) != seq:
            failures += 1
            reductions.append(None)
        else:
            peer_out = out.info.get("peer_tokens_out")
            reductions.append(1 - (peer_out if peer_out is not None else out.tokens_out) / len(seq))
    return {
        "reductions": reductions,
        "seconds": statistics.median(seconds),
        "failures": failures,
        "entries": statistics.mean(entries),
    }


def peak_mib(comp, seq: list[int]) -> float:
    tracemalloc.start()
    try:
        comp.compress(seq)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def failure_sample(codecs: dict, ids: list[int], length: int, count: int) -> list[str]:
    """Round-trip failures of the peers on ``count`` more sequences (no timing): a rate, not an anecdote."""
    seqs = [ids[i * ((len(ids) - length) // (count - 1)) :][:length] for i in range(count)]
    lines = []
    for name in PEERS:
        if name in codecs:
            res = measure(codecs[name], seqs)
            lines.append(
                f"{name}: {res['failures']}/{count} {length:,}-token sequences fail to round-trip "
                f"({100 * res['failures'] / count:.1f}%)"
            )
    return lines


def build_codecs(tok, peers: bool, notes: list[str]) -> dict:
    """Our codecs, plus the peer's when asked for and installed (else a note says why not)."""
    codecs = {name: build_compressor(name, tok) for name in OURS}
    if peers:
        try:
            codecs.update({name: build_compressor(name, tok) for name in PEERS})
            codecs[DELTA_DEFAULT].compress([1, 2])
        except HarnessError as exc:
            notes.append(f"delta-ltsc rows skipped: {exc}")
            for name in PEERS:
                codecs.pop(name, None)
    return codecs


def table_row(name: str, length: int, seqs: list, res: dict, delta: dict | None, comp) -> dict:
    mem = None if name in PEERS else peak_mib(comp, seqs[0])
    speedup = delta["seconds"] / res["seconds"] if delta and name not in PEERS else None
    return {
        "tokens": f"{length:,}",
        "codec": name,
        "seqs": len(seqs),
        "reduction": pct(mean(res["reductions"])),
        "entries": f"{res['entries']:.0f}",
        "median s": f"{res['seconds']:.4f}",
        "× faster than delta": "—" if speedup is None else f"{speedup:,.0f}×",
        "round-trip failures": f"{res['failures']}/{len(seqs)}",
        "peak MiB": "—" if mem is None else f"{mem:.1f}",
        "bytes/token": "—" if mem is None else f"{mem * 2**20 / length:,.0f}",
    }


def run(plan: dict[int, int], peers: bool, sample: int = 0, degenerate: int = 0) -> None:
    tok = get_tokenizer("cl100k_base")
    ids, about = corpus(tok, CORPUS_TOKENS)
    notes: list[str] = []
    codecs = build_codecs(tok, peers, notes)
    slow_above = compressors.get("delta-ltsc").factory.slow_above
    rows, checks = [], []
    for length, count in plan.items():
        seqs = sequences(ids, length, count)
        results = {
            name: measure(comp, seqs) for name, comp in codecs.items() if not (name in PEERS and length > slow_above)
        }
        rows += [
            table_row(name, length, seqs, res, results.get(DELTA_DEFAULT), codecs[name])
            for name, res in results.items()
        ]
        full_pool = [name for name in OURS if results[name]["entries"] >= codecs[name].pool_size]
        if full_pool:
            notes.append(
                f"{length:,} tokens: {', '.join(full_pool)} used the whole meta-token pool "
                f"({codecs[full_pool[0]].pool_size:,} ids); a larger pool_size would compress more"
            )
        if DELTA_DEFAULT not in results and peers and length > slow_above:
            notes.append(
                f"{length:,} tokens: delta-ltsc skipped (superlinear; above {slow_above:,} tokens one call takes "
                "minutes)"
            )
        checks += target_checks(length, results)
    report(about, rows, notes, checks, codecs, ids, sample)
    if degenerate:
        from tabulate import tabulate

        rows, checks = degenerate_rows(codecs, degenerate)
        print(
            f"\nDegenerate inputs ({degenerate:,} tokens; seconds of one call, peak memory of another under "
            "tracemalloc):\n"
        )
        print(tabulate(rows, headers="keys", tablefmt="github", disable_numparse=True))
        print()
        for line in checks:
            print(f"- {line}")


def degenerate_inputs(n: int) -> dict[str, list[int]]:
    """Inputs on which a ranking by savings can go wrong: all equal (one run, every length) and random binary
    (short frequent runs that fragment the input)."""
    import numpy as np

    return {"identical": [7] * n, "random binary": np.random.default_rng(0).integers(0, 2, n).tolist()}


def degenerate_rows(codecs: dict, n: int) -> tuple[list[dict], list[str]]:
    """Our codecs on the degenerate inputs, in this run: tokens out, time, peak memory; and the checks that
    no improved codec does worse than ``ltsc`` there."""
    rows, checks = [], []
    for kind, seq in degenerate_inputs(n).items():
        out = {}
        for name in OURS:
            start = time.perf_counter()
            res = codecs[name].compress(seq)
            seconds = time.perf_counter() - start
            if codecs[name].decompress(res.ids) != seq:
                raise HarnessError(f"{name} failed to round-trip the {kind} input")
            out[name] = res.tokens_out
            mem = peak_mib(codecs[name], seq)
            rows.append(
                {
                    "input": f"{kind}, {n:,} tokens",
                    "codec": name,
                    "tokens out": f"{res.tokens_out:,}",
                    "entries": res.dictionary_entries,
                    "s": f"{seconds:.2f}",
                    "peak MiB": f"{mem:.0f}",
                    "bytes/token": f"{mem * 2**20 / n:,.0f}",
                }
            )
        for name in IMPROVED:
            ok = "PASS" if out[name] <= out["ltsc"] else "FAIL"
            checks.append(f"{kind} ({n:,}): {name} {out[name]:,} tokens ≤ ltsc {out['ltsc']:,}: {ok}")
    return rows, checks


def report(
    about: str, rows: list[dict], notes: list[str], checks: list[str], codecs: dict, ids: list[int], sample: int
):
    from tabulate import tabulate

    print(
        f"Corpus: {about}. Machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}.\n"
    )
    print(tabulate(rows, headers="keys", tablefmt="github", disable_numparse=True))
    print(
        "\nReduction = mean over sequences of 1 - tokens_out/tokens_in, dictionary and delimiters included; "
        "delta's rows average only the sequences it round-trips."
    )
    for note in notes:
        print(f"- {note}")
    if sample and any(name in codecs for name in PEERS):
        print(
            f"\nPeer round-trip failure rate on a larger sample ({sample} evenly spaced sequences of 2,048 tokens):\n"
        )
        for line in failure_sample(codecs, ids, 2048, sample):
            print(f"- {line}")
    print("\nTargets (measured in this run):\n")
    for line in checks:
        print(f"- {line}")


def target_checks(length: int, results: dict) -> list[str]:
    """The issue's acceptance targets, evaluated on this run's numbers."""
    lines = []
    ok = lambda flag: "PASS" if flag else "FAIL"  # noqa: E731
    ours = results["ltsc"]
    flat, default = results.get(DELTA_FLAT), results.get(DELTA_DEFAULT)
    if flat:
        a, b = mean(ours["reductions"]), mean(flat["reductions"])
        lines.append(f"{length:,}: ltsc reduction {pct(a)} ≥ delta flat {pct(b)}: {ok(b is None or a >= b)}")
    for name in IMPROVED:
        a, b = mean(results[name]["reductions"]), mean(ours["reductions"])
        lines.append(f"{length:,}: {name} reduction {pct(a)} > ltsc {pct(b)}: {ok(a > b)}")
    if default:
        kept = [i for i, r in enumerate(default["reductions"]) if r is not None]
        b = mean([default["reductions"][i] for i in kept])
        for name in IMPROVED:
            a = mean([results[name]["reductions"][i] for i in kept])
            lines.append(
                f"{length:,}: {name} reduction {pct(a)} ≥ delta default {pct(b)} on the {len(kept)} sequences "
                f"delta round-trips ({default['failures']} it does not): {ok(b is None or a >= b)}"
            )
        if length == 8192:
            for name in OURS:
                ratio = default["seconds"] / results[name]["seconds"]
                lines.append(
                    f"8,192: {name} {ratio:,.0f}× faster than delta default (target ≥ 100×): {ok(ratio >= 100)}"
                )
    if length == 65536:
        for name in OURS:
            s = results[name]["seconds"]
            lines.append(f"65,536: {name} {s:.3f} s (target < 1 s): {ok(s < 1)}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one or two sequences per length")
    parser.add_argument("--no-peers", action="store_true", help="skip delta-ltsc")
    parser.add_argument(
        "--failure-sample",
        type=int,
        default=None,
        metavar="N",
        help="also count delta-ltsc's round-trip failures on N sequences of 2,048 tokens (default: 64, 0 with --quick)",
    )
    parser.add_argument(
        "--degenerate",
        type=int,
        default=None,
        metavar="N",
        help=f"length of the degenerate inputs (default {DEGENERATE:,}, {DEGENERATE_QUICK:,} with --quick; "
        "0 skips them)",
    )
    args = parser.parse_args(argv)
    try:
        sample = args.failure_sample if args.failure_sample is not None else (0 if args.quick else 64)
        degenerate = (
            args.degenerate if args.degenerate is not None else (DEGENERATE_QUICK if args.quick else DEGENERATE)
        )
        run(QUICK if args.quick else FULL, peers=not args.no_peers, sample=sample, degenerate=degenerate)
    except HarnessError as exc:
        print(f"codec benchmark: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
