"""The one owner of results on disk: what each kind of folder holds, and how its records are read and written.

Three layouts, each with a reader registered in :data:`LAYOUTS` (tried in order; a plugin adds its own
with :func:`register_layout`):

- ``lm-eval``: lm-eval output written through ``ltsc-bench lm-eval`` (``results_*.json``, samples, the
  request log), read as records by :mod:`harness.interop.lm_eval_results`;
- ``run``: an ``ltsc-bench run`` directory: ``records.jsonl`` (:mod:`harness.records`), ``run_config.json``,
  ``run_meta.json`` (:mod:`harness.provenance`), ``checkpoints/``, ``.lock`` (:mod:`harness.lock`);
- ``published``: a folder written by ``ltsc-bench publish``: ``records.jsonl.gz`` (:func:`write_records_gz`),
  ``publish.json`` (``partial`` marks a run published while still writing), README, tables, plot,
  ``examples.jsonl.gz``.

Every reader checks each record (:func:`harness.records.check_record`) and upgrades older ones
(:func:`harness.records.upgrade`); :func:`merge_dirs` reads several folders, each (cell, example) once.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import HarnessError
from .records import RECORDS_FILE, check_record, read_records, upgrade

PUBLISHED_RECORDS = "records.jsonl.gz"
PUBLISH_META = "publish.json"


@dataclass(frozen=True)
class Layout:
    """A kind of results folder: ``detect(path)`` says whether ``path`` is one, ``read(path)`` gives its records."""

    name: str
    detect: Callable[[Path], bool]
    read: Callable[[Path], list[dict]]


def write_records_gz(records: list[dict], path: Path) -> None:
    """``records`` as gzip'd JSON lines, byte-for-byte reproducible (no timestamp in the gzip header)."""
    payload = "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in records).encode()
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as fh:
        fh.write(payload)


def read_published(path: Path) -> list[dict]:
    """The records of a published folder's ``records.jsonl.gz``, each checked like a run's."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise HarnessError(
            f"cannot read records file {path}: {getattr(exc, 'strerror', None) or exc}; the folder is "
            "malformed: publish it again with `ltsc-bench publish`"
        ) from None
    out = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            rec = None
        if not isinstance(rec, dict):
            raise HarnessError(f"{path}:{lineno} is not a JSON record; the folder is malformed: publish it again")
        check_record(rec, f"{path}:{lineno}")
        out.append(upgrade(rec))
    return out


def _is_lm_eval(path: Path) -> bool:
    from ..interop.lm_eval_results import is_lm_eval_output

    return is_lm_eval_output(path)


def _read_lm_eval(path: Path) -> list[dict]:
    from ..interop.lm_eval_results import read_lm_eval

    return read_lm_eval([path])


#: the layouts, in the order they are tried
LAYOUTS: list[Layout] = [
    Layout("lm-eval", _is_lm_eval, _read_lm_eval),
    Layout("run", lambda p: (p / RECORDS_FILE).is_file(), lambda p: read_records(p / RECORDS_FILE)),
    Layout("published", lambda p: (p / PUBLISHED_RECORDS).is_file(), lambda p: read_published(p / PUBLISHED_RECORDS)),
]


def register_layout(layout: Layout) -> None:
    """Add a kind of results folder (tried after the built-in ones)."""
    LAYOUTS.append(layout)


def records_file(directory: str | Path) -> Path:
    """The records of ``directory``: ``records.jsonl`` (a run) or ``records.jsonl.gz`` (a published folder)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise HarnessError(
            f"{directory} is not a directory; pass the --output directory of an `ltsc-bench run` "
            "or a results folder written by `ltsc-bench publish`"
        )
    for name in (RECORDS_FILE, PUBLISHED_RECORDS):
        if (directory / name).is_file():
            return directory / name
    raise HarnessError(
        f"{directory} holds neither {RECORDS_FILE} (a run directory) nor {PUBLISHED_RECORDS} "
        "(a published results folder); pass the --output directory of an `ltsc-bench run`"
    )


def layout_of(directory: str | Path) -> Layout:
    """The layout of ``directory`` (a one-line error naming what it lacks otherwise)."""
    path = Path(directory)
    for layout in LAYOUTS:
        if layout.detect(path):
            return layout
    records_file(path)  # raises the error that names what is missing
    raise HarnessError(f"{path} is no results folder ltsc-bench can read")  # not reached: records_file raised


def read_dir(directory: str | Path) -> list[dict]:
    """Every complete record of a run directory, a published folder, or lm-eval output written through
    ``ltsc-bench lm-eval`` (results, samples and request log, as records)."""
    return layout_of(directory).read(Path(directory))


def is_partial(directory) -> bool:
    """Whether ``directory`` is a folder published with ``--partial`` (``publish.json``'s ``partial``)."""
    try:
        return json.loads((Path(directory) / PUBLISH_META).read_text()).get("partial") is True
    except (OSError, ValueError, AttributeError):
        return False


def merge_dirs(directories, notify=None) -> list[dict]:
    """The records of several directories, each (cell, example) once: a duplicate (a directory read twice, a
    run and its published copy, a record written twice) is skipped and reported through ``notify(message)``."""
    seen: dict[tuple, str] = {}
    out = []
    for directory in directories:
        dups: dict[str, int] = {}
        for rec in read_dir(directory):
            key = (rec["cell"], rec["example_id"])
            if key in seen:
                dups[seen[key]] = dups.get(seen[key], 0) + 1
                continue
            seen[key] = str(directory)
            out.append(rec)
        if notify and is_partial(directory):
            notify(
                f"{directory} is a partial publication (its run was still writing when it was published): "
                "its cells are not final"
            )
        for first, count in dups.items():
            if notify:
                notify(
                    f"{directory}: {count} duplicate records (cell and example already read from {first}) "
                    "ignored, never counted twice"
                )
    return out
