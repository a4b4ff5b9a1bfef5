"""results/: every committed table is re-rendered from its committed records, so no number is hand-edited."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from harness.engine.stats import compression_stats, render_stats
from harness.results.leaderboard import compute_rows, read_dir, render
from harness.results.publish import PLOT, TABLES

RESULTS = ROOT / "results"
PUBLISHED = sorted(p.parent for p in RESULTS.glob("*/records.jsonl.gz"))
STATS = sorted(p.parent for p in RESULTS.glob("stats-*/stats.json"))
#: stats columns that are timings (not reproducible)
TIMING = ("codec_ms",)


def test_every_promised_folder_is_there():
    names = {p.name for p in RESULTS.iterdir() if p.is_dir()}
    assert {"codec", "stats-cl100k_base", "stats-llama3", "default-suite", "tree-curriculum"} <= names
    assert {p.name for p in PUBLISHED} >= {"default-suite", "tree-curriculum"}
    for folder in (RESULTS / n for n in names if not n.startswith((".", "_"))):
        assert "command: `" in (folder / "README.md").read_text(), f"{folder.name}: README names no command"


@pytest.mark.parametrize("folder", PUBLISHED, ids=lambda p: p.name)
def test_published_leaderboards_re_render_identically(folder):
    rows = compute_rows(read_dir(folder))
    for ext, fmt in TABLES.items():
        assert (folder / f"leaderboard.{ext}").read_text() == render(rows, fmt) + "\n", (
            f"{folder.name}/leaderboard.{ext}"
        )
    readme = (folder / "README.md").read_text()
    assert render(rows, "markdown") in readme and f"]({PLOT})" in readme and (folder / PLOT).is_file()
    assert "ltsc-bench run" in readme and "git commit: `" in readme


@pytest.mark.parametrize("folder", STATS, ids=lambda p: p.name)
def test_stats_tables_render_from_their_rows(folder):
    rows = json.loads((folder / "stats.json").read_text())
    assert (folder / "stats.md").read_text() == render_stats(rows, "markdown") + "\n"
    assert (folder / "stats.csv").read_text() == render_stats(rows, "csv") + "\n"
    assert render_stats(rows, "markdown") in (folder / "README.md").read_text()


@pytest.mark.parametrize("folder", STATS, ids=lambda p: p.name)
def test_cheap_stats_rows_recompute(folder):
    """The raw and ltsc rows of recall, measured again here, equal the committed ones (timings aside)."""
    committed = [
        r
        for r in json.loads((folder / "stats.json").read_text())
        if r["task"] == "recall" and r["compressor"] in ("raw", "ltsc")
    ]
    assert len(committed) == 2
    fresh = compression_stats(
        ["recall"],
        ["raw", "ltsc"],
        committed[0]["tokenizer"],
        limit=committed[0]["examples"],
        seed=committed[0]["seed"],
        progress=False,
    )
    for old, new in zip(committed, fresh):
        for key in old:
            if key not in TIMING:
                assert (
                    new.get(key) == pytest.approx(old[key]) if isinstance(old[key], float) else new.get(key) == old[key]
                ), key


def test_codec_benchmark_output_is_saved_unedited():
    text = (RESULTS / "codec" / "codec.md").read_text()
    assert text.startswith("Corpus: CPython") and "Targets (measured in this run):" in text
    assert text.strip() in (RESULTS / "codec" / "README.md").read_text()
    assert "results/regenerate.py codec" in (RESULTS / "codec" / "README.md").read_text()


def test_site_is_the_build_of_the_committed_folders(tmp_path):
    """results/site/ is exactly what `results/regenerate.py site` builds from the committed folders."""
    import importlib.util

    from harness.site import build_site

    spec = importlib.util.spec_from_file_location("regenerate", RESULTS / "regenerate.py")
    regenerate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(regenerate)
    build_site(RESULTS, tmp_path / "site", regenerate.SITE_COMMAND)
    fresh = {p.relative_to(tmp_path / "site"): p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}
    committed = {p.relative_to(RESULTS / "site"): p.read_bytes() for p in (RESULTS / "site").rglob("*") if p.is_file()}
    assert sorted(map(str, fresh)) == sorted(map(str, committed)), "stale site: run results/regenerate.py site"
    stale = [str(k) for k in fresh if fresh[k] != committed[k]]
    assert not stale, f"stale site pages {stale[:5]}: run .venv/bin/python results/regenerate.py site"


@pytest.mark.parametrize("folder", PUBLISHED, ids=lambda p: p.name)
def test_stored_examples_recompute(folder):
    """The drill-down views of the cheap compressors, rebuilt here through the pipeline, equal the stored ones."""
    from harness.site.examples import compute, read_examples

    cheap = ("raw", "ltsc", "truncate", "random-drop")
    stored = [v for v in read_examples(folder) if v["compressor"].partition("@")[0] in cheap]
    assert stored and all(v.get("matches_record") for v in stored)
    assert compute(read_dir(folder), only={v["cell"] for v in stored}) == stored


@pytest.mark.parametrize("folder", sorted(RESULTS.glob("meta-init-*")), ids=lambda p: p.name)
def test_initialisation_study_table_re_renders_from_its_records(folder):
    """The study table leading a meta-init folder's README is benchmarks/meta_init.py's rendering of its records."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("meta_init", ROOT / "benchmarks" / "meta_init.py")
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    table = study.study_table(compute_rows(read_dir(folder)))
    assert table.count("\n") >= 3 and table in (folder / "README.md").read_text()
