"""Shared fixtures: tiny notebooks written into tmp_path, the smoke runs of the real notebooks, Chromium."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import (
    ANES,
    COMMITTED,
    DEMO_PARAMETERS,
    SPECTOR,
    TINY_CELLS,
    TINY_PARAMS,
    chromium_path,
    make_notebook,
    smoke_assignments,
)

from logistic_softmax.runner import cli
from logistic_softmax.science.data import tables
from logistic_softmax.science.scaling import Scaling


@pytest.fixture
def schema():
    """The schema of :data:`helpers.DEMO_PARAMETERS` (notebook ``demo``)."""
    from logistic_softmax.notebook.params import schema_from_source

    return schema_from_source(DEMO_PARAMETERS, "demo")


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A folder holding ``notebooks/tiny.ipynb``; reports go to ``tmp_path/reports``."""
    make_notebook(tmp_path / "notebooks" / "tiny.ipynb", TINY_PARAMS, *TINY_CELLS)
    return tmp_path


@pytest.fixture
def separated_csv(tmp_path: Path) -> Path:
    """A CSV whose class 'high' is exactly the rows with x1 > 0.6: the softmax regression has no finite MLE."""
    rng = np.random.default_rng(1)
    x1, x2 = rng.normal(size=80), rng.normal(size=80)
    y = np.where(x1 > 0.6, "high", np.where(rng.random(80) < 0.5, "low", "mid"))
    path = tmp_path / "separated.csv"
    pd.DataFrame({"group": y, "x1": x1, "x2": x2}).to_csv(path, index=False)
    return path


def _once(tmp_path_factory, name: str, make) -> Path:
    """``make(folder)`` once per test session, also when pytest-xdist spreads the tests over workers: the first
    worker to claim ``name`` runs it, the others wait for its result (so two files can share one set of runs)."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    out, done, failed = root / "out", root / ".done", root / ".failed"
    try:
        root.mkdir()  # the claim: atomic
    except FileExistsError:
        deadline = time.monotonic() + 1800
        while not done.exists():
            if failed.exists():
                pytest.fail(f"{name}: the worker that ran it failed")
            if time.monotonic() > deadline:
                pytest.fail(f"{name}: timed out waiting for another worker")
            time.sleep(0.25)
        return out
    try:
        make(out)
    except BaseException:
        failed.touch()
        raise
    done.touch()
    return out


def _smoke_runs(out: Path) -> None:
    for nb in COMMITTED:
        args = ["run", "--notebook", nb.stem, "--set", smoke_assignments(nb.stem), "--reports", str(out), "--jobs", "1"]
        assert cli.main(args) == 0, f"smoke run of {nb.stem} failed"


@pytest.fixture(scope="session")
def smoke_reports(tmp_path_factory) -> Path:
    """Every committed notebook run once through the real runner with its smoke parameters."""
    return _once(tmp_path_factory, "smoke-reports", _smoke_runs)


@pytest.fixture(scope="session")
def smoke_reports_again(tmp_path_factory) -> Path:
    """The same runs a second time, in new kernels and another folder (for the determinism test)."""
    return _once(tmp_path_factory, "smoke-reports-again", _smoke_runs)


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required under CI=true (apt-get install chromium; .ci/run installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium); the browser check needs it")
    return path


@pytest.fixture(scope="session")
def spector():
    """statsmodels' spector data: the dataset, its standardisation, the standardised design and the 0/1 outcome."""
    ds = tables.from_params({**SPECTOR, "positive": "1"}, kind="binary")
    scaling = Scaling.fit(ds.X)
    return ds, scaling, scaling.transform(ds.X), ds.binary("1")


@pytest.fixture(scope="session")
def anes():
    """statsmodels' anes96 data (party identification): the dataset, its standardisation, the standardised design."""
    ds = tables.from_params(ANES, kind="categorical")
    scaling = Scaling.fit(ds.X)
    return ds, scaling, scaling.transform(ds.X)
