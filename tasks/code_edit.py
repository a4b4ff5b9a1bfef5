"""Code editing over real code: pinned CPython standard-library files (design notes §3).

The offline counterpart of CommitPackFT: the context is an excerpt of ``lines``
consecutive lines of a real stdlib module (the manifest in :mod:`harness.corpora` pins
each file's SHA-256); the instruction asks for one precise edit (rename an identifier
everywhere, change a number on a quoted line, delete a quoted line, insert a comment
line after a quoted line) and the target is the whole edited excerpt, exactly. Lines
are quoted without their indentation, so only lines whose stripped text is unique in
the excerpt are used. Scored by exact match; ``edit_similarity`` is reported next to it.
"""

from __future__ import annotations

import builtins
import functools
import keyword
import re

from ..core.validate import positive_int
from ..data import corpora
from .base import Task
from .registry import tasks
from .scoring import edit_similarity
from .windows import Question, Window, WindowSource, chunks, window_task

IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.])")
RESERVED = set(keyword.kwlist) | set(dir(builtins)) | {"self", "cls"}
RENAME_SUFFIXES = ("_new", "_v2", "_alt", "_tmp")
COMMENTS = ("# TODO: review", "# NOTE: checked", "# see issue 1234", "# keep in sync")


#: the CommitPackFT prompt of the K-Token-Merging code (typo included), shared by both code tasks
EDIT_PREFIX = "Update the old python code content based on the instrutions.\nOld Content: "


def edit_suffix(instruction: str) -> str:
    """The part after the code, holding the instruction."""
    return f"\nInstructions: {instruction}\nNew Content:\n"


def _unique_lines(lines: list[str]) -> list[int]:
    stripped = [line.strip() for line in lines]
    return [i for i, s in enumerate(stripped) if len(s) >= 4 and stripped.count(s) == 1 and "`" not in s]


def renames(code: str) -> list[Question]:
    names = IDENTIFIER.findall(code)
    out = []
    for name in sorted(set(names)):
        if len(name) < 3 or name in RESERVED or names.count(name) < 2:
            continue
        new = next((name + s for s in RENAME_SUFFIXES if name + s not in names), None)
        if new:
            target = functools.partial(re.sub, rf"\b{name}\b", new, code)
            out.append(
                Question(f"replace every whole-word occurrence of `{name}` with `{new}`.", target, {"edit": "rename"})
            )
    return out


def line_edits(code: str) -> list[Question]:
    lines = code.split("\n")
    out = []
    for i in _unique_lines(lines):
        line, quoted = lines[i], lines[i].strip()
        numbers = NUMBER.findall(line)
        for number in sorted(set(numbers)):
            if numbers.count(number) == 1:
                target = functools.partial(_replace_line, lines, i, _bump(line, number))
                out.append(
                    Question(
                        f"on the line `{quoted}`, change the number {number} to {int(number) + 1}.",
                        target,
                        {"edit": "literal"},
                    )
                )
        out.append(
            Question(
                f"delete the line `{quoted}`.", functools.partial(_replace_line, lines, i, None), {"edit": "delete"}
            )
        )
        comment = COMMENTS[i % len(COMMENTS)]
        indent = line[: len(line) - len(line.lstrip())]
        out.append(
            Question(
                f"after the line `{quoted}`, insert the comment line `{comment}` with the same indentation.",
                functools.partial(_replace_line, lines, i, line + "\n" + indent + comment),
                {"edit": "insert"},
            )
        )
    return out


def _bump(line: str, number: str) -> str:
    return NUMBER.sub(lambda m: str(int(number) + 1) if m.group() == number else m.group(), line)


def _replace_line(lines: list[str], i: int, new: str | None) -> str:
    """The excerpt with line ``i`` replaced by ``new`` (which may hold several lines) or deleted (None)."""
    return "\n".join(lines[:i] + ([] if new is None else [new]) + lines[i + 1 :])


def edit_questions(w: Window) -> list[Question]:
    return [
        Question(edit_suffix(q.suffix[0].upper() + q.suffix[1:]), q.target, q.meta)
        for q in renames(w.context) + line_edits(w.context)
    ]


@tasks.register("code_edit")
def code_edit(lines: int = 80, per_window: int = 4) -> Task:
    """Apply one exact edit to an excerpt of a real CPython stdlib file (offline CommitPackFT counterpart)"""
    lines, per_window = positive_int("lines", lines), positive_int("per_window", per_window)

    def windows():
        out = []
        for rel, text in corpora.stdlib_files():
            for start, block in chunks(text.split("\n"), lines):
                out.append(Window(f"{rel}:{start + 1}", EDIT_PREFIX, "\n".join(block)))
        return out

    source = WindowSource("code_edit", windows, edit_questions, per_window)
    return window_task(
        "code_edit",
        f"Exact code edit (rename / literal / delete / insert) on {lines}-line excerpts of "
        "pinned CPython stdlib files; target = the whole edited excerpt",
        f"CPython {corpora.STDLIB_PYTHON} standard library ({len(corpora.STDLIB_MANIFEST)} files pinned by sha256)",
        source,
        extra_scorers={"edit_similarity": edit_similarity},
    )
