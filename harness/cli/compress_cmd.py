"""``ltsc-bench compress [FILE|-] --tokenizer NAME --compressor NAME [--param k=v ...] [--json]``."""

from __future__ import annotations

import json
import re
import sys
import time

from ..core.errors import HarnessError
from ..core.spec import Spec, parse_params


def add_parser(sub, name):
    p = sub.add_parser(name, help="compress one text (or id list) and print statistics")
    p.add_argument("file", nargs="?", default="-", help="input file, or - for standard input (default)")
    p.add_argument(
        "--tokenizer", default="cl100k_base", help="tokenizer name (default: cl100k_base; see `list tokenizers`)"
    )
    p.add_argument("--compressor", default="ltsc", help="compressor NAME or NAME@key=value,... (default: ltsc)")
    p.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="compressor parameter (repeatable)"
    )
    p.add_argument(
        "--ids", action="store_true", help="the input is token ids (JSON list or whitespace/comma separated), not text"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--print-ids", action="store_true", help="also print the compressed ids (in JSON: field 'ids')")
    p.set_defaults(handler=run)


def read_input(path: str) -> str:
    """The input text, exactly as given (no newline translation) and strictly UTF-8: a file and standard
    input are read the same way, and invalid bytes are an error, never U+FFFD."""
    where = "standard input" if path == "-" else f"input file {path!r}"
    try:
        if path == "-":
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        else:
            with open(path, "rb") as fh:
                data = fh.read()
        return data.decode("utf-8")
    except OSError as exc:
        raise HarnessError(f"cannot read {where}: {exc.strerror}; pass a readable UTF-8 text file or -") from None
    except UnicodeDecodeError as exc:
        raise HarnessError(
            f"cannot read {where}: not UTF-8 text ({exc.reason} at byte {exc.start}); "
            "pass UTF-8 text, or token ids with --ids"
        ) from None


def parse_ids(text: str) -> list[int]:
    text = text.strip()
    try:
        ids = json.loads(text) if text.startswith("[") else [int(t) for t in re.split(r"[\s,]+", text) if t]
    except ValueError:
        raise HarnessError(
            "--ids input must be a JSON list of integers or whitespace/comma separated integers"
        ) from None
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise HarnessError("--ids input must be a JSON list of integers")
    return ids


def compressor_spec(text: str, params: list[str]) -> Spec:
    """``NAME@k=v`` plus ``--param k=v``; a parameter given in both is an error (never last-wins)."""
    spec, extra = Spec.parse(text), parse_params(params)
    twice = sorted(set(spec.params) & set(extra))
    if twice:
        raise HarnessError(
            f"parameter {twice[0]!r} is given twice (in {text!r} and in --param); give each parameter once"
        )
    return Spec(spec.name, {**spec.params, **extra})


def run(args) -> int:
    from ..compressors import build_compressor
    from ..data.tokenizers import get_tokenizer

    tokenizer = get_tokenizer(args.tokenizer)
    compressor = build_compressor(compressor_spec(args.compressor, args.param), tokenizer)
    text = read_input(args.file)
    ids = parse_ids(text) if args.ids else tokenizer.encode(text)

    start = time.perf_counter()
    out = compressor.compress(ids)
    seconds = time.perf_counter() - start
    lossless = compressor.lossless and compressor.decompress(out.ids) == list(ids)

    report = {
        "tokenizer": tokenizer.name,
        "compressor": compressor.spec,
        "tokens_in": out.tokens_in,
        "tokens_out": out.tokens_out,
        "reduction": out.reduction,
        "attention_reduction": out.attention_reduction,
        "dictionary_entries": out.dictionary_entries,
        "dictionary_tokens": out.dictionary_tokens,
        "changed": out.changed,
        "seconds": seconds,
        "lossless": lossless,
    }
    if "round_trip_failed" in out.info:  # a peer whose own output failed to round-trip (we passed the input on)
        report["peer_round_trip_failed"] = out.info["round_trip_failed"]
    if args.print_ids:
        report["ids"] = out.ids
    if args.json:
        print(json.dumps(report))
    else:
        width = max(map(len, report))
        for key, value in report.items():
            shown = f"{value:.4f}" if isinstance(value, float) else value
            print(f"{key:<{width}}  {shown}")
    if compressor.lossless and not lossless:
        why = (
            "the peer's own output loses data (a known failure, counted as such)"
            if out.info.get("round_trip_failed")
            else "a bug: please report it"
        )
        print(f"ltsc-bench: error: {compressor.spec} failed to round-trip this input ({why})", file=sys.stderr)
        return 1
    return 0
