"""Every committed notebook: stripped, parameterised, readable by papermill, and rendering with small parameters."""

from __future__ import annotations

import json

import nbformat
import pytest
from conftest import NOTEBOOKS, SMOKE
from papermill import inspect_notebook

from logistic_softmax.params import read_schema

COMMITTED = sorted(NOTEBOOKS.glob("*.ipynb"))
#: Metrics each notebook must record (the issues name them).
REQUIRED_METRICS = {
    "01_sigmoid_softmax": {"question", "answer", "identity_max_abs_err"},
}


def test_there_are_notebooks_and_each_has_smoke_parameters():
    assert COMMITTED, "no notebooks found"
    assert {p.stem for p in COMMITTED} == set(SMOKE), "every notebook needs small parameters in conftest.SMOKE"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_committed_notebook_is_stripped_and_parameterised(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    assert nb.metadata.get("language_info", {}).get("name") == "python"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "commit notebooks without outputs"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    schema = read_schema(path)
    assert schema.parameters and all(p.help for p in schema.parameters), "every parameter has one line of help"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_papermill_reads_the_same_parameters(path):
    """papermill's own parser (used by `papermill --help-notebook`) sees every parameter with its type."""
    inferred = inspect_notebook(str(path))
    schema = read_schema(path)
    assert list(inferred) == schema.names
    for p in schema.parameters:
        assert inferred[p.name]["inferred_type_name"] == p.type
        assert inferred[p.name]["help"].startswith(p.help)


@pytest.mark.notebook
@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_smoke_run_through_the_real_runner(smoke_reports, path):
    runs = [json.loads(p.read_text()) for p in smoke_reports.glob(f"{path.stem}*.json")]
    assert len(runs) == 1
    rec = runs[0]
    assert rec["status"] == "ok"
    assert REQUIRED_METRICS[path.stem] <= set(rec["metrics"])
    html = (smoke_reports / rec["html"]).read_text()
    assert "Traceback" not in html and 'class="claim claim-failed"' not in html
    assert html.count('class="claim claim-ok"') >= 5
    assert (smoke_reports / "index.html").read_text().count(rec["html"]) >= 1
