"""Plots (matplotlib, headless): the leaderboard's accuracy/compute trade-off and ``stats``' length reduction.

The file's extension picks the format (``.png`` or ``.svg``). Output is reproducible: SVG
files carry no date and a fixed id salt, so the same rows draw the same file.

- :func:`leaderboard_plot`: one panel per task, accuracy against attention-compute
  reduction (1 - Σn_c²/Σn_raw²), one point per cell (compressor and rate, model), error
  bars from the 95% Wilson interval, lossless compressors as filled circles and lossy ones
  as open triangles, the Pareto front (no other point is both more accurate and cheaper)
  dashed, the majority-class baseline dotted.
- :func:`stats_plot`: ``stats`` rows, length reduction against context length (mean raw
  prompt tokens of each task), one line per compressor.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..core.errors import HarnessError, missing_package

PLOT_FORMATS = (".png", ".svg")


def check_plot_path(path) -> Path:
    """``path`` as a Path, after checking its extension and that its folder exists (before any work)."""
    path = Path(path)
    if path.suffix.lower() not in PLOT_FORMATS:
        raise HarnessError(f"--plot {path}: the file name must end in .png or .svg (the extension picks the format)")
    if not path.parent.is_dir():
        raise HarnessError(f"--plot {path}: folder {path.parent} does not exist; create it or pass another path")
    return path


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise missing_package("matplotlib", "plots", "pip install 'matplotlib>=3.8,<4'") from None
    matplotlib.use("Agg")  # headless: never opens a window, needs no display
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, path) -> None:
    path = Path(path)
    with plt.rc_context({"svg.hashsalt": "ltsc-bench"}):
        metadata = {"Date": None} if path.suffix.lower() == ".svg" else {}
        try:
            fig.savefig(path, dpi=130, bbox_inches="tight", metadata=metadata)
        except OSError as exc:
            raise HarnessError(f"cannot write plot {path}: {exc.strerror or exc}") from None
        finally:
            plt.close(fig)


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point dominates (higher or equal on both axes, higher on one),
    ordered by x."""
    front = [i for i, (x, y) in enumerate(points) if not any(a >= x and b >= y and (a > x or b > y) for a, b in points)]
    return sorted(front, key=lambda i: points[i])


def _colors(names) -> dict:
    """One colour per compressor family (the name before ``@``), stable across panels."""
    families = sorted({n.partition("@")[0] for n in names} - {"raw"})
    palette = [
        "#1f77b4",
        "#2ca02c",
        "#d62728",
        "#9467bd",
        "#ff7f0e",
        "#8c564b",
        "#e377c2",
        "#17becf",
        "#bcbd22",
        "#7f7f7f",
    ]
    return {"raw": "#222222", **{f: palette[i % len(palette)] for i, f in enumerate(families)}}


def _point_label(row: dict, many_models: bool) -> str:
    label = row["compressor"] + (" (raw-trained)" if row.get("trained_on") == "raw" else "")
    if many_models:
        label += f" | {row['model']}"
    return label + (f" | {row['config_diff']}" if row.get("config_diff") else "")


def _label_offsets(ax, points: list[tuple], labels: list[str], size: float = 7) -> list[float]:
    """Vertical offsets (points) that keep labels apart: from the top point down, each label takes the first of
    4, -10, 14, -20, ... points above its marker where its (estimated) box overlaps no label placed before."""
    box, fig = ax.get_position(), ax.figure
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    sx = box.width * fig.get_figwidth() * 72 / (x1 - x0)  # points per data unit
    sy = box.height * fig.get_figheight() * 72 / (y1 - y0)
    placed: list[tuple[float, float, float, float]] = []  # (left, right, bottom, top) of each label placed
    out = [0.0] * len(points)
    for i in sorted(range(len(points)), key=lambda i: (-points[i][1], points[i][0])):
        left = points[i][0] * sx + 6
        right = left + 0.6 * size * len(labels[i])
        for dy in (4, -10, 14, -20, 24, -30, 34, -40, 44, -50):
            bottom = points[i][1] * sy + dy
            if not any(left < r and lo < right and bottom < t and b < bottom + size + 2 for lo, r, b, t in placed):
                break
        placed.append((left, right, bottom, bottom + size + 2))
        out[i] = dy
    return out


