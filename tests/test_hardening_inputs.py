"""Issue 12, findings 3, 4, 6 and 7: remote code, the offline guarantee, and inputs that crashed or were
silently wrong. Each test replays the issue's probe and asserts the one-line error (exit 2, nothing written)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from harness.cli import main

RUN = [
    "run",
    "--quiet",
    "--no-stats",
    "--tasks",
    "recall@records=3",
    "--compressors",
    "raw",
    "--train-steps",
    "1",
    "--train-examples",
    "8",
    "--limit",
    "2",
]


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# -- finding 6/7: every numeric option and model dimension validated before any output ---------------
@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--lr", "-1"], "--lr must be a finite number > 0"),
        (["--lr", "nan"], "--lr must be a finite number"),
        (["--seed", "99999999999999999999"], "--seed must be an integer in 0..4294967295"),
        (["--prompt-loss", "nan"], "--prompt-loss must be a finite number >= 0"),
        (["--prompt-loss", "-1"], "--prompt-loss must be a finite number >= 0"),
        (["--model", "tiny@heads=0"], "heads must be a positive integer"),
        (["--model", "tiny@d_model=-32"], "d_model must be a positive integer"),
        (["--model", "tiny@layers=-1"], "layers must be a positive integer"),  # accepted before: negative FLOPs
        (["--model", "tiny@layers=1,layers=2"], "given twice"),  # last one won, silently
        (["--tasks", ""], "--tasks names nothing"),  # exited 0 with no records
        (["--compressors", ""], "--compressors names nothing"),
        (["--tasks", "recall@records=3,records=4"], "given twice"),
    ],
)
def test_bad_option_is_one_line_before_any_output(argv, needle, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([*RUN, "--output", str(out), *argv]) == 2
    assert needle in one_line(capsys.readouterr().err)
    assert not out.exists()  # validated before the output directory is created


def test_duplicate_parameter_between_spec_and_param_is_an_error(capsys):
    code = main(["compress", "--compressor", "ltsc@max_len=8", "--param", "max_len=4", "--ids", os.devnull])
    assert code == 2 and "'max_len' is given twice" in one_line(capsys.readouterr().err)


# -- finding 7: non-UTF-8 bytes on stdin were decoded to U+FFFD and reported lossless ---------------
def compress_bytes(data: bytes, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", "compress", *args, "--json"],
        input=data,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )


def test_non_utf8_stdin_is_rejected_like_a_file(tmp_path):
    bad = b"\xff\xfeabc"
    proc = compress_bytes(bad, "-")
    assert proc.returncode == 2 and proc.stdout == b""
    assert "standard input" in one_line(proc.stderr.decode()) and "not UTF-8" in proc.stderr.decode()
    path = tmp_path / "bad.txt"
    path.write_bytes(bad)
    proc = compress_bytes(b"", str(path))
    assert proc.returncode == 2 and "not UTF-8" in one_line(proc.stderr.decode())


def test_stdin_and_file_give_the_same_tokens(tmp_path):
    text = "line one\r\nline two\r\n\u00e9t\u00e9\n".encode()
    path = tmp_path / "in.txt"
    path.write_bytes(text)
    a, b = compress_bytes(text, "-"), compress_bytes(b"", str(path))
    assert a.returncode == b.returncode == 0
    assert json.loads(a.stdout)["tokens_in"] == json.loads(b.stdout)["tokens_in"]


# -- finding 6: hand-edited records (missing `correct`, "correct": "False") -------------------------
def record(**changes) -> dict:
    rec = {
        "cell": "c1",
        "comparison": "k",
        "example_id": "e1",
        "task": "recall",
        "compressor": "raw",
        "model": "tiny",
        "correct": True,
        "input_tokens": 10,
        "raw_tokens": 10,
        "prediction": "1",
        "target": "1",
    }
    rec.update(changes)
    return {k: v for k, v in rec.items() if v is not None}


@pytest.mark.parametrize(
    "changes, needle",
    [
        ({"correct": None}, "has no 'correct' field"),
        ({"correct": "False"}, "field 'correct' must be bool, got 'False'"),
        ({"input_tokens": "10"}, "field 'input_tokens' must be int"),
    ],
)
def test_hand_edited_record_is_one_line_naming_the_line(changes, needle, tmp_path, capsys):
    lines = [record(example_id="e0"), record(**changes)]
    (tmp_path / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    assert main(["leaderboard", str(tmp_path)]) == 2
    err = one_line(capsys.readouterr().err)
    assert needle in err and "records.jsonl:2" in err


# -- finding 3: a local hf: directory that needs custom code -----------------------------------------
@pytest.fixture
def remote_code_dir(tmp_path) -> Path:
    d = tmp_path / "evil-model"
    d.mkdir()
    marker = tmp_path / "RAN"
    (d / "config.json").write_text(
        json.dumps(
            {
                "model_type": "evil",
                "architectures": ["EvilForCausalLM"],
                "auto_map": {"AutoConfig": "evil.EvilConfig", "AutoModelForCausalLM": "evil.EvilForCausalLM"},
            }
        )
    )
    (d / "tokenizer_config.json").write_text(json.dumps({"auto_map": {"AutoTokenizer": ["evil.EvilTokenizer", None]}}))
    (d / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    return d


def test_tokenizer_needing_custom_code_is_refused(remote_code_dir, capsys):
    code = main(["compress", "--tokenizer", f"hf:{remote_code_dir}", "--ids", os.devnull])
    err = one_line(capsys.readouterr().err)
    assert code == 2 and "needs custom code" in err and "auto_map" in err and "LTSC_ALLOW_HUB" not in err
    assert not (remote_code_dir.parent / "RAN").exists()


def test_model_needing_custom_code_is_refused(remote_code_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([*RUN, "--model", f"hf:{remote_code_dir}", "--output", str(out)]) == 2
    err = one_line(capsys.readouterr().err)
    assert "needs custom code" in err and "LTSC_ALLOW_HUB" not in err
    assert not out.exists() and not (remote_code_dir.parent / "RAN").exists()


def test_transformers_remote_code_refusal_is_translated():
    from harness.core.env import hf_load_error

    exc = ValueError(
        "Loading x requires you to execute the configuration file in that repo on your local machine. "
        "Make sure you have read the code there to avoid malicious use, then set the option "
        "`trust_remote_code=True` to remove this error."
    )
    msg = str(hf_load_error("tokenizer", "some/hub-name", exc, local=False))
    assert "needs custom code" in msg and "never runs" in msg and "LTSC_ALLOW_HUB" not in msg


# -- finding 4: nothing is downloaded, whatever the tiktoken cache holds -----------------------------
SITECUSTOMIZE = """
import os, socket
_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
def _log(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        with open(os.environ["LTSC_TEST_CONNECT_LOG"], "a") as fh:
            fh.write(repr(address) + "\\n")
        raise OSError(101, "network is off in this test")
def connect(self, address):
    _log(self, address)
    return _connect(self, address)
def connect_ex(self, address):
    _log(self, address)
    return _connect_ex(self, address)
socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
"""


def offline_cli(
    tmp_path: Path, *args: str, stdin: str = "", cwd: Path | None = None, **env
) -> subprocess.CompletedProcess:
    """``ltsc-bench ARGS`` with every proxy on a closed local port and socket.connect logging any attempt."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    closed = "http://127.0.0.1:9"
    full = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]),
        LTSC_TEST_CONNECT_LOG=str(tmp_path / "connects"),
        HTTP_PROXY=closed,
        HTTPS_PROXY=closed,
        ALL_PROXY=closed,
        http_proxy=closed,
        https_proxy=closed,
        all_proxy=closed,
        NO_PROXY="",
        no_proxy="",
        LTSC_CACHE_DIR=str(tmp_path / "cache"),
    )
    full.pop("TIKTOKEN_CACHE_DIR", None)
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=full,
        timeout=300,
    )


