"""The index as a landing page: results in words under the notebooks' labels, the reports in reading order with the
run each one presents, notebooks not run yet and failed runs, and every value shown as text."""

from __future__ import annotations

import html
import json
import re

import pytest
from helpers import make_notebook

from logistic_softmax.runner.index import chapters, in_words, key_results, metric_label, write_index
from logistic_softmax.runner.records import load_runs


@pytest.mark.parametrize("value, words", [
    (True, "yes"), (False, "no"), (None, "none"), (686, "686"), (60000, "60,000"),
    (4.94e-15, "4.9e-15"), (0.0, "0"), (0.92541, "0.9254"), (-12.889634, "-12.89"), (-1461.92274, "-1,461.9"),
    (2.5e6, "2.5e+06"), ("nan", "not available (NaN)"), ("inf", "infinite"), ("spector", "spector"),
    ([0.62245933, 0.37754067], "0.6225, 0.3775"), ({"2eta": 2.37988, "eta": 4.13915}, "2eta = 2.38, eta = 4.139"),
    ({"a": [0.5, 1.25]}, "a = 0.5, 1.25"), ([[1, 2], [3, 4]], "[1, 2], [3, 4]"),
])
def test_values_in_words(value, words):
    assert in_words(value) == words


def test_a_long_value_is_cut():
    text = in_words(list(range(200)))
    assert len(text) <= 140 and text.endswith("…") and text.startswith("0, 1, 2")


def test_a_metric_is_shown_under_its_label_or_its_name():
    assert metric_label("k2_max_abs_diff_vs_logit", {}) == "k2 max abs diff vs logit"
    assert metric_label("k2_max_abs_diff_vs_logit", {"k2_max_abs_diff_vs_logit": "two-class MNLogit vs Logit"}) == \
        "two-class MNLogit vs Logit"
    rec = {"metrics": {"a_b": 4.9e-15, "c": True, "hidden": 1}, "key_metrics": ["a_b", "c", "missing"],
           "metric_labels": {"c": "converged"}}
    assert key_results(rec) == [("a b", "4.9e-15"), ("converged", "yes")]


def _record(reports, notebook, name, status="ok", finished="2026-01-01T10:00", **fields):
    rec = {"notebook": notebook, "name": name, "status": status, "parameters": {}, "seconds": 2.0,
           "finished": finished, "html": f"{name}.html", "ipynb": f"{name}.ipynb", **fields}
    suffix = ".failed.json" if status == "failed" else ".json"
    (reports / f"{name}{suffix}").write_text(json.dumps(rec))


@pytest.fixture
def folder(tmp_path):
    """Four notebooks (one never run, one whose only run failed) and a record of a notebook no longer there."""
    notebooks, reports = tmp_path / "notebooks", tmp_path / "reports"
    reports.mkdir()
    for stem in ("01_a", "02_b", "03_c", "04_d"):
        path = make_notebook(notebooks / f"{stem}.ipynb", "a: int = 1  # a\n")
        path.write_text(path.read_text().replace("# A tiny report", f"# Report `{stem}`"))
    labels = {"metric_labels": {"m": "the measure"}, "key_metrics": ["m"]}
    _record(reports, "01_a", "01_a", metrics={"m": 4.9e-15}, **labels)
    _record(reports, "01_a", "01_a--a-2--abc", metrics={"m": 1.0}, overrides={"a": 2}, **labels)
    _record(reports, "02_b", "02_b--a-3--old", metrics={"m": 1.0}, overrides={"a": 3}, **labels)
    _record(reports, "02_b", "02_b--a-4--new", metrics={"m": 2.0}, overrides={"a": "<b>x</b>"},
            finished="2026-01-02T10:00", **labels)
    _record(reports, "04_d", "04_d", status="failed", error="notebook 04_d failed in cell 3\n  ValueError: <boom>",
            html=None)
    _record(reports, "09_gone", "09_gone", metrics={"m": 0.5}, **labels)
    return notebooks, reports


def test_the_reports_in_reading_order_each_with_the_run_it_presents(folder):
    notebooks, reports = folder
    found = {c["stem"]: c for c in chapters(load_runs(reports), reports, notebooks)}
    assert list(found) == ["01_a", "02_b", "03_c", "04_d", "09_gone"]
    a, b, c, d, gone = found.values()
    assert a["href"] == "01_a.html" and a["params"] == [] and a["results"] == [("the measure", "4.9e-15")]
    assert a["others"] == 1 and a["title"] == [("text", "Report "), ("code", "01_a")]
    assert a["sentence"] == [("text", "With math: $$\\sigma(z) = \\frac{1}{1+e^{-z}}$$")] and a["has_math"]
    assert b["href"] == "02_b--a-4--new.html" and b["results"] == [("the measure", "2")] and b["others"] == 1
    assert c["href"] is None and c["results"] == [] and c["others"] == 0
    assert d["href"] is None and d["failed"] == "notebook 04_d failed in cell 3" and d["others"] == 0
    assert gone["title"] == [("text", "09_gone")] and gone["href"] == "09_gone.html"


def test_the_page_shows_every_value_as_text(folder):
    notebooks, reports = folder
    page = write_index(reports, notebooks).read_text()
    assert re.findall(r'<li class="chapter" id="([^"]+)"', page) == ["01_a", "02_b", "03_c", "04_d", "09_gone"]
    assert '<span class="result-label">the measure</span>: <strong class="result-value nowrap">4.9e-15</strong>' in page
    assert "make report NB=03_c" in page and "the last run with its defaults failed" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page  # a user's value is text
    assert "ValueError: &lt;boom&gt;" in page and "<boom>" not in page
    assert 'class="failed">failed<' in page and "Every run" in page
    # no MathJax copy in this folder: no script asked for, though a description has math
    assert "MathJax.js" not in page
    (reports / "_static" / "mathjax").mkdir(parents=True)
    (reports / "_static" / "mathjax" / "MathJax.js").write_text("")
    page = write_index(reports, notebooks).read_text()
    assert 'src="_static/mathjax/MathJax.js' in page and '<body class="tex2jax_ignore">' in page
    summary = re.search(r'<p class="chapter-summary tex2jax_process">(.*?)</p>', page).group(1)
    assert html.unescape(summary) == "With math: $$\\sigma(z) = \\frac{1}{1+e^{-z}}$$"
