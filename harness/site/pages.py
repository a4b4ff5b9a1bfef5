"""The index and one page per results folder: leaderboard (sortable, filterable), plot, provenance."""

from __future__ import annotations

import functools
import json

from ..results.leaderboard import metric_columns
from ..results.metrics import format_value
from . import readme
from .html import Column, definition_list, esc, link, page, table, tag


def _compressor(r: dict) -> str:
    """The compressor, with the model's training input when it is not the compressor's own output."""
    trained = r.get("trained_on") or "self"
    return r["compressor"] + {"self": "", "raw": " (raw-trained model)"}.get(trained, f" (trained on {trained})")


def _field(name: str, r: dict) -> object:
    return r.get(name)


def _formatted_field(fmt: dict[str, str], name: str, r: dict) -> str:
    """The field ``name`` of ``r`` in its display format (``fmt``, by field name; default ``number``)."""
    return format_value(fmt.get(name, "number"), r.get(name))


LEADERBOARD = [
    Column("task", lambda r: r["task"], filter=True),
    Column("compressor", _compressor, filter=True),
    Column("model", lambda r: r["model"], filter=True),
]
CONFIG = Column("configuration", lambda r: r.get("config_diff") or "")


def leaderboard_columns(rows: list[dict]) -> list[Column]:
    """The site's leaderboard: task, compressor, model, configuration (where rows differ in it), then every metric
    placed on the site's leaderboard where it declared (:class:`harness.metrics.Place`)."""
    config = [CONFIG] if any(r.get("config_diff") for r in rows) else []
    metrics = [
        Column(header, text, functools.partial(_field, field)) for header, field, text in metric_columns(rows, "site")
    ]
    return LEADERBOARD + config + metrics


def identity_columns(rows: list[dict]) -> list[Column]:
    """The columns that tell ``rows`` apart: task and compressor (with its training input), then model and
    configuration where the rows differ in them."""
    cols = LEADERBOARD[:2] + ([LEADERBOARD[2]] if len({r["model"] for r in rows}) > 1 else [])
    return cols + ([CONFIG] if any(r.get("config_diff") for r in rows) else [])


def row_label(row: dict, rows: list[dict]) -> str:
    """``row`` named apart from ``rows`` (one task's): compressor, then model and configuration where they differ."""
    return " · ".join(str(c.text(row)) for c in identity_columns(rows)[1:])


def partial(folder) -> bool:
    """Was the folder published from a run that was still writing (``publish --partial``)?"""
    meta = folder.data.get("publish")
    return isinstance(meta, dict) and meta.get("partial") is True


PARTIAL = (
    "published from a run that was still writing (ltsc-bench publish --partial): some cells may have "
    "fewer examples than planned, or be missing"
)


def _partial_tag(folder) -> str:
    return " " + tag("span", "partial", class_="tag partial", title=PARTIAL) if partial(folder) else ""


def when(folder) -> str:
    return (folder.prov.get("finished") or folder.prov.get("started") or "")[:10]


def _headline(folder) -> str:
    """The card's numbers: a run's accuracy and length reduction per task and compressor, a statistics folder's
    mean length reduction per compressor over its tasks."""
    if folder.kind == "run":
        rows = folder.data["rows"]
        cols = [Column(c.header, c.text) for c in identity_columns(rows)]
        cols += [
            Column("accuracy", lambda r: format_value("percent", r["accuracy"]), lambda r: r["accuracy"]),
            Column(
                "length red.",
                lambda r: format_value("percent", r.get("length_reduction")),
                lambda r: r.get("length_reduction"),
            ),
        ]
        return table(cols, rows)
    if folder.kind == "stats":
        by: dict[str, list[float]] = {}
        for r in folder.data["rows"]:
            if r.get("length_reduction") is not None:
                by.setdefault(r["compressor"], []).append(r["length_reduction"])
        rows = [{"compressor": c, "v": sum(v) / len(v), "tasks": len(v)} for c, v in by.items()]
        cols = [
            Column("compressor", lambda r: r["compressor"]),
            Column("tasks", lambda r: r["tasks"], lambda r: r["tasks"]),
            Column("mean length red.", lambda r: format_value("percent", r["v"]), lambda r: r["v"]),
        ]
        return table(cols, rows)
    return tag("p", readme.inline(folder.prov.get("intro", "")[:400]))


