"""Plots: headless PNG and SVG by extension, reproducible SVG, the Pareto front, one-line errors."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.results.plots import pareto_front


def test_pareto_front():
    points = [(0, 100), (40, 100), (40, 70), (20, 50), (60, 30), (60, 10)]
    assert pareto_front(points) == [1, 4]  # (0, 100) is dominated by (40, 100); ties on both axes stay
    assert pareto_front([(1, 1), (1, 1)]) == [0, 1]


def _records(directory):
    directory.mkdir()
    recs = []
    for comp, tokens, lossless in (("raw", 100, True), ("ltsc", 70, True), ("truncate@rate=match:ltsc", 70, False)):
        for i in range(10):
            recs.append(
                {
                    "cell": comp,
                    "comparison": "c",
                    "example_id": str(i),
                    "task": "recall",
                    "compressor": comp,
                    "model": "tiny",
                    "tokenizer": "cl100k_base",
                    "seed": 0,
                    "train_steps": 5,
                    "input_tokens": tokens,
                    "raw_tokens": 100,
                    "correct": i < (9 if lossless else 5),
                    "target": "a",
                    "round_trip_ok": True if lossless else None,
                    "prefill_seconds": 0.001,
                }
            )
    (directory / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    return str(directory)


def test_leaderboard_plot_png_and_reproducible_svg(tmp_path, capsys):
    run = _records(tmp_path / "run")
    assert main(["leaderboard", run, "--plot", str(tmp_path / "a.png")]) == 0
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in ("a.svg", "b.svg"):
        assert main(["leaderboard", run, "--plot", str(tmp_path / name)]) == 0
    svg = (tmp_path / "a.svg").read_text()
    assert "<svg" in svg and svg == (tmp_path / "b.svg").read_text()
    assert "| recall" in capsys.readouterr().out


def test_stats_plot(tmp_path):
    path = tmp_path / "stats.svg"
    assert (
        main(
            [
                "stats",
                "--tasks",
                "recall",
                "tree@stage=small",
                "--compressors",
                "raw",
                "ltsc",
                "truncate@rate=0.5",
                "--limit",
                "3",
                "--no-progress",
                "--plot",
                str(path),
            ]
        )
        == 0
    )
    assert "<svg" in path.read_text()


@pytest.mark.parametrize("plot, needle", [("out.pdf", "must end in .png or .svg"), ("nodir/out.png", "does not exist")])
def test_bad_plot_paths_fail_before_any_work(tmp_path, capsys, plot, needle):
    run = _records(tmp_path / "run")
    assert main(["leaderboard", run, "--plot", str(tmp_path / plot)]) == 2
    assert main(["stats", "--tasks", "recall", "--plot", str(tmp_path / plot)]) == 2
    err = capsys.readouterr().err
    assert err.count(needle) == 2 and len(err.strip().splitlines()) == 2
