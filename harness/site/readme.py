"""A small, strict Markdown subset for the results READMEs: headings, paragraphs, bullet lists, pipe tables
(as sortable tables) and inline code. Everything is escaped first; raw HTML is shown as text."""

from __future__ import annotations

import re
from functools import partial

from .html import Column, esc, table, tag

_CODE = re.compile(r"``(.+?)``|`([^`]+)`")
_PROVENANCE = re.compile(r"^- (?:run \d+ of \d+: )?command: `(.+?)`")
_STARTED = re.compile(r"started (\S+), finished (\S+)")


def inline(text: str) -> str:
    """Escaped ``text`` with `code` spans marked up."""
    out, pos = [], 0
    for m in _CODE.finditer(text):
        out.append(esc(text[pos : m.start()]) + tag("code", esc(m.group(1) or m.group(2))))
        pos = m.end()
    return "".join(out) + esc(text[pos:])


def _cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def _table(lines: list[str]) -> str:
    header, rows = _cells(lines[0]), [_cells(x) for x in lines[2:]]
    columns = [Column(h, partial(_cell, k), partial(_cell_number, k)) for k, h in enumerate(header)]
    return table(columns, [list(r) for r in rows])


def _cell(k: int, row: list[str]) -> str:
    return row[k] if k < len(row) else ""


def _cell_number(k: int, row: list[str]) -> float | None:
    return _number(_cell(k, row))


def _number(text: str) -> float | None:
    """A cell's sort value: the leading number of ``1,049,966``, ``12.5%``, ``0.80x`` (None for text)."""
    m = re.match(r"^[+-]?\d[\d,]*(\.\d+)?", text.strip())
    return float(m.group(0).replace(",", "")) if m else None


def _block(lines: list[str]) -> str:
    if len(lines) > 1 and lines[0].lstrip().startswith("|") and set(lines[1].replace("|", "").strip()) <= set("-: "):
        return _table(lines)
    if all(x.lstrip().startswith("- ") or x.startswith("  ") for x in lines) and lines[0].startswith("- "):
        items: list[list[str]] = []
        current: list[str] = []
        for x in lines:
            if x.startswith("- ") and current:
                items.append(current)
                current = []
            current.append(x.lstrip()[2:] if x.lstrip().startswith("- ") else x.strip())
        items.append(current)
        return tag("ul", "".join(tag("li", "<br>".join(inline(p) for p in item)) for item in items))
    heading = re.match(r"^(#{1,4}) (.*)", lines[0])
    if heading and len(lines) == 1:
        level = min(len(heading.group(1)) + 1, 4)
        return tag(f"h{level}", inline(heading.group(2)))
    return tag("p", inline(" ".join(x.strip() for x in lines)))


def render(text: str, skip_title: bool = True) -> str:
    """``text`` (Markdown) as HTML; the first ``# title`` line is left out when ``skip_title``, and image lines
    always (the pages show the images they copy)."""
    lines = [x for x in text.splitlines() if not x.startswith("![")]
    if skip_title and lines and lines[0].startswith("# "):
        lines = lines[1:]
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines + [""]:
        if not line.strip() or (line.startswith("#") and not current):
            if current:
                blocks.append(current)
            current = [line] if line.strip() else []
            if line.startswith("#"):
                blocks.append(current)
                current = []
        else:
            current.append(line)
    return "\n".join(_block(b) for b in blocks if b)


def sections(text: str) -> dict[str, str]:
    """``## heading`` -> its text; "" -> the text before the first one (the ``# title`` line left out)."""
    out: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
        elif not (line.startswith("# ") and not out):
            out[current] = out.get(current, "") + line + "\n"
    return out


def provenance(text: str) -> dict:
    """``command``, ``started``, ``finished`` and ``intro`` (first paragraph) of a README written by the harness."""
    out = {"command": None, "started": None, "finished": None, "intro": ""}
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip() and not p.lstrip().startswith("#")]
    out["intro"] = " ".join(paragraphs[0].split()) if paragraphs else ""
    for line in text.splitlines():
        if out["command"] is None and (m := _PROVENANCE.match(line)):
            out["command"] = m.group(1)
        if out["started"] is None and (m := _STARTED.search(line)):
            out["started"], out["finished"] = m.group(1), m.group(2).rstrip(",")
    return out
