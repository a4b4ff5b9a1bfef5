"""``ltsc-bench lm-eval ...``: lm-eval's own command line with the ``ltsc-hf`` model registered.

Every argument goes to lm-eval unchanged, except where its defaults are unsafe here:

- ``--use_cache PATH``: lm-eval keys cached answers on the prompt text only (lm-eval #2715),
  so a raw run and a compressed run sharing a database would answer for each other. The
  path becomes ``PATH-<model>-<hash of --model and --model_args>`` (lm-eval then appends
  ``_rank0.db``), so two models or two compressors never share entries; ``ltsc-hf`` also
  stamps its database and refuses one stamped by another configuration.
- ``--cache_requests``: lm-eval writes its request cache into site-packages unless
  ``LM_HARNESS_CACHE_PATH`` is set; it is set to ``<harness cache dir>/lm-eval/requests``
  unless the user set it.
- ``ltsc-hf`` logs raw and compressed lengths per request to ``ltsc_requests.jsonl`` in
  ``--output_path`` (``LTSC_LM_EVAL_LOG``, unless set); the results JSON names the log relative to
  ``--output_path`` (``LTSC_LM_EVAL_OUTPUT``), never by an absolute path.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from ..core.errors import missing_package

CACHE_ENV = "LM_HARNESS_CACHE_PATH"
LOG_NAME = "ltsc_requests.jsonl"


def cache_key(model: str | None, model_args) -> str:
    """A short hash of the model and its arguments (a dict, or lm-eval's ``k=v,...`` string)."""
    payload = json.dumps([model or "hf", model_args or {}], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


def safe_cache_path(path: str, model: str | None, model_args) -> str:
    """The ``--use_cache`` path of this model and model arguments (see the module docstring)."""
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in (model or "hf"))
    return f"{path}-{name}-{cache_key(model, model_args)}"


def output_dir(output_path: str) -> Path:
    """The folder of an lm-eval ``--output_path`` (a directory, or a results .json): it holds the request log, and
    the results JSON names the log relative to it."""
    out = Path(output_path)
    return out.parent if out.suffix == ".json" else out


def log_path(output_path: str) -> Path:
    """Where ``ltsc-hf`` logs its requests for an lm-eval ``--output_path`` (a directory, or a results .json)."""
    return output_dir(output_path) / LOG_NAME


def set_environment(env=os.environ) -> None:
    """Default ``LM_HARNESS_CACHE_PATH`` (before lm-eval is imported: it reads the variable at import)."""
    from ..core.env import cache_dir

    env.setdefault(CACHE_ENV, str(cache_dir() / "lm-eval" / "requests"))


def main(argv: list[str]) -> int:
    """Run lm-eval's command line on ``argv`` (without the program name) with ``ltsc-hf`` registered."""
    set_environment()
    try:
        import lm_eval.caching.cache as lm_cache
        from lm_eval._cli import HarnessCLI
        from lm_eval.utils import setup_logging
    except ImportError:
        raise missing_package("lm-eval", "ltsc-bench lm-eval", 'pip install "lm-eval[hf]==0.4.13"') from None
    lm_cache.PATH = os.environ[CACHE_ENV]  # in case lm-eval was imported before the variable was set
    from . import lm_eval_model  # noqa: F401  (registers ltsc-hf)
    from .lm_eval_model import LOG_ENV, OUTPUT_ENV

    setup_logging()
    parser = HarnessCLI()
    saved = sys.argv
    sys.argv = ["lm-eval", *argv]
    try:
        args = parser.parse_args()
    finally:
        sys.argv = saved
    saved_env = {name: os.environ.get(name) for name in (LOG_ENV, OUTPUT_ENV)}
    if getattr(args, "command", None) == "run":
        if args.use_cache:
            args.use_cache = safe_cache_path(args.use_cache, args.model, args.model_args)
        if args.output_path:
            if saved_env[LOG_ENV] is None:
                os.environ[LOG_ENV] = str(log_path(args.output_path))
            os.environ[OUTPUT_ENV] = str(output_dir(args.output_path))  # the results name the log relative to it
    try:
        parser.execute(args)
    finally:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return 0
