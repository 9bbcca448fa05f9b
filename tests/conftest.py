"""Shared fixtures: tiny notebooks written into tmp_path, the smoke runs of the real notebooks, Chromium."""

from __future__ import annotations

import os
import shutil
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


@pytest.fixture(scope="session")
def smoke_reports(tmp_path_factory) -> Path:
    """Run every committed notebook once through the real runner with its smoke parameters."""
    out = tmp_path_factory.mktemp("smoke-reports")
    for nb in sorted(NOTEBOOKS.glob("*.ipynb")):
        assignments = " ".join(f"{k}={v}" for k, v in SMOKE.get(nb.stem, {}).items())
        code = report.main(["run", "--notebook", nb.stem, "--set", assignments, "--reports", str(out)])
        assert code == 0, f"smoke run of {nb.stem} failed"
    return out


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
