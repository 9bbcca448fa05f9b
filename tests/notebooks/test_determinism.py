"""Determinism: two runs of every notebook with the same parameters give the same metrics.

The second set of smoke runs is made for this file, into its own folder (under pytest-xdist, shared out between the
workers that need either set, run by run; see ``_smoke_runs`` in conftest.py)."""

from __future__ import annotations

import json

import pytest
from helpers import COMMITTED

#: Metrics that measure the machine, not the model: they differ between two runs of the same parameters.
MACHINE_METRICS = {"train_seconds", "peak_memory_mib"}


@pytest.mark.notebook
@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_same_parameters_give_identical_metrics(smoke_reports_again, smoke_reports, path):
    """A second run with the smoke parameters, in a new kernel and folder: every metric identical, bit for bit,
    except the timings and the peak memory."""
    out = smoke_reports_again
    (first,) = [json.loads(p.read_text()) for p in smoke_reports.glob(f"{path.stem}*.json")]
    (second,) = [json.loads(p.read_text()) for p in out.glob(f"{path.stem}*.json")]
    assert first["name"] == second["name"]
    a = {k: v for k, v in first["metrics"].items() if k not in MACHINE_METRICS}
    b = {k: v for k, v in second["metrics"].items() if k not in MACHINE_METRICS}
    assert a == b
    assert len(a) >= 3
