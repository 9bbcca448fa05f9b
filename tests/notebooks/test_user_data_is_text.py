"""User data is text, never markup: the GLM and networks reports, the index and a sweep page rendered from a CSV whose
class labels, column names and file name are HTML, Markdown and TeX. Opened in headless Chromium: no script from
the data runs, no element or attribute from the data appears, MathJax typesets none of it, and every label shows as
the characters it holds."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import NOTEBOOKS, rendered_dom

from logistic_softmax.notebook.params import read_schema
from logistic_softmax.runner import cli, sweep
from logistic_softmax.runner.plan import RunSpec

pytestmark = [pytest.mark.notebook, pytest.mark.browser]

#: Each payload would leave a trace if it ran (the page's title, a data attribute) or were read as markup or TeX.
LABELS = ['<script>document.title="PWNED1"</script>', '<img src=x onerror="document.body.dataset.pwned=2">',
          "$\\mathrm{PWNED3}$ **b** `c` &amp;"]
OUTCOME = 'group <i onmouseover="document.body.dataset.pwned=4">g</i>'
PREDICTORS = ['<b onclick="document.body.dataset.pwned=5">x1</b>', "x2 $\\mathrm{PWNED6}$ _a_", "w`<u>u</u>`"]
#: a column of the two-class file that is the sum of the first two predictors: the Logit report leaves it out, by name
DEPENDENT = '<i onclick="document.body.dataset.pwned=8">sum</i> $x$'


def _hostile_csvs(folder: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(11)
    n = 300
    X = rng.normal(size=(n, 3))
    scores = np.c_[np.zeros(n), 0.9 * X[:, 0] - 0.4 * X[:, 2], -0.6 * X[:, 1] + 0.3 * X[:, 2]]
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    three = np.array(LABELS)[[rng.choice(3, p=row) for row in p]]
    two = np.where(rng.random(n) < 1 / (1 + np.exp(-scores[:, 1])), LABELS[0], LABELS[1])
    paths = []
    for name, y in (("two <b onclick=x>classes", two), ("three $x$ classes", three)):
        path = folder / f"{name}.csv"
        frame = pd.DataFrame({OUTCOME: y, **dict(zip(PREDICTORS, X.T, strict=True))})
        frame[DEPENDENT] = X[:, 0] + X[:, 1]
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths[0], paths[1]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _assert_only_text(dom: str, page: str) -> None:
    title = re.search(r"<title>(.*?)</title>", dom, flags=re.S)
    assert title is None or "PWNED" not in title.group(1), page  # no script of the data ran
    parser = _Tags()
    parser.feed(dom)
    for tag, attrs in parser.tags:
        assert "data-pwned" not in attrs and tag != "u", (page, tag, attrs)
        assert not (tag == "img" and attrs.get("src") == "x"), (page, attrs)
        assert not any(k.startswith("on") and "pwned" in (v or "") for k, v in attrs.items()), (page, tag, attrs)
    # MathJax keeps the TeX it typeset in script elements: none holds a label's TeX
    typeset = re.findall(r'<script type="math/tex[^"]*"[^>]*>(.*?)</script>', dom, flags=re.S)
    assert not [t for t in typeset if "PWNED" in t], page


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    two, three = _hostile_csvs(folder)
    runs = {
        "02_logit_glm": {"data": str(two), "outcome": OUTCOME, "predictors": [*PREDICTORS, DEPENDENT],
                         "positive": LABELS[0]},
        "03_mnlogit_glm": {"data": str(three), "outcome": OUTCOME, "predictors": PREDICTORS},
        "04_networks": {"data": str(two), "outcome": OUTCOME, "predictors": PREDICTORS[:2], "layer_data": str(three),
                        "layer_outcome": OUTCOME, "layer_predictors": PREDICTORS, "epochs": 300, "base_steps": 50,
                        "optimizer_steps": 20},
    }
    reports = folder / "reports"
    for notebook, values in runs.items():
        params = folder / f"{notebook}.yaml"
        params.write_text(yaml.safe_dump(values))
        assert cli.main(["run", "--notebook", notebook, "--params-file", str(params), "--reports", str(reports)]) == 0
    return reports


@pytest.mark.parametrize("notebook", ["02_logit_glm", "03_mnlogit_glm", "04_networks"])
def test_a_report_shows_hostile_labels_and_names_as_text(hostile_reports, chromium, notebook):
    (record,) = [json.loads(p.read_text()) for p in hostile_reports.glob(f"{notebook}--*.json")]
    page = hostile_reports / record["html"]
    dom = rendered_dom(chromium, page)
    _assert_only_text(dom, page.name)
    shown = html.unescape(re.sub(r"<[^>]+>", "", dom))  # the text a reader sees
    for label in LABELS[:2] + [OUTCOME, PREDICTORS[0]] + ([DEPENDENT] if notebook == "02_logit_glm" else []):
        assert label in shown, label
    assert 'class="claim claim-failed' not in dom


def test_the_logit_report_on_text_labels_leaves_out_a_dependent_column_and_says_so(hostile_reports):
    """A CSV with text labels, a positive label named, and a predictor that is the sum of two others: the fit
    converges without it, and the report names it as left out (shown as text: the test above)."""
    (record,) = [json.loads(p.read_text()) for p in hostile_reports.glob("02_logit_glm--*.json")]
    m, page = record["metrics"], (hostile_reports / record["html"]).read_text()
    assert m["converged"] is True and m["separation"] is False
    assert set(m["logit_params"]) == {"const", *PREDICTORS}  # the sum is left out
    assert "linearly dependent" in page and 'class="claim claim-failed ' not in page


def test_the_index_and_a_sweep_page_show_hostile_values_as_text(hostile_reports, chromium, tmp_path):
    _assert_only_text(rendered_dom(chromium, hostile_reports / "index.html"), "index.html")
    nb = NOTEBOOKS / "03_mnlogit_glm.ipynb"
    schema = read_schema(nb)
    record = json.loads(next(hostile_reports.glob("03_mnlogit_glm--*.json")).read_text())
    values = schema.validate(record["overrides"])
    spec = RunSpec(nb, schema, values, schema.overrides_of(values))
    grid = {"data": [values["data"]], "reference": [LABELS[0]]}
    (hostile_reports / f"{spec.name}.json").write_text(json.dumps(record | {
        "metrics": {**record["metrics"], "mnlogit_params": {LABELS[1]: {PREDICTORS[0]: 1.0}}}}))
    page = sweep.write_page(hostile_reports, nb, "grid </script><script>document.title='PWNED7'</script>.yaml", grid,
                            [spec])
    dom = rendered_dom(chromium, page)
    _assert_only_text(dom, page.name)
    assert "PWNED7" in html.unescape(re.sub(r"<[^>]+>", "", dom.split("<body", 1)[1]))  # shown as text