def _card(folder) -> str:
    tasks = sorted({r["task"] for r in folder.data.get("rows", [])})
    models = sorted({r["model"] for r in folder.data.get("rows", []) if "model" in r})
    items = [
        ("kind", esc({"run": "published run", "stats": "compression statistics", "notes": "notes"}[folder.kind])),
        ("date", esc(when(folder) or "not recorded")),
        ("command", tag("code", esc(folder.prov.get("command") or "not recorded"))),
    ]
    items += [("model", esc(", ".join(models)))] if models else []
    items += [("tasks", esc(", ".join(tasks)))] if tasks else []
    items.append(
        (
            "page",
            link(
                f"{folder.name}/index.html",
                {
                    "run": "leaderboard, plot, per-example views, provenance",
                    "stats": "statistics table, plot, provenance",
                    "notes": "README",
                }[folder.kind],
            ),
        )
    )
    title = tag("h2", link(f"{folder.name}/index.html", folder.name) + _partial_tag(folder))
    body = title + definition_list(items) + _headline(folder)
    return tag("section", body, class_="card")


def index_page(folders: list) -> str:
    intro = tag(
        "p",
        f"{len(folders)} results folders. Tables sort by a click on a column header; leaderboards "
        "filter by task, compressor and model; each run links to per-example views of what every "
        "compressor's model read.",
    )
    return page("Results", intro + tag("div", "\n".join(_card(f) for f in folders), class_="cards"), "")


def _provenance(folder) -> str:
    from ..results.provenance import portable_meta

    meta, out = portable_meta(folder.data.get("meta") or {}), []  # no machine directory, even from an old folder
    for i, run in enumerate(meta.get("invocations") or [], 1):
        mach = run.get("machine") or {}
        packages = ", ".join(f"{k} {v}" for k, v in (run.get("packages") or {}).items() if v)
        out.append(
            tag("h3", f"invocation {i}")
            + definition_list(
                [
                    ("command", tag("code", esc(run.get("command")))),
                    ("started", esc(run.get("started_utc"))),
                    ("finished", esc(run.get("finished_utc"))),
                    ("wall time", esc(f"{run.get('wall_seconds')} s")),
                    ("git commit", tag("code", esc(run.get("git_commit")))),
                    (
                        "machine",
                        esc(
                            f"{mach.get('cpu')}, {mach.get('cpu_count')} CPU cores, GPU: "
                            f"{', '.join(mach.get('gpus') or []) or 'none'}; {mach.get('platform')}"
                        ),
                    ),
                    ("packages", esc(packages)),
                ]
            )
        )
    if not out:
        out.append(tag("p", "The run recorded no provenance (no run_meta.json)."))
    source = (folder.data.get("publish") or {}).get("source")
    if source:
        out.append(tag("p", "Published from " + tag("code", esc(source)) + "."))
    if folder.data.get("config"):
        out.append(
            tag(
                "details",
                tag("summary", "run configuration (run_config.json)")
                + tag("pre", esc(json.dumps(folder.data["config"], indent=2))),
            )
        )
    return "\n".join(out)


def run_page(folder, examples_html: str) -> str:
    rows, note = folder.data["rows"], (folder.data.get("publish") or {}).get("note")
    parts = (
        [tag("p", tag("span", "partial", class_="tag partial") + esc(f" This folder was {PARTIAL}."), class_="warn")]
        if partial(folder)
        else []
    )
    parts += [tag("p", readme.inline(note))] if note else []
    parts += [tag("h2", "Leaderboard"), table(leaderboard_columns(rows), rows, id_="leaderboard")]
    if "leaderboard.png" in folder.images:
        parts += [
            tag("h2", "Accuracy against attention-compute reduction"),
            '<img class="plot" src="leaderboard.png" alt="accuracy against attention-compute reduction per task, '
            'with the Pareto front">',
        ]
    parts += [tag("h2", "Examples: what each model read"), examples_html, tag("h2", "Provenance"), _provenance(folder)]
    return page(folder.name, "\n".join(parts), "../", [("", folder.name)])


def stats_page(folder) -> str:
    rows = folder.data["rows"]
    keys = list(dict.fromkeys(k for r in rows for k in r))
    fmt = {
        k: "percent"
        for k in (
            "length_reduction",
            "length_reduction_pooled",
            "attention_reduction",
            "lossless_rate",
            "answer_retention",
            "rate_adherence",
        )
    }
    cols = [
        Column(
            k,
            functools.partial(_formatted_field, fmt, k),
            functools.partial(_field, k),
            filter=k in ("task", "compressor"),
        )
        for k in keys
    ]
    sections = readme.sections(folder.readme)
    parts = [readme.render(sections.get("", "")), tag("h2", "Statistics"), table(cols, rows, id_="stats")]
    if "stats.png" in folder.images:
        parts.append('<img class="plot" src="stats.png" alt="length reduction against context length">')
    how = "How it was produced"
    parts += [tag("h2", how), readme.render(sections.get(how, ""))] if how in sections else []
    return page(folder.name, "\n".join(parts), "../", [("", folder.name)])


def notes_page(folder) -> str:
    files = tag("p", "Files: " + ", ".join(tag("code", esc(f)) for f in folder.data["files"]))
    return page(folder.name, readme.render(folder.readme) + files, "../", [("", folder.name)])
