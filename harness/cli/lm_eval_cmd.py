"""``ltsc-bench lm-eval ...``: lm-eval's own command line with the compressing ``ltsc-hf`` model registered;
``--use_cache`` is keyed by model and model arguments, the request cache kept out of site-packages
(:mod:`harness.interop.lm_eval_cli`). Every argument is lm-eval's (``ltsc-bench lm-eval --help``)."""

from __future__ import annotations

import argparse


def add_parser(sub, name):
    p = sub.add_parser(
        name,
        add_help=False,
        prefix_chars="\0",
        help="lm-eval's command line with the ltsc-hf model (any compressor in front of a HF model)",
    )
    p.add_argument("lm_eval_args", nargs=argparse.REMAINDER, help="lm-eval's arguments")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..interop.lm_eval_cli import main

    return main(list(args.lm_eval_args))
