"""Per-example pages: for one task and example, every cell's input side by side with its answer.

The raw prompt; for a lossless meta-token compressor its dictionary as a table (meta-token -> what it stands
for) and what the model read with delimiters and meta-tokens marked; for a lossy one the raw prompt with the
tokens it dropped struck through (and any it wrote that the raw prompt lacks underlined); the prediction
against the target. All of it from the stored views (:mod:`.examples`) and the records.
"""

from __future__ import annotations

import hashlib
import re
from functools import partial

from .html import Column, definition_list, esc, link, page, table, tag
from .pages import row_label

EXAMPLE_DIR = "ex"


def slug(text: str) -> str:
    """A file name for ``text``: safe characters only, with a digest when any had to be replaced."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")[:60] or "x"
    return safe if safe == text else f"{safe}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"


def example_path(task: str, example_id: str) -> str:
    """An example page's path relative to its run page."""
    return f"{EXAMPLE_DIR}/{slug(task)}/{slug(example_id)}.html"


def segments_html(segments: list[list]) -> str:
    """Segments (:mod:`.views`) as markup: text escaped, meta-tokens and delimiters as labelled boxes."""
    out = []
    for seg in segments:
        kind = seg[0]
        if kind == "text":
            out.append(esc(seg[1]))
        elif kind in ("open", "close"):
            out.append(
                tag(
                    "span",
                    "&lt;Dict&gt;" if kind == "open" else "&lt;/Dict&gt;",
                    class_="delim",
                    title="dictionary delimiter",
                )
            )
        else:
            out.append(
                tag(
                    "span",
                    esc(seg[1]),
                    class_="mt",
                    title="meta-token" if kind == "meta" else "id above the vocabulary",
                )
            )
    return "".join(out)


def visible(text: str) -> str:
    """Escaped ``text`` with line breaks and tabs shown as symbols (a dictionary entry's exact run)."""
    return esc(text).replace("\n", tag("span", "↵", class_="ws")).replace("\t", tag("span", "⇥", class_="ws"))


def alignment_html(runs: list[list]) -> str:
    marks = {
        "keep": lambda t: esc(t),
        "drop": lambda t: tag("del", esc(t), class_="drop"),
        "insert": lambda t: tag("ins", esc(t), class_="ins"),
    }
    return "".join(marks[op](text) for op, text, _ in runs)


def _dictionary(view: dict) -> str:
    rows = view.get("dictionary") or []
    if not rows:
        return tag(
            "p",
            "No dictionary: nothing repeats enough to pay, so the model reads the raw prompt unchanged.",
            class_="muted",
        )
    cols = [
        Column(
            "meta-token",
            lambda r: tag("span", esc(r["label"]), class_="mt", title=f"id {r['id']}"),
            html=True,
            value=lambda r: int(r["label"][1:]),
        ),
        Column("stands for", lambda r: tag("code", visible(r["text"]), class_="run"), html=True),
        Column("tokens", lambda r: r["tokens"], lambda r: r["tokens"]),
        Column("uses", lambda r: r["uses"], lambda r: r["uses"]),
    ]
    spent = sum(r.get("cost", r["tokens"] + 1) for r in rows) + 2
    return (
        tag("h4", f"Dictionary: {len(rows)} entries, {spent} tokens with its delimiters")
        + table(cols, rows, id_=None).replace('class="sortable"', 'class="sortable dictionary"', 1)
        + tag("h4", f"What the model reads ({view['model_tokens']} tokens)")
        + tag("pre", segments_html(view["model_input"]), class_="prompt")
    )


def _lossy(view: dict) -> str:
    dropped = sum(n for op, _, n in view["alignment"] if op == "drop")
    added = sum(n for op, _, n in view["alignment"] if op == "insert")
    title = f"Raw prompt, {dropped} of {view['raw_tokens']} tokens dropped (struck through)"
    title += f", {added} written that the raw prompt lacks there (underlined)" if added else ""
    return tag("h4", title) + tag("pre", alignment_html(view["alignment"]), class_="prompt alignment")


BODY = {
    "raw": lambda v: tag("p", "Reads the raw prompt unchanged.", class_="muted"),
    "lossless": _dictionary,
    "lossy": _lossy,
}


def _answer(rec: dict | None) -> str:
    if rec is None:
        return tag("p", "No record for this example.", class_="muted")
    mark = tag("span", "✓ correct", class_="ok") if rec["correct"] else tag("span", "✗ wrong", class_="bad")
    score = "" if rec.get("score") in (0, 1, 0.0, 1.0, None) else f" (score {rec['score']:.3g})"
    return tag(
        "div",
        definition_list(
            [
                ("prediction", tag("pre", esc(rec["prediction"]), class_="prompt prediction")),
                ("target", tag("pre", esc(rec["target"]), class_="prompt")),
                ("result", mark + esc(score)),
            ]
        ),
        class_="answer",
    )


def _warnings(view: dict) -> str:
    notes = []
    if view.get("matches_record") is False:
        notes.append("Rebuilt input length differs from the recorded one: this view may not be what the model read.")
    if view.get("round_trip_ok") is False:
        notes.append("The round trip failed: the decompressed input differs from the raw one.")
    if view.get("answer_retained") is False:
        notes.append("The evidence the answer needs is not in what the model reads.")
    return "".join(tag("p", esc(n), class_="warn") for n in notes)


