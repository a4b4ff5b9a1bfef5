"""The benchmark scripts that drive `ltsc-bench run` build the commands their docstrings promise
(the runs themselves are measured outside the test suite: see the README's Results)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _option(cmd: list[str], name: str) -> list[str]:
    """The values that follow ``name`` in ``cmd``, up to the next option."""
    start = cmd.index(name) + 1
    end = next((i for i in range(start, len(cmd)) if cmd[i].startswith("--")), len(cmd))
    return cmd[start:end]


def test_gpu_preset_runs_every_offline_baseline_at_ltsc_length_on_the_gpu():
    table = _script("pretrained_table")
    args = table.parse_args(["--preset", "gpu", "--dest", "/tmp/x"])
    cmd = table.run_command(args)
    assert cmd[2:4] == ["harness", "run"]
    assert _option(cmd, "--compressors") == [
        "raw",
        "ltsc",
        "truncate@rate=match:ltsc",
        "random-drop@rate=match:ltsc",
        "selective-context@rate=match:ltsc,device=cuda",
        "llmlingua@rate=match:ltsc,device=cuda",
        "longllmlingua@rate=match:ltsc,device=cuda",
    ]
    assert _option(cmd, "--no-finetune") == _option(cmd, "--compressors")[4:]
    assert _option(cmd, "--tasks") == ["table_lookup"] and _option(cmd, "--model") == ["smollm2-135m"]
    assert _option(cmd, "--device") == ["cuda"] and "--threads" not in cmd
    assert "llmlingua2" in table.note(args) and "--llmlingua2-model" in table.note(args)


def test_llmlingua2_joins_with_a_model_directory_and_smoke_moves_to_cpu():
    table = _script("pretrained_table")
    args = table.parse_args(["--preset", "gpu", "--smoke", "--dest", "/tmp/x", "--llmlingua2-model", "/m"])
    cmd = table.run_command(args)
    assert _option(cmd, "--compressors")[-1] == "llmlingua2@rate=match:ltsc,model=/m"
    assert _option(cmd, "--compressors")[-1] in _option(cmd, "--no-finetune")
    assert _option(cmd, "--device") == ["cpu"] and _option(cmd, "--train-steps") == ["2"]
    assert _option(cmd, "--output") == ["runs/gpu-smoke"] and "smoke" in table.note(args)


def test_cpu_preset_is_raw_ltsc_truncate_llmlingua_with_overrides():
    table = _script("pretrained_table")
    args = table.parse_args(["--preset", "cpu", "--dest", "/tmp/x", "--steps", "99", "--run-args", "--lr 0.001"])
    cmd = table.run_command(args)
    assert _option(cmd, "--compressors") == ["raw", "ltsc", "truncate@rate=match:ltsc", "llmlingua@rate=match:ltsc"]
    assert _option(cmd, "--no-finetune") == ["llmlingua@rate=match:ltsc"]
    assert _option(cmd, "--train-steps") == ["99"] and cmd[-2:] == ["--lr", "0.001"]


def test_meta_init_study_runs_raw_once_and_every_pool_per_initialisation():
    study = _script("meta_init")
    args = study.parse_args(["--dest", "/tmp/x", "--inits", "mean", "orthogonal", "--pools", "32", "1024"])
    first, second = study.run_command(args, "mean", True), study.run_command(args, "orthogonal", False)
    assert _option(first, "--compressors") == ["raw", "ltsc@pool_size=32", "ltsc@pool_size=1024"]
    assert _option(second, "--compressors") == ["ltsc@pool_size=32", "ltsc@pool_size=1024"]
    assert _option(second, "--model") == ["tiny@d_model=64,layers=2,heads=4,conv=4,meta_init=orthogonal"]
    assert study.model_spec("smollm2-135m", "mean") == "smollm2-135m@meta_init=mean"
    assert _option(second, "--output") == [str(args.workdir / "orthogonal")]


def test_meta_init_study_table_reads_the_initialisation_and_pool_from_the_specs():
    study = _script("meta_init")
    row = dict(n=200, accuracy=0.5, ci_low=0.43, ci_high=0.57, mean_tokens=60.0, mean_raw_tokens=80.0)
    rows = [
        dict(row, compressor="raw", model="tiny@d_model=64", accuracy=0.9),
        dict(row, compressor="ltsc@pool_size=32", model="tiny@d_model=64"),
        dict(row, compressor="ltsc@pool_size=1024", model="tiny@d_model=64,meta_init=mean"),
    ]
    table = study.study_table(rows).splitlines()
    assert len(table) == 4  # header, rule, two ltsc rows
    cells = [[c.strip() for c in line.split("|")[1:-1]] for line in table[2:]]
    assert cells[0] == ["mean", "1024", "200", "50.0% [43.0, 57.0]", "90.0% [43.0, 57.0]", "-40.0", "60.0 / 80.0"]
    assert cells[1][:2] == ["random", "32"]  # tiny's default initialisation, absent from its spec


@pytest.mark.parametrize("bad", [["--preset", "tpu", "--dest", "x"], ["--preset", "cpu"]])
def test_bad_options_exit_with_usage(bad):
    with pytest.raises(SystemExit) as exc:
        _script("pretrained_table").parse_args(bad)
    assert exc.value.code == 2


def test_meta_init_study_with_included_runs_does_not_rerun_raw_and_reads_default_pools(tmp_path):
    study = _script("meta_init")
    (tmp_path / "records.jsonl").write_text("")  # a run directory (e.g. runs/smollm2-cpu)
    args = study.parse_args(
        [
            "--dest",
            "/tmp/x",
            "--model",
            "smollm2-135m",
            "--inits",
            "mean",
            "--pools",
            "1024",
            "--include",
            str(tmp_path),
        ]
    )
    assert _option(study.run_command(args, "mean", True), "--compressors") == ["ltsc@pool_size=1024"]
    row = dict(n=100, accuracy=0.25, ci_low=0.2, ci_high=0.3, mean_tokens=70.0, mean_raw_tokens=90.0)
    rows = [
        dict(row, compressor="raw", model="smollm2-135m", accuracy=1.0),
        dict(row, compressor="ltsc", model="smollm2-135m"),  # from the included table run: gaussian, pool 1024
        dict(row, compressor="truncate@rate=match:ltsc", model="smollm2-135m"),
    ]
    cells = [[c.strip() for c in line.split("|")[1:-1]] for line in study.study_table(rows).splitlines()[2:]]
    assert cells == [["gaussian", "1024", "100", "25.0% [20.0, 30.0]", "100.0% [20.0, 30.0]", "-75.0", "70.0 / 90.0"]]


def test_meta_init_study_refuses_an_include_that_is_not_a_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        _script("meta_init").parse_args(["--dest", "/tmp/x", "--include", str(tmp_path)])
    assert exc.value.code == 2 and "not a run directory" in capsys.readouterr().err
