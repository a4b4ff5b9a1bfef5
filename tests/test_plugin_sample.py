"""The docs' "Extending" recipes (docs/extending.md), followed literally by the sample plugin in tests/plugin_sample.

The plugin is installed (pip, no network, no build isolation) into a temporary folder that
is put on PYTHONPATH of subprocesses, so its entry points register a task, a lossless and
a lossy compressor, a model and a metric exactly as a third-party package's would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

PLUGIN = ROOT / "tests" / "plugin_sample"


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("plugin-site")
    source = tmp_path_factory.mktemp("plugin-src") / "plugin"
    shutil.copytree(
        PLUGIN, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )  # builds write in-tree
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(os.environ, PYTHONPATH=str(target))


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600
    )


def listed(env: dict, kind: str) -> set[str]:
    proc = cli(env, "list", kind, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return {row["name"] for row in json.loads(proc.stdout)}


def test_every_recipe_registers_through_its_entry_point(plugin_env):
    assert "echo" in listed(plugin_env, "tasks")
    assert {"pair-merge", "thin"} <= listed(plugin_env, "compressors")
    assert "bigram" in listed(plugin_env, "models")
    assert "prediction_chars" in listed(plugin_env, "metrics")
    assert listed(plugin_env, "backends") == {"local", "ray", "sequential"}
    assert "echo" not in listed(dict(os.environ), "tasks")  # only through the installed plugin


def test_plugin_task_and_compressors_in_stats(plugin_env):
    proc = cli(
        plugin_env,
        "stats",
        "--tasks",
        "echo@words=12",
        "--compressors",
        "raw",
        "pair-merge@min_count=2",
        "thin@rate=0.5",
        "--limit",
        "6",
        "--format",
        "json",
        "--no-progress",
    )
    assert proc.returncode == 0, proc.stderr
    rows = {r["compressor"]: r for r in json.loads(proc.stdout)}
    assert rows["pair-merge@min_count=2"]["lossless_rate"] == 1.0  # the round trip was checked, per example
    assert rows["thin@rate=0.5"]["lossless_rate"] is None
    assert rows["thin@rate=0.5"]["rate_adherence"] == pytest.approx(1.0)
    assert rows["thin@rate=0.5"]["mean_tokens"] < rows["raw"]["mean_tokens_raw"]


def test_plugin_model_runs_and_plugin_metric_shows_in_the_leaderboard(plugin_env, tmp_path):
    out = tmp_path / "run"
    proc = cli(
        plugin_env,
        "run",
        "--tasks",
        "echo",
        "--compressors",
        "raw",
        "pair-merge@min_count=2",
        "thin@rate=0.8",
        "--model",
        "bigram@dim=8",
        "--train-steps",
        "3",
        "--train-examples",
        "16",
        "--limit",
        "5",
        "--output",
        str(out),
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert len(records) == 15
    assert {r["round_trip_ok"] for r in records if r["compressor"] == "pair-merge@min_count=2"} == {True}
    proc = cli(plugin_env, "leaderboard", str(out), "--metrics", "prediction_chars", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    for row in json.loads(proc.stdout):
        mine = [len(r["prediction"]) for r in records if r["cell"] == row["cell"]]
        assert row["prediction_chars"] == pytest.approx(sum(mine) / len(mine))
    md = cli(plugin_env, "leaderboard", str(out), "--metrics", "prediction_chars")
    assert md.returncode == 0 and "prediction chars" in md.stdout.splitlines()[0]
    # registering the metric with a place is enough: no --metrics, no column list edited anywhere
    plain = cli(plugin_env, "leaderboard", str(out))
    header = [h.strip() for h in plain.stdout.splitlines()[0].strip("|").split("|")]
    assert header[-2:] == ["rate adherence", "prediction chars"], header
    rows = json.loads(cli(plugin_env, "leaderboard", str(out), "--format", "json").stdout)
    assert all(row["prediction_chars"] > 0 for row in rows)
    from harness.results.leaderboard import metric_columns

    assert "prediction chars" not in [h for h, _, _ in metric_columns(rows, "site")]  # not installed here: not shown


GRID = [
    "--tasks",
    "echo",
    "--compressors",
    "raw",
    "pair-merge@min_count=2",
    "--model",
    "bigram@dim=8",
    "--train-steps",
    "3",
    "--train-examples",
    "16",
    "--limit",
    "5",
    "--quiet",
]


def _records(out) -> dict:
    rows = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    return {(r["cell"], r["example_id"]): (r["prediction"], r["input_tokens"]) for r in rows}


def test_plugin_backend_runs_a_grid_from_the_command_line_and_from_evaluate(plugin_env, tmp_path):
    assert "sequential" in cli(plugin_env, "run", "--help").stdout  # a choice of --backend, with its own flag
    local = tmp_path / "local"
    assert cli(plugin_env, "run", *GRID, "--output", str(local)).returncode == 0
    out = tmp_path / "cli"
    proc = cli(
        plugin_env, "run", *GRID, "--backend", "sequential", "--sequential-order", "reverse", "--output", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    ran = [line for line in proc.stderr.splitlines() if line.startswith("sequential: ")]
    assert ran == ["sequential: echo | pair-merge@min_count=2", "sequential: echo | raw"]  # reversed, by the plugin
    assert _records(out) == _records(local)  # the backend never changes a cell or a record
    config = json.loads((out / "run_config.json").read_text())
    assert config["backend"] == "sequential" and config["backend_options"] == {"order": "reverse"}
    code = (
        "import sys\nfrom harness import evaluate\n"
        "r = evaluate(tasks=['echo'], compressors=['raw', 'pair-merge@min_count=2'], model='bigram@dim=8', "
        "train=dict(steps=3), train_examples=16, test_examples=5, progress=False, backend='sequential', "
        "backend_options={'order': 'grid'}, output=sys.argv[1])\n"
        "print(list(r.leaderboard['compressor']))\n"
    )
    api = tmp_path / "api"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(api)], capture_output=True, text=True, env=plugin_env, cwd=ROOT, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['raw', 'pair-merge@min_count=2']"
    assert [line for line in proc.stderr.splitlines() if line.startswith("sequential: ")] == [
        "sequential: echo | raw",
        "sequential: echo | pair-merge@min_count=2",
    ]
    assert _records(api) == _records(local)


def test_plugin_backend_options_are_checked_before_any_output(plugin_env, tmp_path):
    out = tmp_path / "out"
    proc = cli(
        plugin_env, "run", *GRID, "--backend", "sequential", "--sequential-order", "sideways", "--output", str(out)
    )
    assert proc.returncode == 2 and "--sequential-order must be grid or reverse, got 'sideways'" in proc.stderr
    proc = cli(plugin_env, "run", *GRID, "--sequential-order", "reverse", "--output", str(out))
    assert (
        proc.returncode == 2
        and (
            "--sequential-order applies to --backend sequential, not local; add --backend "
            "sequential or drop --sequential-order"
        )
        in proc.stderr
    )
    assert not out.exists()