def panel(row: dict, view: dict | None, rec: dict | None) -> str:
    """One cell's column: compressor, model, lengths, answer, and its input."""
    head = tag("h3", esc(row["compressor"]) + " " + tag("span", esc(view["kind"] if view else ""), class_="tag"))
    about = row["model"] + (" (trained on raw prompts)" if row.get("trained_on") == "raw" else "")
    about += f"; {row['config_diff']}" if row.get("config_diff") else ""
    parts = [head, tag("p", esc(about), class_="muted mono")]
    if view is None or "error" in view:
        why = view["error"] if view else "this example was not stored for this cell"
        return tag(
            "section",
            "".join(parts) + _answer(rec) + tag("p", "No input view: " + esc(why), class_="warn"),
            class_="panel",
        )
    share = view["model_tokens"] / view["raw_tokens"] if view["raw_tokens"] else 1.0
    parts.append(tag("p", esc(f"{view['model_tokens']} tokens ({100 * share:.0f}% of raw {view['raw_tokens']})")))
    parts += [_answer(rec), _warnings(view), BODY[view["kind"]](view)]
    return tag("section", "".join(parts), class_="panel")


def _group(folder) -> dict[str, dict[str, dict[str, dict]]]:
    """task -> example id -> cell -> view, in stored order."""
    out: dict = {}
    for v in folder.data["examples"]:
        if "error" in v:
            continue
        out.setdefault(v["task"], {}).setdefault(v["example_id"], {})[v["cell"]] = v
    return out


def _errors(folder) -> dict[str, dict]:
    return {v["cell"]: v for v in folder.data["examples"] if "error" in v}


def example_page(folder, task: str, ids: list[str], k: int, views: dict, records: dict) -> str:
    """The page of example ``ids[k]`` of ``task``: a raw prompt panel, then one panel per cell of the task."""
    example_id, root = ids[k], "../../../"
    rows = [r for r in folder.data["rows"] if r["task"] == task]
    first = next(iter(views.values()))
    nav = [
        link(f"{slug(ids[k - 1])}.html", f"← {ids[k - 1]}") if k else "<span></span>",
        link(f"../../index.html#examples-{slug(task)}", "all examples"),
        link(f"{slug(ids[k + 1])}.html", f"{ids[k + 1]} →") if k + 1 < len(ids) else "<span></span>",
    ]
    target = next(
        (records[(r["cell"], example_id)]["target"] for r in rows if (r["cell"], example_id) in records), None
    )
    facts = definition_list(
        [
            ("task", tag("code", esc(task))),
            ("example", tag("code", esc(example_id))),
            ("tokenizer", esc(first["tokenizer"])),
            ("target", tag("code", esc(target))),
        ]
    )
    raw = tag(
        "section",
        tag("h3", "Raw prompt " + tag("span", f"{first['raw_tokens']} tokens", class_="tag"))
        + tag("pre", esc(first["raw_text"]), class_="prompt"),
        class_="panel",
    )
    errors = _errors(folder)
    panels = [
        panel(r, views.get(r["cell"]) or errors.get(r["cell"]), records.get((r["cell"], example_id))) for r in rows
    ]
    body = tag("div", "".join(nav), class_="pager") + facts + tag("div", raw + "".join(panels), class_="panels")
    crumbs = [("../../index.html", folder.name), (f"../../index.html#examples-{slug(task)}", task), ("", example_id)]
    return page(f"{task} · {example_id}", body, root, crumbs)


def _example_link(task: str, example_id: str) -> str:
    return link(example_path(task, example_id), example_id)


def _example_mark(records: dict, cell: str, example_id: str) -> str:
    """The mark of ``example_id`` in ``cell`` (empty when the cell has no record of it)."""
    return _mark(records.get((cell, example_id)))


def _mark(rec: dict | None) -> str:
    if rec is None:
        return ""
    return tag(
        "span", "✓" if rec["correct"] else "✗", class_="ok" if rec["correct"] else "bad", title=rec["prediction"]
    )


def example_pages(folder) -> tuple[str, dict[str, str]]:
    """(the run page's examples section, {path relative to the run page: page html})."""
    grouped, pages, sections = _group(folder), {}, []
    records = {(r["cell"], r["example_id"]): r for r in folder.data["records"]}
    for task, by_id in grouped.items():
        ids = list(by_id)
        for k, example_id in enumerate(ids):
            pages[example_path(task, example_id)] = example_page(folder, task, ids, k, by_id[example_id], records)
        rows = [r for r in folder.data["rows"] if r["task"] == task]
        cols = [Column("example", partial(_example_link, task), html=True, value=lambda e: None)]
        cols += [
            Column(row_label(r, rows), partial(_example_mark, records, r["cell"]), html=True, value=lambda e: None)
            for r in rows
        ]
        sections.append(tag("h3", esc(task), id=f"examples-{slug(task)}") + table(cols, ids))
    if not sections:
        why = (
            "; ".join(sorted({v["error"] for v in _errors(folder).values()}))
            or "this folder has no examples.jsonl.gz (publish it again: `ltsc-bench publish DIR DIR`)"
        )
        return tag("p", "No per-example views: " + esc(why), class_="muted"), {}
    intro = tag(
        "p",
        "Stored examples of each task (those on which the compressors disagree first); ✓/✗ is each "
        "cell's answer, its prediction on hover. Open one to see every input side by side.",
    )
    return intro + "\n".join(sections), pages
