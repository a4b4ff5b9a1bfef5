"""Issue 12, finding 2: checkpoints are verified, never trusted blindly.

Probes: flipping 256 bytes of ``weights.pt`` loaded silently (20/20 predictions changed); swapping two
cells' checkpoint directories was accepted; truncated, empty, missing file, garbage JSON and wrong-shape
weights gave tracebacks with no hint what to delete; a full disk left ``<cell>.tmp<PID>`` behind. Now each
is one line naming the directory to delete (or ``--retrain``), and a failed save leaves nothing behind.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from codec_inputs import small_tokenizer

from harness.core.errors import HarnessError
from harness.engine import checkpoints
from harness.models import build_model

SPEC = "tiny@d_model=32,layers=1,heads=2"


def tiny():
    model = build_model(SPEC)
    model.setup(small_tokenizer(), 4, [[1, 2, 3, 4, 5], [6, 7]], "cpu")
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ckpt") / "checkpoints"
    root.mkdir()
    for cell in ("cell-a", "cell-b"):
        checkpoints.save(tiny(), root / cell, cell, {"steps": 1, "cell": cell})
    return root


@pytest.fixture
def ckpts(saved, tmp_path) -> Path:
    root = tmp_path / "checkpoints"
    shutil.copytree(saved, root)
    return root


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 256] = bytes(b ^ 0xFF for b in data[middle : middle + 256])
    path.write_bytes(bytes(data))


def swap(root: Path) -> None:
    (root / "cell-a").rename(root / "tmp")
    (root / "cell-b").rename(root / "cell-a")
    (root / "tmp").rename(root / "cell-b")


def wrong_shape(root: Path) -> None:
    """Weights of another shape, with a manifest that vouches for them (so only the load can tell)."""
    import torch

    d = root / "cell-a"
    state = torch.load(d / "weights.pt", weights_only=True)
    name = next(iter(state))
    state[name] = torch.zeros(3, 3)
    torch.save(state, d / "weights.pt")
    manifest = json.loads((d / "manifest.json").read_text())
    manifest["files"] = checkpoints._digests(d)
    (d / "manifest.json").write_text(json.dumps(manifest))


CORRUPTIONS = {
    "flipped bytes in weights": (lambda r: flip(r / "cell-a" / "weights.pt"), "weights.pt does not match its SHA-256"),
    "swapped cell directories": (swap, "belongs to another cell (cell-b)"),
    "truncated weights": (lambda r: os.truncate(r / "cell-a" / "weights.pt", 1000), "weights.pt does not match"),
    "empty weights": (lambda r: (r / "cell-a" / "weights.pt").write_bytes(b""), "weights.pt does not match"),
    "missing weights": (lambda r: (r / "cell-a" / "weights.pt").unlink(), "weights.pt is missing"),
    "missing manifest": (lambda r: (r / "cell-a" / "manifest.json").unlink(), "manifest.json is missing"),
    "missing summary": (lambda r: (r / "cell-a" / "train.json").unlink(), "train.json is missing"),
    "empty directory": (lambda r: [p.unlink() for p in (r / "cell-a").iterdir()], "manifest.json is missing"),
    "garbage manifest": (
        lambda r: (r / "cell-a" / "manifest.json").write_text("garbage"),
        "manifest.json is not valid JSON",
    ),
    "garbage summary": (lambda r: (r / "cell-a" / "train.json").write_text("garbage"), "train.json is not valid JSON"),
    "garbage model metadata": (
        lambda r: (r / "cell-a" / "tiny.json").write_text("garbage"),
        "tiny.json does not match",
    ),
    "manifest not an object": (lambda r: (r / "cell-a" / "manifest.json").write_text("[1]"), "not a JSON object"),
    "extra file": (lambda r: (r / "cell-a" / "extra.bin").write_bytes(b"x"), "extra.bin was added"),
    "wrong-shape weights": (wrong_shape, "size mismatch for"),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_every_corruption_is_one_line_naming_the_directory(case, ckpts):
    corrupt, needle = CORRUPTIONS[case]
    corrupt(ckpts)
    with pytest.raises(HarnessError) as err:
        checkpoints.load(build_model(SPEC), ckpts / "cell-a", "cell-a", "cpu")
    msg = str(err.value)
    assert "\n" not in msg and needle in msg, msg
    assert f"delete {ckpts / 'cell-a'}" in msg and "--retrain" in msg


def test_an_intact_checkpoint_loads_and_predicts_like_the_saved_model(ckpts):
    import torch

    model = build_model(SPEC)
    summary = checkpoints.load(model, ckpts / "cell-b", "cell-b", "cpu")
    assert summary == {"steps": 1, "cell": "cell-b"}
    again = build_model(SPEC)
    checkpoints.load(again, ckpts / "cell-b", "cell-b", "cpu")
    ids = torch.tensor([[3, 4, 5]])
    assert torch.equal(model.forward(ids)[0], again.forward(ids)[0])


def no_temporaries(root: Path) -> bool:
    return not [p for p in root.iterdir() if ".tmp" in p.name]


@pytest.mark.parametrize(
    "failure, needle",
    [
        (RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 31936 vs 31888"), "unexpected pos"),
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
    ],
)
def test_a_failed_save_leaves_no_temporary_directory(failure, needle, tmp_path, monkeypatch):
    """The probe: torch reports a full disk as RuntimeError, which escaped and left <cell>.tmp<PID>."""
    model = tiny()
    real_save = model.save

    def half_save(path):
        real_save(path)  # the folder and a file exist when the disk fills up
        raise failure

    monkeypatch.setattr(model, "save", half_save)
    with pytest.raises(HarnessError) as err:
        checkpoints.save(model, tmp_path / "cell-a", "cell-a", {})
    assert needle in str(err.value) and "\n" not in str(err.value)
    assert str(tmp_path / "cell-a") in str(err.value)
    assert list(tmp_path.iterdir()) == []


def dead_pid() -> int:
    pid = 999_999
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


def test_a_save_removes_temporaries_of_dead_processes_only(tmp_path):
    stale, live = tmp_path / f"cell-a.tmp{dead_pid()}", tmp_path / f"cell-a.tmp{os.getppid()}"
    stale.mkdir()
    live.mkdir()  # a worker of this run may be writing it
    checkpoints.save(tiny(), tmp_path / "cell-a", "cell-a", {})
    assert not stale.exists() and live.exists()
    checkpoints.load(build_model(SPEC), tmp_path / "cell-a", "cell-a", "cpu")


def test_a_save_replaces_a_corrupt_checkpoint(ckpts):
    """What --retrain does for a cell: a fresh save over a corrupt directory verifies again."""
    flip(ckpts / "cell-a" / "weights.pt")
    checkpoints.save(tiny(), ckpts / "cell-a", "cell-a", {"steps": 2})
    assert checkpoints.load(build_model(SPEC), ckpts / "cell-a", "cell-a", "cpu") == {"steps": 2}
    assert no_temporaries(ckpts)
