"""The local backend's scheduling: training phases in --jobs workers, evaluation-only phases in turn with
every thread the run was given."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from harness.backends import Phase, local
from harness.engine.cells import CellJob


def phase(cells, trained: set[str]) -> Phase:
    jobs = [CellJob("cfg", "out", t, c, raw_trained=c not in trained) for t, c in cells]
    return Phase(
        jobs,
        run=lambda job: job.compressor,
        run_detached=None,
        plan=None,
        records=[],
        append=None,
        checkpoint_path=None,
    )


def _backend(jobs, threads):
    return local.LocalBackend(SimpleNamespace(jobs=jobs, threads=threads, backend_options={}))


def _spy(monkeypatch):
    calls = []

    def fake_run_cells(jobs, run_one, workers=1, threads=None):
        calls.append((len(jobs), workers, threads, torch.get_num_threads()))
        return [run_one(job) for job in jobs]

    monkeypatch.setattr(local, "run_cells", fake_run_cells)
    return calls


def test_training_cells_use_the_workers_and_their_threads(monkeypatch):
    calls = _spy(monkeypatch)
    cells = [("recall", "raw"), ("recall", "ltsc")]
    assert _backend(2, 1).run_cells(phase(cells, {"raw", "ltsc"})) == ["raw", "ltsc"]
    assert calls == [(2, 2, 1, torch.get_num_threads())]


def test_evaluation_only_cells_run_in_turn_with_all_threads_then_restore(monkeypatch):
    calls = _spy(monkeypatch)
    before = torch.get_num_threads()
    cells = [("recall", "truncate@rate=match:ltsc"), ("recall", "llmlingua@rate=match:ltsc")]
    assert _backend(2, 1).run_cells(phase(cells, {"raw"})) == [c for _, c in cells]
    assert calls == [(2, 1, None, 2)]  # one process, 2 jobs x 1 thread
    assert torch.get_num_threads() == before


def test_evaluation_only_with_one_job_or_a_mixed_phase_is_unchanged(monkeypatch):
    calls = _spy(monkeypatch)
    _backend(1, 3).run_cells(phase([("recall", "truncate")], {"raw"}))
    _backend(2, 1).run_cells(phase([("recall", "raw"), ("recall", "truncate")], {"raw"}))
    assert [c[:3] for c in calls] == [(1, 1, 3), (2, 2, 1)]
