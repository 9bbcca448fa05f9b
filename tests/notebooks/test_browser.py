"""Headless Chromium from file:// with networking off: the negative control of the math check (the reports
themselves, and the index, are opened in test_reading_in_a_browser.py, on the session's smoke runs), and the sweep
page."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from helpers import rendered_dom, typeset_count

pytestmark = pytest.mark.browser


def test_the_check_would_fail_with_a_cdn_mathjax(chromium, tmp_path):
    """Negative control: nbconvert's default page loads MathJax from a CDN, so offline its math stays raw."""
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("Display: $$\\sigma(z) = \\frac{1}{1 + e^{-z}}$$"))
    body, _ = HTMLExporter().from_notebook_node(nb)
    page = tmp_path / "cdn.html"
    page.write_text(body)
    dom = rendered_dom(chromium, page)
    assert typeset_count(dom) == 0 and "$$" in dom


def test_sweep_page_builds_its_table_and_figure_offline(chromium, tmp_path):
    """The comparison page is drawn by its own script (no library, nothing from the network): after it ran, the
    table has one row per run plus the failed run's error, and the figure has a point per successful run."""
    from logistic_softmax.notebook.params import read_schema
    from logistic_softmax.runner import sweep
    from logistic_softmax.runner.plan import RunSpec

    nb = Path(__file__).resolve().parents[2] / "notebooks" / "04_networks.ipynb"
    schema = read_schema(nb)
    grid = {"learning_rate": [0.25, 0.5, 1.0], "seed": [0, 1]}
    reports = tmp_path / "reports"
    reports.mkdir()
    specs = []
    for combo in sweep.combinations(grid):
        values = schema.validate(combo)
        spec = RunSpec(nb, schema, values, schema.overrides_of(values))
        specs.append(spec)
        failed = combo == {"learning_rate": 1.0, "seed": 1}
        ok = {
            "status": "ok",
            "metrics": {"steps": {"network 0": int(100 / combo["learning_rate"])}, "converged": True},
            "key_metrics": ["steps"],
            "html": f"{spec.name}.html",
            "seconds": 5.0,
        }
        bad = {"status": "failed", "error": "notebook 04_networks failed in cell 9\n  ValueError: boom"}
        rec = bad if failed else ok
        suffix = ".failed.json" if failed else ".json"
        (reports / f"{spec.name}{suffix}").write_text(json.dumps(rec))
    page = sweep.write_page(reports, nb, "grid.yaml", grid, specs, y="steps.network 0")
    dom = rendered_dom(chromium, page)
    body = dom.split('<table id="runs">', 1)[1].split("</table>", 1)[0]
    assert body.count("<tr") == 1 + 6 + 1  # the header, six runs, the failed run's error
    assert "ValueError: boom" in body and body.count('class="failed"') == 1
    chart = dom.split('<svg id="chart"', 1)[1].split("</svg>", 1)[0]
    assert chart.count("<circle") == 5 + 2  # five points and the legend's two series (seed=0, seed=1)
    assert "<polyline" in chart and "steps.network 0" in chart
