"""Shared fixtures: tiny notebooks written into tmp_path, the smoke runs of the real notebooks, Chromium."""

from __future__ import annotations

import json
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

from logistic_softmax.runner import cli, render
from logistic_softmax.runner.index import write_index
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


def _shared_root(tmp_path_factory, name: str) -> Path:
    """The folder of ``name`` that every worker of this session sees (pytest-xdist gives each worker its own
    temporary folder, below a common one)."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    root.mkdir(parents=True, exist_ok=True)
    return root


def _claim(root: Path, key: str, make, *, wait: bool = True) -> bool:
    """``make()`` once per test session, also when pytest-xdist spreads the tests over workers: the first worker to
    claim ``key`` (an atomic mkdir) runs it; another one waits for its result, or with ``wait=False`` returns at once
    (False: claimed by another worker)."""
    claim, done, failed = root / f"{key}.claim", root / f"{key}.done", root / f"{key}.failed"
    try:
        claim.mkdir()
    except FileExistsError:
        if wait:
            _wait_for(root, key)
        return False
    try:
        make()
    except BaseException:
        failed.touch()
        raise
    done.touch()
    return True


def _wait_for(root: Path, key: str) -> None:
    deadline = time.monotonic() + 1800
    while not (root / f"{key}.done").exists():
        if (root / f"{key}.failed").exists():
            pytest.fail(f"{root.name}/{key}: the worker that ran it failed")
        if time.monotonic() > deadline:
            pytest.fail(f"{root.name}/{key}: timed out waiting for another worker")
        time.sleep(0.25)


def _typical_seconds(nb: Path) -> float:
    return float(json.loads(nb.read_text())["metadata"].get("logistic_softmax", {}).get("typical_seconds", 0))


#: the committed notebooks, longest first: the order in which workers take the smoke runs
LONGEST_FIRST = sorted(COMMITTED, key=_typical_seconds, reverse=True)


def _smoke_runs(tmp_path_factory, name: str) -> Path:
    """Every committed notebook run once with its smoke parameters into one folder, as ``make report`` leaves it.

    The runs are shared out between the workers that need the folder: each takes the next notebook no worker has
    taken (longest first), so a worker that would otherwise wait for the folder executes part of it; then all wait
    for the last run, and one of them writes the index of the whole folder (each run also writes it, but two runs
    finishing together may each write it without the other's)."""
    root = _shared_root(tmp_path_factory, name)
    out = root / "out"
    _claim(root, "static", lambda: render.ensure_mathjax(out))  # copied once, not by two runs at the same time
    for nb in LONGEST_FIRST:
        args = ["run", "--notebook", nb.stem, "--set", smoke_assignments(nb.stem), "--reports", str(out), "--jobs", "1"]

        def run(args=args, stem=nb.stem):
            assert cli.main(args) == 0, f"smoke run of {stem} failed"

        _claim(root, nb.stem, run, wait=False)
    for nb in LONGEST_FIRST:
        _wait_for(root, nb.stem)
    _claim(root, "index", lambda: write_index(out))
    return out


@pytest.fixture(scope="session")
def smoke_reports(tmp_path_factory) -> Path:
    """Every committed notebook run once through the real runner with its smoke parameters."""
    return _smoke_runs(tmp_path_factory, "smoke-reports")


@pytest.fixture(scope="session")
def smoke_reports_again(tmp_path_factory) -> Path:
    """The same runs a second time, in new kernels and another folder (for the determinism test)."""
    return _smoke_runs(tmp_path_factory, "smoke-reports-again")


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
