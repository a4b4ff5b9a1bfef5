"""Are two runs the same computation? Compare their records field by field, timings aside.

    .venv/bin/python benchmarks/identical_records.py RUN_A RUN_B

For refactors that must not change behaviour (the default suite before and after, on the same machine and seed):
records are matched by ``(cell, example_id)`` and every field is compared except measured times
(``prefill_seconds``, ``codec_seconds``). Exit 0 when identical, 1 when not (the differing fields are listed).
"""

from __future__ import annotations

import sys
from collections import Counter

from harness.results.layouts import read_dir

#: fields that are measurements of time, not results
TIMING = ("prefill_seconds", "codec_seconds")


def differences(a: list[dict], b: list[dict]) -> tuple[set, set, Counter]:
    """Keys only in A, keys only in B, and how often each field differs on the common keys."""
    ka = {(r["cell"], r["example_id"]): r for r in a}
    kb = {(r["cell"], r["example_id"]): r for r in b}
    fields: Counter = Counter()
    for key in ka.keys() & kb.keys():
        ra, rb = ka[key], kb[key]
        for name in (set(ra) | set(rb)) - set(TIMING):
            if ra.get(name) != rb.get(name):
                fields[name] += 1
    return set(ka) - set(kb), set(kb) - set(ka), fields


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    a, b = read_dir(argv[0]), read_dir(argv[1])
    only_a, only_b, fields = differences(a, b)
    print(
        f"records: {len(a)} vs {len(b)}; only in A: {len(only_a)}, only in B: {len(only_b)}; "
        f"differing fields (timings aside): {dict(sorted(fields.items())) or 'none'}"
    )
    return 0 if not (only_a or only_b or fields) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
