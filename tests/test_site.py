"""`ltsc-bench site`: a static site from a published folder, its drill-down views, and a real headless browser.

The fixture is a published folder whose inputs come from the real pipeline (recall, cl100k_base; raw, ltsc,
ltsc-nested, truncate) and whose predictions are written here (no model is trained): the target, except a
few wrong answers and one crafted `<script>` prediction that must render as text.
"""

from __future__ import annotations

import json
import os

import pytest

from harness.cli import main
from harness.compressors import build_compressor
from harness.core.errors import HarnessError
from harness.data.tokenizers import get_tokenizer
from harness.engine.pipeline import Pipeline
from harness.results.publish import publish, write_records_gz
from harness.site import build_site
from harness.site.browser import Browser, find_chromium
from harness.site.examples import DISAGREE, EXAMPLES_FILE, LIMIT, read_examples
from harness.site.views import align_ops, alignment, dictionary_view, text_segments
from harness.tasks import build_task

TASK, N, SEED = "recall@records=6", 12, 0
COMPRESSORS = ("raw", "ltsc@pool_size=32", "ltsc-nested@pool_size=32", "truncate@rate=match:ltsc")
SCRIPT = "<script>document.title='pwned'</script>"


def _records() -> list[dict]:
    tok = get_tokenizer("cl100k_base")
    examples = build_task(TASK).examples("test", N, SEED)
    out = []
    for c, spec in enumerate(COMPRESSORS):
        comp = build_compressor(spec, tok)
        config = {
            "task": TASK,
            "compressor": spec,
            "compressor_config": comp.spec,
            "compressor_lossless": comp.lossless,
            "model": "tiny",
            "tokenizer": "cl100k_base",
            "scope": "prompt",
            "seed": SEED,
            "test_examples": N,
            "train": {"steps": 1},
        }
        for k, prompt in enumerate(Pipeline(tok, comp).prepare_all(examples)):
            ex, n, raw = prompt.example, len(prompt.ids), prompt.raw_tokens
            wrong = spec.startswith("truncate") and k % 3 == 1
            prediction = SCRIPT if (c, k) == (0, 2) else ("0" if wrong else ex.target)
            out.append(
                {
                    "cell": f"cell{c}",
                    "comparison": "cmp",
                    "example_id": ex.id,
                    "task": TASK,
                    "compressor": spec,
                    "compressor_params": comp.params,
                    "model": "tiny",
                    "tokenizer": "cl100k_base",
                    "scope": "prompt",
                    "seed": SEED,
                    "train_steps": 1,
                    "trained_on": "self",
                    "input_tokens": n,
                    "raw_tokens": raw,
                    **prompt.info(),
                    "attention_n2": n * n,
                    "raw_attention_n2": raw * raw,
                    "flops": float(n),
                    "raw_flops": float(raw),
                    "codec_seconds": 0.0,
                    "round_trip_ok": prompt.round_trip_ok,
                    "prediction": prediction,
                    "target": ex.target,
                    "score": float(prediction == ex.target),
                    "correct": prediction == ex.target,
                    "prefill_seconds": 0.001,
                    "train_final_answer_loss": None,
                    "config": config,
                    "scores": {},
                    "schema_version": 2,
                }
            )
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A results root with one published folder (``recall-fixture``) and its site in ``results/site``."""
    root = tmp_path_factory.mktemp("results")
    run = tmp_path_factory.mktemp("run")
    write_records_gz(_records(), run / "records.jsonl.gz")
    (run / "publish.json").write_text(
        json.dumps({"source": "fixture", "note": "A fixture <img src=x onerror=alert(1)>."})
    )
    publish(run, root / "recall-fixture")
    build_site(root, root / "site", "ltsc-bench site results results/site")
    return root


def _pages(root):
    site = root / "site" / "recall-fixture"
    return sorted((site / "ex").rglob("*.html"))


def test_publish_stores_views_that_match_the_records(results):
    views = read_examples(results / "recall-fixture")
    assert {v["cell"] for v in views} == {"cell0", "cell1", "cell2", "cell3"} and all("error" not in v for v in views)
    assert all(v["matches_record"] for v in views)
    by_kind = {v["kind"] for v in views}
    assert by_kind == {"raw", "lossless", "lossy"}
    # the first DISAGREE examples (in split order) on which the cells disagree are stored, LIMIT in all
    order = [ex.id for ex in build_task(TASK).examples("test", N, SEED)]
    wrong = sorted({r["example_id"] for r in _records() if not r["correct"]}, key=order.index)
    stored = {v["example_id"] for v in views}
    assert len(wrong) > DISAGREE and set(wrong[:DISAGREE]) <= stored and len(stored) == LIMIT


def test_site_lists_folder_and_drills_down(results):
    index = (results / "site" / "index.html").read_text()
    assert 'href="recall-fixture/index.html"' in index and "recall@records=6" in index
    board = (results / "site" / "recall-fixture" / "index.html").read_text()
    assert board.count("<tr>") >= 4 + 1 and 'id="leaderboard"' in board and 'src="leaderboard.png"' in board
    pages = [p.read_text() for p in _pages(results)]
    assert pages and all('class="prompt alignment"' in p for p in pages)
    assert any('class="sortable dictionary"' in p and 'class="mt"' in p and "&lt;Dict&gt;" in p for p in pages)
    assert any('<del class="drop">' in p for p in pages)
    assert any("✗ wrong" in p for p in pages)


def test_untrusted_text_renders_as_text(results):
    text = (
        "\n".join(p.read_text() for p in _pages(results))
        + (results / "site" / "recall-fixture" / "index.html").read_text()
    )
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in text
    assert SCRIPT not in text and "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_site_is_reproducible_and_publish_refreshes_it(results, tmp_path):
    site = results / "site"
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    build_site(results, tmp_path / "again", "ltsc-bench site results results/site")
    again = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()}
    assert again == before
    publish(results / "recall-fixture", results / "copy")  # publishing into the root rebuilds its site
    assert (site / "copy" / "index.html").is_file() and (results / "copy" / EXAMPLES_FILE).is_file()
    manifest = json.loads((site / "site.json").read_text())
    assert manifest["folders"] == {"copy": "run", "recall-fixture": "run"}
    assert manifest["command"] == "ltsc-bench site results results/site"


def test_cli_and_bad_outputs(results, tmp_path, capsys):
    assert main(["site", str(results / "recall-fixture"), str(tmp_path / "one")]) == 0
    assert (tmp_path / "one" / "recall-fixture" / "index.html").is_file()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("x")
    assert main(["site", str(results), str(tmp_path / "busy")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not empty" in err and (tmp_path / "busy" / "mine.txt").is_file()
    with pytest.raises(HarnessError, match="is not a directory"):
        build_site(tmp_path / "missing", tmp_path / "out")


# -- the views ----------------------------------------------------------------------------
def test_alignment_of_truncation_is_one_dropped_run_and_subsequences_never_insert():
    raw = [1, 2, 3, 1, 2, 3, 1, 2, 3, 4, 5, 1, 2]
    middle = raw[:4] + raw[-4:]
    ops = [op for op, _ in align_ops(raw, middle)]
    assert ops == ["keep"] * 4 + ["drop"] * 5 + ["keep"] * 4
    every_other = raw[::2]
    ops = [op for op, _ in align_ops(raw, every_other)]
    assert (
        ops.count("insert") == 0
        and ops.count("keep") == len(every_other)
        and ops.count("drop") == len(raw) - len(every_other)
    )
    ops = align_ops([1, 2, 3], [1, 9, 3])
    assert [op for op, _ in ops] == ["keep", "drop", "insert", "keep"] and ops[2] == ("insert", 9)


def test_dictionary_view_expands_to_the_raw_text():
    tok = get_tokenizer("cl100k_base")
    text = "the cat sat on the mat; the cat sat on the hat; the cat sat on the bat. " * 4
    ids = tok.encode(text)
    comp = build_compressor("ltsc-nested@pool_size=64", tok)
    out = comp.compress(ids).ids
    rows, labels = dictionary_view(out, tok, comp.layout)
    assert rows and len(labels) == len(rows) and sum(r["cost"] for r in rows) + 2 == out.index(comp.dict_close) + 1
    texts = {r["label"]: r["text"] for r in rows}
    segments = text_segments(out, tok, comp.layout, labels)
    body = segments[[s[0] for s in segments].index("close") + 1 :]
    assert "".join(s[1] if s[0] == "text" else texts[s[1]] for s in body) == text
    assert all(r["uses"] >= 0 for r in rows) and sum(r["uses"] for r in rows) == sum(s[0] == "meta" for s in body)
    runs = alignment(ids, ids[:5] + ids[-5:], tok)
    assert [op for op, _, _ in runs] == ["keep", "drop", "keep"] and "".join(t for _, t, _ in runs) == text


# -- a real headless browser --------------------------------------------------------------
needs_browser = pytest.mark.skipif(
    find_chromium() is None,
    reason="no Chromium found: run scripts/install_browser.sh (Debian: apt-get install chromium) or set LTSC_CHROMIUM",
)


def test_ci_has_a_browser():
    """CI (.ci/run sets LTSC_REQUIRE_BROWSER=1) must run the browser tests, not skip them."""
    if os.environ.get("LTSC_REQUIRE_BROWSER") == "1":
        assert find_chromium() is not None, "no Chromium: scripts/install_browser.sh did not install one"


def _column(browser, index: int) -> list[str]:
    return browser.eval(
        f"Array.from(document.querySelectorAll('#leaderboard tbody tr')).filter(r => !r.hidden)"
        f".map(r => r.cells[{index}].textContent)"
    )


@needs_browser
def test_browser_index_sort_filter_and_drilldown(results):
    site = results / "site"
    with Browser() as b:
        b.goto((site / "index.html").as_uri())
        assert "recall-fixture" in b.eval("Array.from(document.querySelectorAll('.card h2')).map(h => h.textContent)")
        b.goto((site / "recall-fixture" / "index.html").as_uri())
        headers = b.eval("Array.from(document.querySelectorAll('#leaderboard th')).map(h => h.textContent)")
        acc = headers.index("accuracy (95% CI)")
        b.click(f"#leaderboard th:nth-child({acc + 1})")
        up = [float(v.split("%")[0]) for v in _column(b, acc)]
        assert up == sorted(up) and up[0] < up[-1]
        b.click(f"#leaderboard th:nth-child({acc + 1})")
        assert [float(v.split("%")[0]) for v in _column(b, acc)] == sorted(up, reverse=True)
        b.eval(
            "var s = document.querySelectorAll('.filters select')[1]; s.value = 'raw'; s.dispatchEvent(new Event('change'))"
        )
        assert _column(b, 1) == ["raw"]
        pages = _pages(results)
        with_script = next(
            p for p in pages if SCRIPT.replace("'", "&#x27;") in p.read_text().replace("&lt;", "<").replace("&gt;", ">")
        )
        b.goto(with_script.as_uri())
        assert b.eval("document.scripts.length") == 1 and b.eval("document.title") != "pwned"
        assert SCRIPT in b.eval(
            "Array.from(document.querySelectorAll('pre.prediction')).map(p => p.textContent).join()"
        )
        b.goto(next(p for p in pages if 'class="sortable dictionary"' in p.read_text()).as_uri())
        assert b.eval("document.querySelectorAll('table.dictionary tbody tr').length") >= 1
        assert b.eval("document.querySelectorAll('.prompt .mt').length") >= 1
        assert b.eval("document.querySelectorAll('del.drop').length") >= 1
        assert "line-through" in b.eval("getComputedStyle(document.querySelector('del.drop')).textDecorationLine")


@needs_browser
def test_browser_without_javascript_still_shows_the_tables(results):
    with Browser() as b:
        b.goto((results / "site" / "recall-fixture" / "index.html").as_uri(), javascript=False)
        assert b.eval("document.querySelectorAll('#leaderboard tbody tr').length") == len(COMPRESSORS)
        assert b.eval("document.querySelectorAll('.filters').length") == 0
        assert b.eval("getComputedStyle(document.body).fontFamily").startswith("system-ui")
