"""CommitPackFT code editing (``bigcode/commitpackft``), the paper's second task (design notes §3).

Prompt as in the K-Token-Merging code: the old file content is the context, the
commit subject the instruction, the new file content the target (exact match;
``edit_similarity`` is reported next to it).

Split (:mod:`harness.tasks.splits`): a row's unit key is its old file content, so rows
editing the same file content share a split; 1 in ``round(1 / test_fraction)`` is test
(default ``test_fraction=0.1``: about the published 5,600 test rows of the 56k-row
Python subset, though not the same rows as ``datasets``' seeded ``train_test_split``).
The seed orders the rows of a split.

Data: ``path=FILE.jsonl`` (rows in the CommitPackFT schema: ``old_contents``,
``new_contents``, ``subject``, ``commit``, ``old_file``...), or the dataset through the
optional ``datasets`` package from its local cache; the hub only with ``LTSC_ALLOW_HUB=1``.
"""

from __future__ import annotations

import functools
import json
import os

from ..core.errors import HarnessError, missing_package
from ..core.validate import text
from .base import Example, Task
from .code_edit import EDIT_PREFIX, edit_suffix
from .registry import tasks
from .scoring import edit_similarity
from .splits import check_split, period_of, rng, split_of

REQUIRED = ("old_contents", "new_contents", "subject")


def read_jsonl(path: str) -> list[dict]:
    rows = []
    try:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    raise HarnessError(
                        f"{path}:{lineno} is not valid JSON; pass a JSONL file in the CommitPackFT schema"
                    ) from None
                missing = [k for k in REQUIRED if not isinstance(row.get(k), str)]
                if missing:
                    raise HarnessError(
                        f"{path}:{lineno} lacks string field {missing[0]!r} (CommitPackFT schema: {', '.join(REQUIRED)})"
                    )
                rows.append(row)
    except OSError as exc:
        raise HarnessError(f"cannot read CommitPackFT file {path!r}: {exc.strerror}; pass path=FILE.jsonl") from None
    return rows


def load_hub(language: str) -> list[dict]:
    try:
        import datasets
    except ImportError:
        raise missing_package(
            "datasets",
            "the commitpackft task (or pass path=FILE.jsonl)",
            "pip install datasets, then cache bigcode/commitpackft or set LTSC_ALLOW_HUB=1",
        ) from None
    if os.environ.get("LTSC_ALLOW_HUB") != "1":
        os.environ["HF_DATASETS_OFFLINE"] = "1"
        os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        return list(datasets.load_dataset("bigcode/commitpackft", language, split="train"))
    except Exception as exc:  # noqa: BLE001  (datasets raises many kinds; all mean "not available here")
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HarnessError(
            f"bigcode/commitpackft ({language}) is not available locally ({first}); "
            "set LTSC_ALLOW_HUB=1 to download it, or pass path=FILE.jsonl"
        ) from None


def split_rows(rows: list[dict], period: int) -> dict[str, list[tuple[int, dict]]]:
    """(row index, row) of each split, in file order, keyed by the old file content."""
    out: dict[str, list[tuple[int, dict]]] = {"train": [], "test": []}
    for i, row in enumerate(rows):
        out[split_of(row["old_contents"], period)].append((i, row))
    return out


@tasks.register("commitpackft")
def commitpackft(path: str | None = None, language: str = "python", test_fraction: float = 0.1) -> Task:
    """CommitPackFT code editing (paper task): old file + commit subject -> new file"""
    if path is not None:
        text("path", path)
    text("language", language)
    period = period_of(test_fraction)

    @functools.cache
    def splits() -> dict[str, list[tuple[int, dict]]]:
        return split_rows(read_jsonl(path) if path else load_hub(language), period)

    def load(split: str, n: int | None, seed: int) -> list[Example]:
        check_split(split)
        chosen = list(splits()[split])
        if not chosen and n != 0:
            total = sum(map(len, splits().values()))
            raise HarnessError(
                f"commitpackft: no row of the {total} falls in the {split} split at "
                f"test_fraction={test_fraction}; pass more rows or a test_fraction nearer 0.5"
            )
        rng("commitpackft", "order", seed, split).shuffle(chosen)
        return [
            Example(
                id=f"commitpackft:{row.get('commit', i)}:{row.get('old_file', i)}",
                prefix=EDIT_PREFIX,
                context=row["old_contents"],
                suffix=edit_suffix(row["subject"]),
                target=row["new_contents"],
                meta={"unit": i},
            )
            for i, row in chosen[:n]
        ]

    return Task(
        name="commitpackft",
        description=f"CommitPackFT ({language}) code editing: old file + commit subject -> new file",
        source=path or f"bigcode/commitpackft ({language}) via datasets",
        load=load,
        offline=False,
        extra_scorers={"edit_similarity": edit_similarity},
        available=lambda: {s: len(r) for s, r in splits().items()},
        default_sizes={"train": 1000, "test": 200},
    )
