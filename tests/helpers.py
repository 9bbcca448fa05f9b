"""What several test modules share (no test module imports another): the project's folders and notebooks, the
smoke parameters, tiny notebooks, small MNIST folders, the standard data sets, the runner's command line on a
folder, and headless Chromium."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
import numpy as np

from logistic_softmax.runner import cli
from logistic_softmax.science.data import mnist

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
COMMITTED = sorted(NOTEBOOKS.glob("*.ipynb"))

#: Small parameters for the smoke run of every committed notebook (every notebook must have an entry).
SMOKE = {
    "01_sigmoid_softmax": {"grid_points": 11, "xb_points": 4, "z_max": 1000.0},
    "02_logit_glm": {},  # the defaults are already small (32 observations)
    "03_mnlogit_glm": {"reference": "3"},  # 944 observations; a reference other than statsmodels' own
    # fewer steps than the defaults, another initialisation; 200 steps on the shared base and 60 of each optimiser
    # (the fuzz test's caps) keep every claim checked and the one-rate networks visibly apart
    "04_networks": {"learning_rate": 1.0, "seed": 3, "base_steps": 200, "optimizer_steps": 60},
    # a subsample, two epochs, a small hidden layer, ten components: every section runs, in seconds
    "05_mnist": {"n_train": 3000, "epochs": 2, "softmax_epochs": 2, "hidden_units": 16, "pca_components": 10},
    # 60 images, 2,000 gradient-descent steps, 10 Newton iterations: every section runs, in a few seconds
    "06_penalties_and_separation": {"images": 60, "gd_steps": 2000, "mle_iterations": 10},
    # fewer draws, two rows simulated, 1,000 MNIST images on ten components, another pair of classes
    "07_random_utility": {"n_draws": 20000, "observations": 2, "n_train": 1000, "pca_components": 10,
                          "pair": "[2,5]"},
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
        "from logistic_softmax.notebook.metrics import record\n"
        "record('double', a * 2, key=True)\nrecord('scaled', a * scale)",
    ),
    ("md", "Inline math $z_1 - z_2$ and a display: $$e^{z_1} / (e^{z_1} + e^{z_2})$$"),
    ("code", "SECRET_SOURCE_MARKER = 1\nprint('visible output', a)"),
    ("code", "if fail:\n    raise ValueError('boom from the tiny notebook')"),
)



#: a parameters cell with one parameter of every kind (the ``demo_schema`` fixture reads it)
DEMO_PARAMETERS = """\
n: int = 5  # how many  [1, 100]
rate: float = 0.1  # step size  (0, inf)
alpha: float = 0.05  # level  (0, 1)
name: str = "spector"  # dataset name or CSV path
flag: bool = False  # a switch
digits: list[int] = [3, 5]  # two digits  [0, 9]
preds: list[str] = ["a", "b"]  # columns
ref: str | None = None  # reference category (None: the first)
mode: str = "fast"  # how to run {fast, slow}
"""

#: statsmodels' spector and anes96 data as a notebook's parameters name them
SPECTOR = {"data": "spector", "outcome": "GRADE", "predictors": ["GPA", "TUCE", "PSI"], "positive": ""}
def classes_on_normal_design(seed: int, n: int, p: int = 3, K: int = 4):
    """A generator, a design of ``n`` rows (a constant and ``p`` standard normal columns) and ``n`` class codes drawn
    uniformly from ``K``, in that order from ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, p))])
    return rng, X, rng.integers(0, K, size=n)


ANES = {"data": "anes96", "outcome": "PID", "predictors": ["logpopul", "selfLR", "age", "educ", "income"]}


def smoke_assignments(stem: str) -> str:
    return " ".join(f"{k}={v}" for k, v in SMOKE.get(stem, {}).items())


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


# Published class counts of MNIST (LeCun et al.; the same in every intact copy).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(data: np.ndarray) -> bytes:
    magic = {1: 0x00000801, 3: 0x00000803}[data.ndim]
    header = magic.to_bytes(4, "big") + b"".join(int(s).to_bytes(4, "big") for s in data.shape)
    return header + data.astype(np.uint8).tobytes()


def write_folder(root: Path, n_train: int = 6, n_test: int = 4, seed: int = 0) -> dict[str, np.ndarray]:
    """A folder in the MNIST layout with small random images, their labels and a sums file."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, size=(n_train, 28, 28)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, size=n_train),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, size=(n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, size=n_test),
    }
    lines = []
    for name, data in arrays.items():
        raw = idx_bytes(data)
        (root / f"{name}.gz").write_bytes(gzip.compress(raw))
        lines.append(f"{hashlib.sha256(raw).hexdigest()}  {name}")
    (root / mnist.SUMS_FILE).write_text("\n".join(lines) + "\n")
    return arrays


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folder`` with its size and modification time (what "nothing changed" means)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def run_cli(tiny: Path, *args: str) -> int:
    return cli.main(["run", "--notebooks", str(tiny / "notebooks"), "--reports", str(tiny / "reports"), *args])


#: Chromium's flags that make every network request fail: names resolve to nothing, and any proxy is a dead port
OFFLINE_FLAGS = ("--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9")


@contextlib.contextmanager
def browser(chromium: str):
    """The system's headless Chromium driven by playwright (no browser of playwright's own is downloaded), with
    networking off as in :func:`rendered_dom`: one start for several pages."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu", *OFFLINE_FLAGS])
        try:
            yield chrome
        finally:
            chrome.close()


def rendered_dom(chromium: str, page: Path) -> str:
    """The DOM after scripts ran, with every network request failing (DNS mapped away, proxy to a dead port)."""
    with tempfile.TemporaryDirectory() as profile:
        args = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *OFFLINE_FLAGS,
            "--virtual-time-budget=20000",
            "--dump-dom",
            page.resolve().as_uri(),
        ]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def typeset_count(dom: str) -> int:
    return dom.count('class="MathJax"') + dom.count('class="MathJax_Display"') + dom.count("MathJax_CHTML")
