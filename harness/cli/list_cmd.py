"""``ltsc-bench list {tasks,compressors,models,tokenizers,metrics,backends}``."""

from __future__ import annotations

import importlib

from ..results.tables import render_rows

# kind -> "module:function" returning a list of row dicts, each with a "name"
CATALOGS = {
    "tokenizers": "harness.core.catalog:tokenizer_rows",
    "compressors": "harness.core.catalog:compressor_rows",
    "tasks": "harness.core.catalog:task_rows",
    "models": "harness.core.catalog:model_rows",
    "metrics": "harness.core.catalog:metric_rows",
    "backends": "harness.core.catalog:backend_rows",
}


def add_parser(sub, name):
    p = sub.add_parser(name, help="list registered tasks, compressors, models, tokenizers, metrics or backends")
    p.add_argument("kind", choices=sorted(CATALOGS))
    p.add_argument("--format", choices=["markdown", "json", "csv"], default="markdown")
    p.set_defaults(handler=run)


def run(args) -> int:
    module, _, func = CATALOGS[args.kind].partition(":")
    rows = getattr(importlib.import_module(module), func)()
    print(render_rows(rows, args.format))
    return 0
