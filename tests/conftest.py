"""Shared fixtures: tiny notebooks written into tmp_path, the smoke runs of the real notebooks, Chromium."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from logistic_softmax import report

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
COMMITTED = sorted(NOTEBOOKS.glob("*.ipynb"))

#: Small parameters for the smoke run of every committed notebook (every notebook must have an entry).
SMOKE = {
    "01_sigmoid_softmax": {"grid_points": 11, "xb_points": 4, "z_max": 1000.0},
    "02_logit_glm": {},  # the defaults are already small (32 observations)
    "03_mnlogit_glm": {"reference": "3"},  # 944 observations; a reference other than statsmodels' own
    "04_networks": {"learning_rate": 1.0, "seed": 3},  # fewer steps than the defaults, another initialisation
    # a subsample, two epochs, a small hidden layer, ten components: every section runs, in seconds
    "05_mnist": {"n_train": 3000, "epochs": 2, "softmax_epochs": 2, "hidden_units": 16, "pca_components": 10},
}


def make_notebook(path: Path, params_source: str, *cells: tuple[str, str]) -> Path:
    """Write a notebook with a tagged parameters cell followed by ``cells`` (kind, source)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell("# A tiny report\n\nWith math: $$\\sigma(z) = \\frac{1}{1+e^{-z}}$$"))
    pc = nbformat.v4.new_code_cell(params_source)
    pc.metadata["tags"] = ["parameters"]
    nb.cells.append(pc)
    for kind, src in cells:
        nb.cells.append(nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


TINY_PARAMS = """\
a: int = 2  # a small integer  [0, 10]
scale: float = 0.5  # a positive number  (0, inf)
label: str = "plain"  # a label {plain, fancy}
fail: bool = False  # raise in the cell after the record
"""

TINY_CELLS = (
    (
        "code",
        "from logistic_softmax.metrics import record\nrecord('double', a * 2, key=True)\nrecord('scaled', a * scale)",
    ),
    ("md", "Inline math $z_1 - z_2$ and a display: $$e^{z_1} / (e^{z_1} + e^{z_2})$$"),
    ("code", "SECRET_SOURCE_MARKER = 1\nprint('visible output', a)"),
    ("code", "if fail:\n    raise ValueError('boom from the tiny notebook')"),
)


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
        assert report.main(args) == 0, f"smoke run of {nb.stem} failed"


@pytest.fixture(scope="session")
def smoke_reports(tmp_path_factory) -> Path:
    """Every committed notebook run once through the real runner with its smoke parameters."""
    return _once(tmp_path_factory, "smoke-reports", _smoke_runs)


@pytest.fixture(scope="session")
def smoke_reports_again(tmp_path_factory) -> Path:
    """The same runs a second time, in new kernels and another folder (for the determinism test)."""
    return _once(tmp_path_factory, "smoke-reports-again", _smoke_runs)


def smoke_assignments(stem: str) -> str:
    return " ".join(f"{k}={v}" for k, v in SMOKE.get(stem, {}).items())


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required under CI=true (apt-get install chromium; .ci/run installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium); the browser check needs it")
    return path

SPECTOR = {"data": "spector", "outcome": "GRADE", "predictors": ["GPA", "TUCE", "PSI"], "positive": "1"}
ANES = {"data": "anes96", "outcome": "PID", "predictors": ["logpopul", "selfLR", "age", "educ", "income"]}


@pytest.fixture(scope="session")
def spector():
    """statsmodels' spector data: the dataset, its standardisation, the standardised design and the 0/1 outcome."""
    from logistic_softmax import datasets
    from logistic_softmax import networks as nw

    ds = datasets.from_params(SPECTOR, kind="binary")
    scaling = nw.Scaling.fit(ds.X)
    return ds, scaling, scaling.transform(ds.X), ds.binary("1")


@pytest.fixture(scope="session")
def anes():
    """statsmodels' anes96 data (party identification): the dataset, its standardisation, the standardised design."""
    from logistic_softmax import datasets
    from logistic_softmax import networks as nw

    ds = datasets.from_params(ANES, kind="categorical")
    scaling = nw.Scaling.fit(ds.X)
    return ds, scaling, scaling.transform(ds.X)
