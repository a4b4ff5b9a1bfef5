"""``export-model``: cells fine-tuned by ``run`` as standard Hugging Face model directories that compute what the
run's model computes (``tiny`` with its vocabulary expanded back, LoRA merged with meta-token rows joined)."""

from __future__ import annotations

import json

import pytest
import torch

from harness.core.errors import HarnessError

pytest.importorskip("transformers")


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    from test_lm_eval_helpers import one_torch_thread

    yield from one_torch_thread()


def run(*argv: str) -> None:
    from harness.cli import main

    assert main(list(argv)) == 0


def quick_run(out, model: str, tokenizer: str | None, compressor: str, task: str = "recall") -> None:
    run(
        "run",
        "--tasks",
        task,
        "--compressors",
        compressor,
        "--model",
        model,
        *(["--tokenizer", tokenizer] if tokenizer else []),
        "--train-steps",
        "4",
        "--train-examples",
        "24",
        "--batch-size",
        "8",
        "--limit",
        "2",
        "--eval-batch",
        "2",
        "--device",
        "cpu",
        "--threads",
        "1",
        "--quiet",
        "--output",
        str(out),
    )


def checkpoint_model(run_dir, compressor: str, task: str = "recall"):
    """The run's own model of one cell, loaded from its verified checkpoint, and the cell's tokenizer and compressor."""
    from harness.engine import checkpoints
    from harness.interop.hf_export import find_cell

    runner, t, c = find_cell(run_dir, compressor=compressor, task=task)
    parts = runner.components(t, c)
    plan = runner.plan(t, c, parts)
    checkpoints.load(parts.model, checkpoints.checkpoint_dir(run_dir, plan.train_id), plan.train_id, "cpu")
    parts.model.train_mode(False)
    return parts, plan


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny-run")
    quick_run(out / "run", "tiny@d_model=32,layers=1,heads=2", "gpt2", "ltsc@pool_size=4")
    return out / "run"