def _panel(ax, rows: list[dict], colors: dict) -> None:
    many_models = len({r["model"] for r in rows}) > 1
    points = [(100 * (r.get("attention_reduction") or 0.0), 100 * r["accuracy"]) for r in rows]
    xs = [p[0] for p in points]
    ax.set_xlim(min(0.0, min(xs)) - 3, max(xs) + max(15.0, 0.4 * (max(xs) - min(xs))))
    ax.set_ylim(-4, 104)
    labels = [_point_label(r, many_models) for r in rows]
    for r, (x, y), label, dy in zip(rows, points, labels, _label_offsets(ax, points, labels)):
        color = colors[r["compressor"].partition("@")[0]]
        low, high = r.get("ci_low"), r.get("ci_high")
        err = [[max(0.0, y - 100 * low)], [max(0.0, 100 * high - y)]] if low is not None and high is not None else None
        lossless = r.get("lossless") is not False
        ax.errorbar(
            [x],
            [y],
            yerr=err,
            fmt="o" if lossless else "^",
            color=color,
            markersize=7,
            capsize=3,
            markerfacecolor=color if lossless else "white",
            markeredgewidth=1.5,
            zorder=3,
        )
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(6, dy), fontsize=7)
    front = pareto_front(points)
    ax.plot([points[i][0] for i in front], [points[i][1] for i in front], "--", color="#888888", zorder=2)
    majority = [r["majority_baseline"] for r in rows if r.get("majority_baseline") is not None]
    if majority:
        ax.axhline(100 * max(majority), linestyle=":", color="#888888", zorder=1)
    ax.grid(alpha=0.3)


def _legend_handles():
    from matplotlib.lines import Line2D

    return [
        Line2D([], [], marker="o", color="#444444", linestyle="", label="lossless"),
        Line2D([], [], marker="^", color="#444444", markerfacecolor="white", linestyle="", label="lossy"),
        Line2D([], [], linestyle="--", color="#888888", label="Pareto front"),
        Line2D([], [], linestyle=":", color="#888888", label="majority class"),
    ]


def leaderboard_plot(rows: list[dict], path) -> Path:
    """Accuracy against attention-compute reduction, one panel per task (see the module docstring)."""
    path = check_plot_path(path)
    if not rows:
        raise HarnessError("nothing to plot: the leaderboard has no rows")
    plt = _pyplot()
    tasks = sorted({r["task"] for r in rows})
    cols = min(3, len(tasks))
    nrows = math.ceil(len(tasks) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(6.2 * cols, 4.6 * nrows), squeeze=False)
    colors = _colors(r["compressor"] for r in rows)
    for ax, task in zip(axes.flat, tasks):
        _panel(ax, [r for r in rows if r["task"] == task], colors)
        ax.set_title(task, fontsize=10)
        ax.set_xlabel("attention-compute reduction, 1 − Σn_c²/Σn_raw² (%)", fontsize=8)
        ax.set_ylabel("accuracy (%), 95% CI", fontsize=8)
    for ax in list(axes.flat)[len(tasks) :]:
        ax.set_visible(False)
    fig.legend(handles=_legend_handles(), fontsize=8, loc="lower center", ncol=4, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    _save(plt, fig, path)
    return path


def stats_plot(rows: list[dict], path) -> Path:
    """``stats`` rows: length reduction against context length (mean raw prompt tokens), per compressor."""
    path = check_plot_path(path)
    if not rows:
        raise HarnessError("nothing to plot: no statistics rows")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 5))
    colors = _colors(r["compressor"] for r in rows)
    markers = "osDvP*Xhp<>"
    for i, comp in enumerate(dict.fromkeys(r["compressor"] for r in rows)):
        mine = sorted((r for r in rows if r["compressor"] == comp), key=lambda r: r["mean_tokens_raw"])
        lossless = mine[0].get("lossless_rate") is not None
        color = colors[comp.partition("@")[0]]
        ax.plot(
            [r["mean_tokens_raw"] for r in mine],
            [100 * r["length_reduction"] for r in mine],
            marker=markers[i % len(markers)] if lossless else "^",
            color=color,
            label=comp,
            linewidth=1.2,
            linestyle="-" if lossless else "--",
            markerfacecolor=color if lossless else "white",
        )
    lengths = {}  # a task's label sits at the length its largest sample measured
    for r in sorted(rows, key=lambda r: r.get("examples") or 0):
        lengths[r["task"]] = r["mean_tokens_raw"]
    if max(lengths.values()) > 4 * max(1.0, min(lengths.values())):
        from matplotlib.ticker import FuncFormatter

        ax.set_xscale("log")
        for axis in (ax.xaxis.set_major_formatter, ax.xaxis.set_minor_formatter):
            axis(FuncFormatter(lambda v, _: f"{v:g}" if f"{v:g}"[0] in "125" else ""))
        ax.tick_params(axis="x", which="minor", labelsize=7)
    for task, x in lengths.items():
        ax.text(x, 1.01, task, transform=ax.get_xaxis_transform(), rotation=40, fontsize=7, ha="left", va="bottom")
    ax.set_xlabel(
        "context length: mean raw prompt tokens of the task" + (" (log scale)" if ax.get_xscale() == "log" else "")
    )
    ax.set_ylabel("length reduction, mean of 1 − n_c/n_raw (%)")
    mixed = len({r.get("examples") for r in rows}) > 1
    ax.set_title(
        f"tokenizer {', '.join(sorted({str(r.get('tokenizer')) for r in rows}))}: solid = lossless, dashed = "
        "lossy" + ("\nrows measured on fewer examples sit at their own sample's mean length" if mixed else ""),
        fontsize=9,
        pad=40,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    _save(plt, fig, path)
    return path