def attempts(tmp_path: Path) -> str:
    log = tmp_path / "connects"
    return log.read_text() if log.exists() else ""


def test_the_connection_log_catches_a_download(tmp_path):
    """The harness of the tests below: a real download attempt is caught and logged."""
    proc = offline_cli(tmp_path, "list", "tokenizers")
    assert proc.returncode == 0
    probe = subprocess.run(
        [sys.executable, "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9')"],
        env=dict(os.environ, PYTHONPATH=str(tmp_path / "site"), LTSC_TEST_CONNECT_LOG=str(tmp_path / "connects")),
        capture_output=True,
    )
    assert probe.returncode != 0 and "127.0.0.1" in attempts(tmp_path)


def tiktoken_file(tmp_path: Path) -> Path:
    files = [p for p in (tmp_path / "cache" / "tiktoken").iterdir() if ".tmp" not in p.name]
    assert len(files) == 1
    return files[0]


def test_compress_and_stats_never_connect_even_with_a_corrupted_cache(tmp_path):
    first = offline_cli(tmp_path, "compress", "--json", stdin="def f(x):\n    return x\n" * 20)
    assert first.returncode == 0, first.stderr
    cached = tiktoken_file(tmp_path)
    good = cached.read_bytes()
    cached.write_bytes(b"garbage")  # the probe: tiktoken deleted it and tried to download (4 tracebacks)
    again = offline_cli(tmp_path, "compress", "--json", stdin="def f(x):\n    return x\n" * 20)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["tokens_in"] == json.loads(first.stdout)["tokens_in"]
    assert cached.read_bytes() == good  # re-seeded from the packaged copy
    stats = offline_cli(tmp_path, "stats", "--limit", "2", "--format", "json")
    assert stats.returncode == 0, stats.stderr
    assert attempts(tmp_path) == ""


def test_empty_tiktoken_cache_dir_writes_nothing_in_the_cwd_and_never_connects(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    proc = offline_cli(tmp_path, "compress", "--json", stdin="hello world", cwd=cwd, TIKTOKEN_CACHE_DIR="")
    assert proc.returncode == 0, proc.stderr
    assert list(cwd.iterdir()) == []  # before: a 1.6 MB cache file landed here and a download was still tried
    tiktoken_file(tmp_path)  # seeded in the harness's cache instead
    assert attempts(tmp_path) == ""


def test_unwritable_tiktoken_cache_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proc = offline_cli(tmp_path, "compress", stdin="hi", TIKTOKEN_CACHE_DIR=str(blocker / "sub"))
    assert proc.returncode == 2 and "cannot write the tiktoken cache" in one_line(proc.stderr)
    assert attempts(tmp_path) == ""