def test_tiny_export_computes_what_tiny_computes(tiny_run, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.engine.pipeline import Pipeline
    from harness.interop.hf_export import MANIFEST
    from harness.models.tiny import EOS

    out = tmp_path / "exported"
    run("export-model", str(tiny_run), str(out), "--compressor", "ltsc@pool_size=4")
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["compressor_label"] == "ltsc@pool_size=4" and manifest["tokenizer"] == "gpt2"
    assert manifest["vocab_size"] == 50257 and manifest["extra_vocab"] == 6 and manifest["embedding_rows"] == 50263
    assert manifest["scope"] == "prompt" and manifest["train"]["steps"] == 4
    parts, _ = checkpoint_model(tiny_run, "ltsc@pool_size=4")
    tiny, tok = parts.model, parts.tokenizer
    hf = AutoModelForCausalLM.from_pretrained(out).eval()
    hf_tok = AutoTokenizer.from_pretrained(out)
    assert len(hf_tok) == tok.vocab_size and hf_tok.eos_token_id == 50256
    prompts = Pipeline(tok, parts.compressor).split(parts.task, "test", 2, 0)
    assert any(p.compressed.changed for p in prompts)
    for p in prompts:
        assert hf_tok.encode(p.example.prompt, add_special_tokens=False) == tok.encode(p.example.prompt)
        with torch.no_grad():
            ours = tiny.forward(torch.tensor([tiny.model_ids(p.ids)]))[0][0]
            theirs = hf(torch.tensor([p.ids])).logits[0]
        seen = [i for i in tiny.vocab]
        assert torch.allclose(theirs[:, seen], ours[:, [tiny.model_ids([i])[0] for i in seen]], atol=1e-5)
        assert torch.allclose(theirs[:, 50256], ours[:, EOS], atol=1e-5)


def test_export_refusals_are_one_line(tiny_run, tmp_path):
    from harness.cli import main
    from harness.data.tokenizers import get_tokenizer
    from harness.interop.hf_export import export_model, tiny_to_hf
    from harness.interop.hf_tokenizer import hf_tokenizer
    from harness.models import build_model

    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    cases = [
        (dict(compressor="ltsc@pool_size=4"), tmp_path / "full", "not an empty directory"),
        (dict(compressor="ltsc-opt"), tmp_path / "a", "not in the run"),
        (dict(compressor="ltsc@pool_size=4", task="tree"), tmp_path / "b", "not in the run"),
        (dict(cell="ffffffff"), tmp_path / "c", "no cell 'ffffffff'"),
        (dict(), tmp_path / "d", "name the cell"),
    ]
    for kwargs, out, message in cases:
        with pytest.raises(HarnessError, match=message) as err:
            export_model(tiny_run, out, **kwargs)
        assert "\n" not in str(err.value)
    with pytest.raises(HarnessError, match="run_config.json"):
        export_model(tmp_path, tmp_path / "e", compressor="raw")
    assert main(["export-model", str(tmp_path), str(tmp_path / "f"), "--compressor", "raw"]) == 2
    with pytest.raises(HarnessError, match="cl100k_base, o200k_base, gpt2, hf:<dir>"):
        hf_tokenizer(get_tokenizer("llama3"))

    class Tok:
        name, vocab_size = "fake", 50

    conv = build_model("tiny@d_model=16,layers=1,heads=2,conv=2")
    conv.setup(Tok(), 0, [[1, 2, 3]], "cpu")
    with pytest.raises(HarnessError, match="conv=2"):
        tiny_to_hf(conv, Tok(), None)


def test_export_by_cell_id(tiny_run, tmp_path):
    from harness.interop.hf_export import export_model

    cell = json.loads((tiny_run / "records.jsonl").read_text().splitlines()[0])["cell"]
    manifest = export_model(tiny_run, tmp_path / "by-id", cell=cell[:8])
    assert manifest["cell"] == cell


@pytest.mark.parametrize("finetune", ["lora", "full"])
def test_pretrained_export_merges_lora_and_joins_meta_rows(tmp_path, finetune):
    from test_lm_eval_helpers import task_texts, tiny_hf_model
    from transformers import AutoModelForCausalLM

    from harness.engine.pipeline import Pipeline

    base = tiny_hf_model(tmp_path / "base", 0, task_texts(["recall"], "train") + task_texts(["recall"]))
    quick_run(tmp_path / "run", f"hf:{base}@finetune={finetune}", None, "ltsc@pool_size=4")
    run("export-model", str(tmp_path / "run"), str(tmp_path / "out"), "--compressor", "ltsc@pool_size=4")
    parts, _ = checkpoint_model(tmp_path / "run", "ltsc@pool_size=4")
    model = parts.model
    hf = AutoModelForCausalLM.from_pretrained(tmp_path / "out").eval()
    V, E = model.base_vocab, model.extra_vocab
    assert hf.get_input_embeddings().weight.shape[0] == V + E and not hf.config.tie_word_embeddings
    assert torch.equal(hf.get_input_embeddings().weight[V : V + E], model.embed.extra.weight[:E].detach())
    assert not hf.get_output_embeddings().weight[V:].any()  # new ids are never predicted, as in the run
    prompts = Pipeline(parts.tokenizer, parts.compressor).split(parts.task, "test", 2, 0)
    assert any(p.compressed.changed for p in prompts)
    for p in prompts:
        with torch.no_grad():
            ours = model.forward(torch.tensor([p.ids]))[0][0]
            theirs = hf(torch.tensor([p.ids])).logits[0]
        assert torch.allclose(theirs[:, :V], ours[:, :V], atol=1e-4)


# -- Hardening round 2, finding 4: export-model touches only OUT_DIR, and writes it whole or not at all ----------
def _plant(directory):
    (directory / "mine").mkdir(parents=True, exist_ok=True)
    files = {"notes.txt": b"my notes\n", "mine/data.bin": b"\x00\x01keep"}
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return files


def _snapshot(directory):
    return {
        str(p.relative_to(directory)): (p.read_bytes() if p.is_file() else None) for p in sorted(directory.rglob("*"))
    }


def test_export_model_leaves_the_users_files_alone_on_success(tiny_run, tmp_path):
    from harness.interop.hf_export import MANIFEST, export_model

    _plant(tiny_run)
    before = _snapshot(tiny_run)
    out = tmp_path / "exported"
    export_model(tiny_run, out, compressor="ltsc@pool_size=4")
    assert _snapshot(tiny_run) == before  # the run folder (user files included) is only read
    assert (out / MANIFEST).is_file() and (out / "config.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exported"]  # no temporary folder left next to it


def test_export_model_refusing_a_non_empty_out_dir_leaves_it_alone(tiny_run, tmp_path, capsys):
    from harness.cli import main

    out = tmp_path / "exported"
    _plant(out)
    before = _snapshot(out)
    assert main(["export-model", str(tiny_run), str(out), "--compressor", "ltsc@pool_size=4"]) == 2
    assert "not an empty directory" in capsys.readouterr().err
    assert _snapshot(out) == before


@pytest.mark.parametrize("failure, code", [(OSError(28, "No space left on device"), 2), (KeyboardInterrupt(), 130)])
def test_export_model_failing_part_way_leaves_no_partial_out_dir(
    tiny_run, tmp_path, capsys, monkeypatch, failure, code
):
    """Before: OUT_DIR was created first and kept half-written weights when saving failed or was interrupted."""
    from harness.cli import main
    from harness.interop import hf_export

    real = hf_export.tiny_to_hf

    def half_saved(*args):
        model = real(*args)

        def save_pretrained(directory, **_):
            (directory / "model.safetensors").write_bytes(b"half")
            raise failure

        model.save_pretrained = save_pretrained
        return model

    monkeypatch.setattr(hf_export, "tiny_to_hf", half_saved)
    _plant(tiny_run)
    before = _snapshot(tiny_run)
    for out in (tmp_path / "new" / "exported", tmp_path / "empty"):
        if out.name == "empty":
            out.mkdir()
        assert main(["export-model", str(tiny_run), str(out), "--compressor", "ltsc@pool_size=4"]) == code
        err = capsys.readouterr().err
        if code == 2:
            assert err.strip() == (
                f"ltsc-bench: error: cannot write {out} (No space left on device); nothing was "
                "written: free space or pass another OUT_DIR, then rerun"
            )
        assert _snapshot(tiny_run) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"] and not any((tmp_path / "empty").iterdir())
