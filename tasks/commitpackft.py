"""CommitPackFT code editing (``bigcode/commitpackft``), the paper's second task (design notes §3).

Prompt as in the K-Token-Merging code: the old file content is the context, the
commit subject the instruction, the new file content the target (exact match).
Split as ``datasets``' ``train_test_split(test_size=5600, seed=42)``: a
``numpy.random.default_rng(seed)`` permutation of the rows, the first ``test_size``
rows test, the rest train.

Data: ``path=FILE.jsonl`` (rows in the CommitPackFT schema: ``old_contents``,
``new_contents``, ``subject``, ``commit``, ``old_file``...), or the dataset through the
optional ``datasets`` package from its local cache; the hub only with ``LTSC_ALLOW_HUB=1``.
"""

from __future__ import annotations

import functools
import json
import os

from ..errors import HarnessError, missing_package
from . import tasks
from .base import Example, Task
from .code_edit import EDIT_PREFIX, edit_suffix
from .splits import check_split

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
                    raise HarnessError(f"{path}:{lineno} is not valid JSON; pass a JSONL file in the CommitPackFT schema") from None
                missing = [k for k in REQUIRED if not isinstance(row.get(k), str)]
                if missing:
                    raise HarnessError(f"{path}:{lineno} lacks string field {missing[0]!r} (CommitPackFT schema: {', '.join(REQUIRED)})")
                rows.append(row)
    except OSError as exc:
        raise HarnessError(f"cannot read CommitPackFT file {path!r}: {exc.strerror}; pass path=FILE.jsonl") from None
    return rows


def load_hub(language: str) -> list[dict]:
    try:
        import datasets
    except ImportError:
        raise missing_package("datasets", "the commitpackft task (or pass path=FILE.jsonl)",
                              "pip install datasets, then cache bigcode/commitpackft or set LTSC_ALLOW_HUB=1") from None
    if os.environ.get("LTSC_ALLOW_HUB") != "1":
        os.environ["HF_DATASETS_OFFLINE"] = "1"
        os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        return list(datasets.load_dataset("bigcode/commitpackft", language, split="train"))
    except Exception as exc:  # noqa: BLE001  (datasets raises many kinds; all mean "not available here")
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HarnessError(f"bigcode/commitpackft ({language}) is not available locally ({first}); "
                           "set LTSC_ALLOW_HUB=1 to download it, or pass path=FILE.jsonl") from None


@tasks.register("commitpackft")
def commitpackft(path: str | None = None, language: str = "python", test_size: int = 5600) -> Task:
    """CommitPackFT code editing (paper task): old file + commit subject -> new file"""
    if not isinstance(test_size, int) or test_size < 1:
        raise HarnessError(f"commitpackft: test_size must be a positive integer, got {test_size!r}")

    @functools.lru_cache(maxsize=None)
    def split_rows(seed: int) -> dict[str, list[tuple[int, dict]]]:
        import numpy as np

        rows = read_jsonl(path) if path else load_hub(language)
        if test_size >= len(rows):
            raise HarnessError(f"commitpackft: test_size={test_size} but the data has only {len(rows)} rows; pass a smaller test_size")
        order = np.random.default_rng(seed).permutation(len(rows))
        return {"test": [(int(i), rows[i]) for i in order[:test_size]],
                "train": [(int(i), rows[i]) for i in order[test_size:]]}

    def load(split: str, n: int | None, seed: int) -> list[Example]:
        check_split(split)
        chosen = split_rows(seed)[split][:n]
        return [Example(id=f"commitpackft:{row.get('commit', i)}:{row.get('old_file', i)}", prefix=EDIT_PREFIX,
                        context=row["old_contents"], suffix=edit_suffix(row["subject"]), target=row["new_contents"],
                        meta={"unit": i}) for i, row in chosen]

    return Task(name="commitpackft", description=f"CommitPackFT ({language}) code editing: old file + commit subject -> new file",
                source=path or f"bigcode/commitpackft ({language}) via datasets", load=load, offline=False,
                available=lambda: {s: len(r) for s, r in split_rows(42).items()},
                default_sizes={"train": 1000, "test": 200})
