"""The ray backend against a real Ray head on 127.0.0.1 (2 CPUs): the same records as the local backend, a worker
killed part-way retried without duplicates, a killed driver resumed, a local run's records resumed; bad options."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from harness.core.errors import HarnessError
from harness.engine.config import RunConfig
from harness.results.records import read_records

# the grid of tests/test_runner.py: 2 cells (raw, ltsc) x 24 test examples, seconds on 2 CPU cores
ARGS = [
    "--tasks",
    "recall@records=3",
    "--compressors",
    "raw",
    "ltsc",
    "--model",
    "tiny@d_model=32,layers=1,heads=2",
    "--train-steps",
    "4",
    "--train-examples",
    "16",
    "--limit",
    "24",
    "--eval-batch",
    "4",
    "--seed",
    "3",
    "--quiet",
]
TIMING = ("prefill_seconds", "codec_seconds")
N = 48
ray_installed = pytest.mark.skipif(
    shutil.which("ray", path=os.path.dirname(sys.executable)) is None,
    reason="Ray is not installed (pip install 'ltsc-bench[ray]'): the ray backend is untested",
)


def comparable(path: Path) -> dict:
    """Records keyed by (cell, example) without timing fields; every line of the file is a distinct key."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    records = read_records(path)
    assert len(records) == len(lines), "a record was written twice"
    return {(r["cell"], r["example_id"]): {k: v for k, v in r.items() if k not in TIMING} for r in records}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    """A Ray head on 127.0.0.1 with 2 CPUs and a 200 MB object store, token-authenticated; stopped afterwards."""
    root = Path(tempfile.mkdtemp(prefix="ltsc-ray-", dir="/tmp"))  # short: Ray's socket paths live under it
    env = dict(os.environ, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32), RAY_USAGE_STATS_ENABLED="0")
    port = free_port()
    log = root / "head.log"
    with open(log, "w") as sink:
        head = subprocess.Popen(
            [
                os.path.join(os.path.dirname(sys.executable), "ray"),
                "start",
                "--head",
                "--block",
                "--node-ip-address",
                "127.0.0.1",
                "--port",
                str(port),
                "--num-cpus",
                "2",
                "--num-gpus",
                "0",
                "--object-store-memory",
                str(200 * 1024 * 1024),
                "--include-dashboard",
                "false",
                "--disable-usage-stats",
                "--temp-dir",
                str(root / "rt"),
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        deadline = time.time() + 120
        while "Ray runtime started" not in log.read_text():
            assert head.poll() is None and time.time() < deadline, f"ray start failed:\n{log.read_text()[-2000:]}"
            time.sleep(0.2)
        yield {"address": f"127.0.0.1:{port}", "env": env}
    finally:
        head.send_signal(signal.SIGTERM)  # `ray start --block` stops what it started
        try:
            head.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        shutil.rmtree(root, ignore_errors=True)
        from harness.backends.ray_worker import sweep

        sweep()  # scratch folders of the workers these tests killed


def ray_argv(cluster, output: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "harness",
        "run",
        *ARGS,
        "--output",
        str(output),
        "--backend",
        "ray",
        "--ray-address",
        cluster["address"],
        *extra,
    ]


def run_ray(cluster, output: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ray_argv(cluster, output, *extra), capture_output=True, text=True, timeout=240, env=cluster["env"]
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The local backend's run of the grid."""
    out = tmp_path_factory.mktemp("local")
    proc = subprocess.run(
        [sys.executable, "-m", "harness", "run", *ARGS, "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def cell_workers() -> dict[int, float]:
    """PID -> time seen of the workers running a cell's Ray task now (titled ``ray::ltsc_cell``). A child a
    worker forks (e.g. a subprocess between fork and exec) carries the same title for a moment: not counted."""
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if fh.read().split(b"\0")[0] != b"ray::ltsc_cell":
                    continue
            with open(f"/proc/{pid}/stat") as fh:
                parents[int(pid)] = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return {pid: time.time() for pid, parent in parents.items() if parent not in parents}


@ray_installed
def test_two_workers_a_worker_killed_part_way_same_records_as_local(cluster, reference, tmp_path):
    """Both cells run at once; the first worker seen busy for 1 s is SIGKILLed: Ray reruns its cell, and the
    records equal the local backend's, each written once. The killed worker's scratch folder is swept."""
    driver = subprocess.Popen(
        ray_argv(cluster, tmp_path, "--cpus-per-cell", "1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cluster["env"],
    )
    first_seen, killed, most = {}, None, 0
    deadline = time.time() + 240
    while driver.poll() is None and time.time() < deadline:
        now = cell_workers()
        most = max(most, len(now))
        for pid, seen in now.items():
            first_seen.setdefault(pid, seen)
        busy = [pid for pid in now if time.time() - first_seen[pid] >= 1.0]
        if killed is None and busy:
            killed = busy[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.02)
    _, err = driver.communicate(timeout=60)
    assert driver.returncode == 0, err
    assert killed is not None, "no cell was running long enough to be killed"
    assert most == 2, "the two cells should run on two workers at once"
    assert comparable(tmp_path / "records.jsonl") == comparable(reference / "records.jsonl")
    assert err.count("records written\n") >= 2 and "[ray]" in err
    assert len(list((tmp_path / "checkpoints").glob("*/manifest.json"))) == 2  # written by the driver
    assert not list(Path(tempfile.gettempdir()).glob(f"ltsc-cell-{killed}-*"))  # its scratch swept by the retry


@ray_installed
def test_killed_driver_resumes_only_unfinished_cells(cluster, reference, tmp_path):
    """One cell at a time (2 CPUs each); the driver is SIGKILLed once the first cell's records land. The rerun
    leaves that cell (records and checkpoint) alone and finishes the other."""
    path = tmp_path / "records.jsonl"
    driver = subprocess.Popen(
        ray_argv(cluster, tmp_path, "--cpus-per-cell", "2"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=cluster["env"],
    )
    deadline = time.time() + 240
    while driver.poll() is None and time.time() < deadline and not (path.exists() and path.stat().st_size):
        time.sleep(0.01)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    partial = read_records(path)
    assert len(partial) == N // 2, "the kill should land after one cell of two"
    first = partial[0]["cell"]
    (manifest,) = (tmp_path / "checkpoints").glob(f"{first}/manifest.json")
    stamp = manifest.stat().st_mtime_ns
    proc = run_ray(cluster, tmp_path, "--cpus-per-cell", "2")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("nothing left to do") == 1 and proc.stderr.count("24 records written") >= 1
    assert manifest.stat().st_mtime_ns == stamp  # not retrained
    assert comparable(path) == comparable(reference / "records.jsonl")


@ray_installed
def test_ray_resumes_a_local_runs_partial_cell(cluster, reference, tmp_path):
    """Records and checkpoints of the local backend resume under ray: only the missing examples are evaluated,
    with the checkpoint the driver ships (no training), and the checkpoint folder can be anywhere."""
    out, ckpts = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    shutil.copytree(reference / "checkpoints", ckpts)
    lines = (reference / "records.jsonl").read_text().splitlines(keepends=True)
    (out / "records.jsonl").write_text("".join(lines[: N - 5]))
    proc = run_ray(cluster, out, "--checkpoint-dir", str(ckpts))
    assert proc.returncode == 0, proc.stderr
    assert "[train]" not in proc.stderr and "[ray]" in proc.stderr and ": 5 records written" in proc.stderr
    assert comparable(out / "records.jsonl") == comparable(reference / "records.jsonl")
    assert not (out / "checkpoints").exists()


@ray_installed
def test_a_cell_error_is_one_line_naming_the_drivers_checkpoint(cluster, reference, tmp_path):
    """A corrupt checkpoint (a user error, not a dead worker) is not retried: one line naming the cell and the
    driver's checkpoint folder (not the worker's scratch copy), and the records already written stay."""
    out = tmp_path / "out"
    out.mkdir()
    shutil.copytree(reference / "checkpoints", out / "checkpoints")
    lines = (reference / "records.jsonl").read_text().splitlines(keepends=True)
    (out / "records.jsonl").write_text("".join(lines[: N - 1]))
    last = read_records(reference / "records.jsonl")[-1]["cell"]
    weights = next(p for p in (out / "checkpoints" / last).iterdir() if p.name not in ("manifest.json", "train.json"))
    weights.write_bytes(weights.read_bytes() + b"x")
    proc = run_ray(cluster, out)
    assert proc.returncode == 2, proc.stderr
    error = [line for line in proc.stderr.splitlines() if line.startswith("ltsc-bench: error:")]
    assert len(error) == 1 and "modified or corrupted" in error[0], proc.stderr
    assert str(out / "checkpoints" / last) in error[0] and "ltsc-cell-" not in error[0]
    assert "Traceback" not in proc.stderr and len(read_records(out / "records.jsonl")) == N - 1


@ray_installed
def test_a_cell_no_node_can_hold_is_refused_not_left_pending(cluster, tmp_path):
    proc = run_ray(cluster, tmp_path / "out", "--gpus-per-cell", "1")
    assert proc.returncode == 2 and "no node of the Ray cluster has 1 CPUs and 1 GPUs" in proc.stderr, proc.stderr
    assert not (tmp_path / "out" / "records.jsonl").exists()


def test_ray_missing_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    from harness.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if it were not installed
    code = main(["run", *ARGS, "--output", str(tmp_path / "out"), "--backend", "ray"])
    err = capsys.readouterr().err
    assert code == 2 and "needs Ray, which is not installed: pip install 'ltsc-bench[ray]'" in err, err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--ray-address", "127.0.0.1:6379"], "--ray-address applies to --backend ray"),
        (["--gpus-per-cell", "1"], "--gpus-per-cell applies to --backend ray"),
        (["--backend", "ray", "--cpus-per-cell", "0"], "--cpus-per-cell"),
        (["--backend", "ray", "--gpus-per-cell", "-1"], "--gpus-per-cell"),
    ],
)
def test_bad_backend_options_are_one_line_errors(argv, needle, tmp_path, capsys):
    from harness.cli import main

    code = main(["run", *ARGS, "--output", str(tmp_path / "out"), *argv])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists()


@ray_installed
def test_unreachable_cluster_fails_at_once_before_any_output(tmp_path, capsys):
    from harness.cli import main

    start = time.time()
    code = main(
        [
            "run",
            *ARGS,
            "--output",
            str(tmp_path / "out"),
            "--backend",
            "ray",
            "--ray-address",
            f"127.0.0.1:{free_port()}",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach the Ray cluster" in err and len(err.strip().splitlines()) == 1, err
    assert time.time() - start < 30 and not (tmp_path / "out").exists()


def test_backend_is_not_part_of_the_cell_or_the_output_name():
    from harness.api import default_output
    from harness.engine.runner import Runner

    local = RunConfig(tasks=["recall@records=3"], compressors=["raw"], model="tiny@d_model=32,layers=1,heads=2")
    ray = RunConfig(
        **{
            **local.__dict__,
            "backend": "ray",
            "backend_options": {"cpus_per_cell": 2.0},
            "checkpoint_dir": "/elsewhere",
        }
    )
    assert default_output(local, False) == default_output(ray, False)
    cells = [Runner(cfg, "/tmp", validate=False, store=[]).cell("recall@records=3", "raw") for cfg in (local, ray)]
    assert cells[0].id == cells[1].id and cells[0].config == cells[1].config


def test_unknown_backend_names_the_choices():
    with pytest.raises(HarnessError, match="unknown backend 'nope'; choose one of local, ray"):
        RunConfig(backend="nope").validate()


def test_worker_collector_skips_done_keys_and_repeats():
    from harness.engine.runner import _Collector

    store = _Collector([("c", "1")])
    assert store.done("c", "1") and not store.done("c", "2")
    store.append([{"cell": "c", "example_id": "1"}, {"cell": "c", "example_id": "2"}])
    store.append([{"cell": "c", "example_id": "2"}])
    assert store.records == [{"cell": "c", "example_id": "2"}]


def test_shipped_checkpoint_is_installed_atomically(tmp_path):
    from harness.backends.ray_worker import install, pack

    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "weights.bin").write_bytes(b"\0\1\2")
    (src / "sub" / "manifest.json").write_text("{}")
    target = tmp_path / "ckpts" / "abc"
    stale = tmp_path / "ckpts" / "abc.tmp999999999"  # left by a killed driver: no such process
    stale.mkdir(parents=True)
    install(pack(src), target)
    assert (target / "weights.bin").read_bytes() == b"\0\1\2" and (target / "sub" / "manifest.json").exists()
    install(pack(src / "sub"), target)  # replaces the old one
    assert sorted(p.name for p in target.iterdir()) == ["manifest.json"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["abc"]
