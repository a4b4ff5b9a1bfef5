"""The compressor contract (``ltsc-bench check``, :func:`harness.testing.check_compressor`, the pytest fixture).

Any compressor — built in, from a plugin's entry point, or a class in an author's own
test suite — is run on task prompts and on adversarial and property-based inputs
(:mod:`.contract_inputs`), and must:

- compress every valid input without raising, and reject input ids outside the
  tokenizer's range (they would collide with meta-tokens) with a :class:`HarnessError`;
- emit integer ids in ``0 .. vocab_size + extra_vocab - 1`` (``extra_vocab`` honoured);
- never return more tokens than it was given;
- if it claims ``lossless``: ``decompress(compress(x)) == x`` exactly, on every input,
  including one of at least 100,000 tokens;
- be deterministic: the same input gives the same output, twice in this process and in a
  fresh process with another hash seed (``PYTHONHASHSEED``).

It also measures speed (milliseconds of ``compress`` per 1,000 input tokens) and puts
the compressor's statistics next to a reference compressor's (``against``, ``ltsc`` by
default) on the same inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from ..core.errors import HarnessError
from .inputs import Case, adversarial_cases, long_case, task_cases
from .report import Check, ContractReport, Outcome, speed_check, stats_rows

DEFAULT_EXAMPLES = 10
LONG_TOKENS = 100_000
PROPERTIES = (
    "compresses valid input",
    "rejects out-of-range ids",
    "ids in range (extra_vocab)",
    "never longer than input",
    "exact round trip",
    "deterministic (same process)",
    "deterministic (fresh process)",
)


# -- building the compressor under test -----------------------------------------------------
def build(target, tokenizer, params: dict | None = None):
    """``(compressor, how a fresh process builds it)`` from a spec string, a class or an instance."""
    from ..compressors import Compressor, build_compressor

    params = dict(params or {})
    if isinstance(target, str):
        return build_compressor(target, tokenizer, **params), {"spec": target, "params": params}
    if isinstance(target, type) and issubclass(target, Compressor):
        comp = target(tokenizer, **params)
    elif isinstance(target, Compressor):
        comp, params = target, dict(target.params)
    else:
        raise HarnessError(f"cannot check {target!r}: pass a compressor name, a Compressor subclass or an instance")
    cls = type(comp)
    return comp, {"factory": f"{cls.__module__}:{cls.__qualname__}", "params": params}


def rebuild(recipe: dict, tokenizer):
    """The compressor a :func:`build` recipe describes (in another process)."""
    import importlib

    if "spec" in recipe:
        return build(recipe["spec"], tokenizer, recipe.get("params"))[0]
    module, _, qualname = recipe["factory"].partition(":")
    obj: Any = importlib.import_module(module)  # then the class (or factory) the recipe names in it
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj(tokenizer, **recipe["params"])


# -- running the cases ------------------------------------------------------------------------
def run_case(comp, case: Case) -> Outcome:
    start = time.perf_counter()
    try:
        out = comp.compress(list(case.ids), question=case.question)
    except Exception as exc:  # the contract reports any failure; it must not stop at the first
        return Outcome(case, error=f"{type(exc).__name__}: {exc}", seconds=time.perf_counter() - start)
    return Outcome(case, list(out.ids), seconds=time.perf_counter() - start, compressed=out)


def digest(outcomes: list[Outcome]) -> str:
    h = hashlib.sha256()
    for o in outcomes:
        h.update(json.dumps(o.ids if o.error is None else "error", default=str).encode() + b"\n")
    return h.hexdigest()


def _round_trip_ok(comp, o: Outcome) -> bool:
    try:
        return list(comp.decompress(o.ids)) == list(o.case.ids)
    except Exception:
        return False


def _ids_ok(ids, limit: int) -> bool:
    return all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < limit for i in ids)


def property_failures(comp, outcomes: list[Outcome], again: list[Outcome]) -> dict[str, list[str]]:
    """``{property: [descriptions of the failing cases]}`` over every case."""
    fails: dict[str, list[str]] = {name: [] for name in PROPERTIES}
    limit = comp.vocab_size + int(comp.extra_vocab)
    lossless = bool(comp.lossless)
    for o, o2 in zip(outcomes, again):
        if o.error is not None:
            fails["compresses valid input"].append(f"{o.case.name}: {o.error}")
            continue
        assert o.ids is not None  # no error: run_case set the output ids
        if not _ids_ok(o.ids, limit):
            bad = next(i for i in o.ids if not _ids_ok([i], limit))
            fails["ids in range (extra_vocab)"].append(f"{o.case.name}: id {bad!r} outside 0..{limit - 1}")
        if len(o.ids) > len(o.case.ids):
            fails["never longer than input"].append(f"{o.case.name}: {len(o.case.ids)} -> {len(o.ids)} tokens")
        if lossless and not o.round_trip:
            fails["exact round trip"].append(o.case.name)
        if o2.ids != o.ids:
            fails["deterministic (same process)"].append(f"{o.case.name}: two calls gave different outputs")
    for bad_id in (comp.vocab_size, -1):
        try:
            comp.compress([1, bad_id, 1])
            fails["rejects out-of-range ids"].append(f"input id {bad_id} accepted")
        except HarnessError:
            pass
        except Exception as exc:
            fails["rejects out-of-range ids"].append(
                f"input id {bad_id}: {type(exc).__name__}, not a one-line HarnessError"
            )
    return fails


# -- determinism in a fresh process ---------------------------------------------------------------
def fresh_process_digest(recipe: dict, tokenizer: str, cases: list[Case]) -> tuple[str | None, str]:
    """The digest of the outputs computed in a new Python process with another hash seed, or (None, why)."""
    seed = os.environ.get("PYTHONHASHSEED", "")
    env = dict(
        os.environ,
        PYTHONHASHSEED=str(int(seed) + 1) if seed.isdigit() else "1",
        PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
    )  # plugins and test modules stay importable
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cases.json")
        with open(path, "w") as fh:
            json.dump({"recipe": recipe, "tokenizer": tokenizer, "cases": [[c.ids, c.question] for c in cases]}, fh)
        proc = subprocess.run(
            [sys.executable, "-m", "harness.contract.checks", path],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return None, lines[-1] if lines else f"exit status {proc.returncode}"
    return proc.stdout.strip(), ""


def _fresh_check(recipe: dict, tokenizer: str, cases: list[Case], outcomes: list[Outcome]) -> Check:
    name = "deterministic (fresh process)"
    if "<locals>" in recipe.get("factory", "") or recipe.get("factory", "").startswith("__main__:"):
        return Check(
            name, "SKIP", "the class is not importable from another process (defined in a function or __main__)"
        )
    theirs, why = fresh_process_digest(recipe, tokenizer, cases)
    if theirs is None:
        return Check(name, "SKIP", f"could not rebuild it in a fresh process: {why}")
    if theirs != digest(outcomes):
        return Check(name, "FAIL", "a fresh process (another PYTHONHASHSEED) compressed the same inputs differently")
    return Check(name, "PASS", f"{len(cases)} inputs, same outputs in a fresh process with another hash seed")


def run_all(comp, cases: list[Case]) -> list[Outcome]:
    outcomes = [run_case(comp, c) for c in cases]
    if comp.lossless:
        for o in outcomes:
            if o.error is None:
                o.round_trip = _round_trip_ok(comp, o)
    return outcomes


def _as_check(name: str, failed: list[str], lossless: bool, total: int) -> Check:
    if name == "exact round trip" and not lossless:
        return Check(name, "SKIP", "lossy compressor: nothing to invert")
    if failed:
        return Check(
            name, "FAIL", f"{len(failed)} failing: " + "; ".join(failed[:3]) + (" ..." if len(failed) > 3 else "")
        )
    return Check(name, "PASS", f"{total} inputs" if name != "rejects out-of-range ids" else "ids vocab_size and -1")


def check_compressor(
    target,
    tokenizer="cl100k_base",
    *,
    params: dict | None = None,
    against: str | None = "ltsc",
    tasks=None,
    examples: int = DEFAULT_EXAMPLES,
    long_tokens: int = LONG_TOKENS,
    fresh_process: bool = True,
    notify=None,
) -> ContractReport:
    """Run the contract on ``target`` (a compressor spec, a Compressor subclass or an instance; ``params`` for a
    class) with ``tokenizer`` (a name or a Tokenizer); ``against``: the reference compressor of the statistics
    table (None: none); ``tasks``: task specs (None: every offline task); ``examples`` test prompts per task."""
    from ..core.validate import integer, positive_int
    from ..data.tokenizers import get_tokenizer

    positive_int("--examples", examples)
    integer("--long-tokens", long_tokens, 0)
    tok = get_tokenizer(tokenizer) if isinstance(tokenizer, str) else tokenizer
    comp, recipe = build(target, tok, params)
    ref = build(against, tok)[0] if against else None
    cases = task_cases(tasks, tok, examples, notify=notify)
    if comp.lossless and long_tokens:
        cases.append(long_case(tok.vocab_size, long_tokens))
    cases += adversarial_cases(tok.vocab_size)
    outcomes, again = run_all(comp, cases), run_all(comp, cases)
    fails = property_failures(comp, outcomes, again)
    checks = [_as_check(name, fails[name], comp.lossless, len(cases)) for name in PROPERTIES[:-1]]
    checks.append(
        _fresh_check(recipe, tok.name, cases, outcomes)
        if fresh_process
        else Check(PROPERTIES[-1], "SKIP", "not asked for")
    )
    label = str(target) if isinstance(target, str) else type(comp).__name__
    ref_label = (f"{against} (reference)" if against == label else against) if ref is not None else None
    ref_outcomes = run_all(ref, [c for c in cases if c.group not in ("adversarial", "random")]) if ref else []
    # ref_label is set whenever ref is (and stats_rows of no outcomes is no rows)
    mine, theirs = stats_rows(label, outcomes), stats_rows(ref_label, ref_outcomes) if ref_label is not None else []
    rows = [
        r for group in dict.fromkeys(r["inputs"] for r in mine + theirs) for r in mine + theirs if r["inputs"] == group
    ]
    checks.append(speed_check(label, outcomes, ref_label, ref_outcomes))
    return ContractReport(label, bool(comp.lossless), tok.name, checks, rows)


def _main(path: str) -> int:
    """Fresh-process half of the determinism check: print the digest of the outputs of the cases in ``path``."""
    from ..data.tokenizers import get_tokenizer

    with open(path) as fh:
        data = json.load(fh)
    comp = rebuild(data["recipe"], get_tokenizer(data["tokenizer"]))
    print(digest([run_case(comp, Case("", ids, question)) for ids, question in data["cases"]]))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
