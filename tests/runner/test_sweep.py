"""Parallel runs, sweeps and their comparison page."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from helpers import TINY_CELLS, TINY_PARAMS, make_notebook

from logistic_softmax.notebook.params import ParameterError, read_schema
from logistic_softmax.runner import cli, sweep

ROOT = Path(__file__).resolve().parents[2]


def page_data(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    blob = re.search(r'<script type="application/json" id="sweep-data">(.*?)</script>', text, re.S).group(1)
    return json.loads(blob.replace("<\\/", "</"))


def test_grid_is_read_checked_and_multiplied_out(tiny, tmp_path):
    schema = read_schema(tiny / "notebooks" / "tiny.ipynb")
    f = tmp_path / "g.yaml"
    f.write_text("a: [1, 2, 3]\nscale: 0.5\nlabel: [plain, fancy]\n")
    grid = sweep.load_grid(f, schema)
    assert grid == {"a": [1, 2, 3], "scale": [0.5], "label": ["plain", "fancy"]}
    combos = sweep.combinations(grid)
    assert len(combos) == 6 and combos[0] == {"a": 1, "scale": 0.5, "label": "plain"}
    assert combos[1] == {"a": 1, "scale": 0.5, "label": "fancy"}  # the last parameter varies fastest
    f.write_text("a: [1, 11]\n")
    with pytest.raises(ParameterError, match=r"g.yaml: parameter 'a': expected an integer in \[0, 10\], got 11"):
        sweep.load_grid(f, schema)
    f.write_text("a: [1\n")
    with pytest.raises(ParameterError, match=r"g.yaml: not valid YAML \(line 2"):
        sweep.load_grid(f, schema)


def test_sweep_runs_in_parallel_shows_failed_runs_and_writes_a_sortable_page(tiny, tmp_path, capsys):
    """Four runs on two workers, two of which fail in a cell: the others complete, the page and the index show
    both kinds, and every kernel computes with one BLAS thread (so a run's numbers do not depend on its neighbours)."""
    nb = tiny / "notebooks" / "tiny.ipynb"
    blas = ("import os\nfrom logistic_softmax.notebook.metrics import record\n"
            "names = ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS')\n"
            "record('blas', {v: os.environ[v] for v in names})")
    make_notebook(nb, TINY_PARAMS, ("code", blas), *TINY_CELLS)
    grid = tmp_path / "tiny-grid.yaml"
    grid.write_text("a: [1, 2]\nfail: [False, True]\n")
    reports = tiny / "reports"
    code = cli.main(
        ["sweep", "--notebook", "tiny", "--grid", str(grid), "--jobs", "2", "--y", "double"]
        + ["--reports", str(reports), "--notebooks", str(tiny / "notebooks")]
    )
    out, err = capsys.readouterr()
    assert code == 1  # two runs failed; the two others completed
    assert "4 runs on 2 worker processes" in out and "(2 of 4 runs failed)" in out
    assert err.count("ValueError: boom from the tiny notebook") == 2
    page = reports / "sweep-tiny--tiny-grid.html"
    data = page_data(page)
    assert data["swept"] == ["a", "fail"] and data["x"] == "a" and data["y"] == "double"
    rows = {(r["params"]["a"], r["params"]["fail"]): r for r in data["rows"]}
    assert len(rows) == 4
    for a in (1, 2):
        ok, bad = rows[(a, False)], rows[(a, True)]
        assert ok["status"] == "ok" and ok["metrics"]["double"] == 2 * a and (reports / ok["html"]).is_file()
        assert [ok["metrics"][f"blas.{v}"] for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")] == [
            "1", "1", "1"]
        assert bad["status"] == "failed" and bad["html"] is None and "boom from the tiny notebook" in bad["error"]
    text = page.read_text()
    assert "https://" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "function sortBy" in text and 'id="chart"' in text
    index = (reports / "index.html").read_text()
    assert "sweep-tiny--tiny-grid.html" in index and index.count('class="failed">failed<') == 2
    assert not [p for p in reports.iterdir() if p.name.startswith(".tmp-")]


def test_plan_prints_one_plain_command_per_run_and_page_only_rebuilds(tiny, tmp_path, capsys):
    grid = tmp_path / "g.yaml"
    grid.write_text("a: [4, 5]\n")
    nbs, reports = str(tiny / "notebooks"), str(tiny / "reports")
    assert cli.main(["sweep", "-n", "tiny", "--grid", str(grid), "--plan", "--notebooks", nbs]) == 0
    commands = capsys.readouterr().out.splitlines()
    assert len(commands) == 2 and all("logistic_softmax.report run --notebook tiny" in c for c in commands)
    # run the plan's first command as another scheduler would, then build the page from what is there
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    cmd = commands[0].replace("--notebook tiny", f"--notebook {tiny / 'notebooks' / 'tiny.ipynb'}")
    cmd = re.sub(r"--reports \S+", f"--reports {reports}", cmd)
    subprocess.run(cmd, shell=True, check=True, env=env, capture_output=True)
    args = ["sweep", "-n", "tiny", "--grid", str(grid), "--page-only", "--notebooks", nbs, "--reports", reports]
    assert cli.main(args) == 0
    statuses = [r["status"] for r in page_data(Path(reports) / "sweep-tiny--g.html")["rows"]]
    assert statuses == ["ok", "not run"]
