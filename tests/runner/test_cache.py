"""Reruns that do only what changed: the inputs a run depends on, the decision (keep, render again, execute), and the
runner on a tiny notebook that is kept, rendered again from its stored executed notebook, and executed again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest
from helpers import COMMITTED, ROOT, TINY_CELLS, TINY_PARAMS, make_notebook, run_cli

from logistic_softmax.notebook.params import read_schema
from logistic_softmax.runner import cache, dependencies
from logistic_softmax.runner.plan import checked_spec

PACKAGE_SRC = ROOT / "src" / "logistic_softmax"


def _imports_of_cells(notebook: Path) -> str:
    """The import statements of a notebook's code cells, as one program."""
    lines = []
    for cell in dependencies.code_cells(notebook):
        lines += [ln for ln in cell["source"].splitlines() if ln.startswith(("import ", "from "))]
    return "\n".join(lines)


def test_the_sources_found_by_reading_include_every_module_an_import_loads():
    """A second route: import what each notebook imports and list the package modules Python loaded; reading the
    source must find each of them (and more: imports inside functions). One fresh interpreter for all notebooks,
    the package's modules forgotten between them (the other libraries, loaded once, do not matter here)."""
    program = ["import json, sys", "out = {}"]
    for nb in COMMITTED:
        program += ["for m in [m for m in sys.modules if m.split('.')[0] == 'logistic_softmax']: del sys.modules[m]",
                    _imports_of_cells(nb),
                    f"out[{nb.stem!r}] = [m for m in sys.modules if m.split('.')[0] == 'logistic_softmax']"]
    program.append("print(json.dumps(out))")
    proc = subprocess.run([sys.executable, "-c", "\n".join(program)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded_by = json.loads(proc.stdout)
    for nb in COMMITTED:
        loaded, found = set(loaded_by[nb.stem]), set(dependencies.notebook_sources(nb))
        assert loaded and loaded <= found, (nb.stem, loaded - found)
        # validate_in_notebook imports the preflight inside its body: found by reading, though no cell imports it
        assert "logistic_softmax.notebook.preflight" in found, nb.stem


def _stored_run(reports: Path, spec) -> None:
    """A record, executed notebook and page of ``spec`` as an earlier run with the current inputs left them."""
    (reports / f"{spec.name}.html").write_text("<p>page</p>")
    inputs = {"execution": cache.execution_inputs(spec), "render": cache.render_inputs(spec, reports)}
    rec = {"notebook": spec.stem, "name": spec.name, "status": "ok", "parameters": {}, "finished": "2026-01-01T00:00"}
    (reports / f"{spec.name}.json").write_text(json.dumps(rec | cache.cache_fields(inputs, executed=True)))
    (reports / f"{spec.name}.ipynb").write_text("{}")


#: a module and the committed notebooks that import it, directly or through other modules (from reading them)
EDITS = {
    "science/pca.py": {"05_mnist", "06_penalties_and_separation", "07_random_utility"},
    "science/stackexchange.py": {"01_sigmoid_softmax", "06_penalties_and_separation"},
    "science/reference_change.py": {"03_mnlogit_glm"},
    "science/mlp.py": {"04_networks", "05_mnist"},
    "notebook/checks.py": {p.stem for p in COMMITTED},
}


@pytest.mark.parametrize("module", sorted(EDITS))
def test_editing_one_module_executes_exactly_the_notebooks_that_import_it(module, tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    reports.mkdir()
    specs = [checked_spec(nb, read_schema(nb), {}) for nb in COMMITTED]
    for spec in specs:
        (reports / f"{spec.name}.html").write_text("<p>page</p>")  # every page exists: so do the links between them
    for spec in specs:
        _stored_run(reports, spec)
    for spec in specs:
        assert cache.decide(spec, reports).action == cache.KEEP
    edited = (PACKAGE_SRC / module).resolve()
    real = cache.file_digest
    monkeypatch.setattr(cache, "file_digest", lambda p: "edited" if Path(p).resolve() == edited else real(p))
    decisions = {spec.stem: cache.decide(spec, reports) for spec in specs}
    assert {stem for stem, d in decisions.items() if d.executes} == EDITS[module]
    for stem in EDITS[module]:
        assert decisions[stem].reasons == [f"package file {module} changed"]


def test_a_new_notebook_renders_its_neighbours_page_again_without_executing_it(tmp_path):
    """A notebook ``03_c`` added after ``01_a`` and ``02_b`` ran: the page of ``02_b`` gets its link forward by
    being rendered again (its execution inputs are unchanged); ``01_a``, whose neighbours did not change, is kept."""
    notebooks, reports = tmp_path / "notebooks", tmp_path / "reports"
    reports.mkdir()
    paths = [make_notebook(notebooks / f"{stem}.ipynb", TINY_PARAMS, *TINY_CELLS) for stem in ("01_a", "02_b")]
    specs = [checked_spec(p, read_schema(p), {}) for p in paths]
    for spec in specs:
        (reports / f"{spec.name}.html").write_text("<p>page</p>")
    for spec in specs:
        _stored_run(reports, spec)
        assert cache.decide(spec, reports).action == cache.KEEP
    first, second = (cache.render_inputs(spec, reports)["reading"] for spec in specs)
    assert first[0] is None and first[1]["href"] == "02_b.html" and second[1] is None
    make_notebook(notebooks / "03_c.ipynb", TINY_PARAMS, *TINY_CELLS)
    kept, again = (cache.decide(spec, reports) for spec in specs)
    assert kept.action == cache.KEEP
    assert again.action == cache.RENDER and again.reasons == ["the links to the previous and next reports changed"]
    assert again.inputs["render"]["reading"][1] == {"stem": "03_c", "number": "03", "title": "A tiny report",
                                                    "href": "index.html#03_c"}  # no page yet: its index entry
    # within one invocation that also runs 03_c with its defaults, the link goes to the page it is about to write
    coming = cache.decide(specs[1], reports, coming={"03_c"}).inputs["render"]["reading"][1]
    assert coming["href"] == "03_c.html"


def test_what_changed_is_said_in_words():
    old = {"code": "a", "parameters": "b", "package": {"science/glm.py": "1", "science/old.py": "2"},
           "data": {"/d/x.csv": "3"}, "dependencies": "d", "python": "3.11"}
    new = {"code": "A", "parameters": "b", "package": {"science/glm.py": "9", "science/new.py": "5"},
           "data": {"/d/x.csv": "4"}, "dependencies": "D", "python": "3.11"}
    assert cache.describe_changes(old, new) == [
        "the notebook's code cells changed", "package file science/glm.py changed",
        "package file science/new.py is new", "package file science/old.py is no longer used",
        "data file /d/x.csv changed", "installed package versions changed",
    ]
    assert cache.describe_changes(None, new) == ["no inputs recorded by the earlier run"]


DATA_PARAMS = TINY_PARAMS + """\
data: str = "table.csv"  # a CSV file
outcome: str = "y"  # the outcome
predictors: list[str] = ["x"]  # predictors
"""


def _no_kernel(*args, **kwargs):
    raise AssertionError("a kernel was started although nothing the run depends on changed")


def test_a_run_is_kept_rendered_again_or_executed_as_its_inputs_change(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0], "x": np.arange(6.0)})
    frame.to_csv(tmp_path / "table.csv", index=False)
    nb_path = make_notebook(tmp_path / "notebooks" / "tiny.ipynb", DATA_PARAMS, *TINY_CELLS)
    reports = tmp_path / "reports"

    def run(*args: str) -> dict:
        assert run_cli(tmp_path, "--notebook", "tiny", *args) == 0
        return json.loads((reports / "tiny.json").read_text())

    first = run()
    assert first["executed"] is True and first["cache_inputs"]["data"] == {
        "table.csv": cache.file_digest(tmp_path / "table.csv")}
    page = (reports / "tiny.html").read_bytes()
    execute = papermill.execute_notebook
    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    # nothing changed: kept, page untouched, the record says so and so does the index
    kept = run()
    assert kept["executed"] is False and kept["cache_key"] == first["cache_key"] and kept["reused"]
    assert (reports / "tiny.html").read_bytes() == page
    assert "reused: not executed this time" in (reports / "index.html").read_text()
    # a Markdown cell edited: the page is rendered again from the stored executed notebook, outputs included
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[0].source = "# A tiny report, retitled\n\nWith new words."
    nbformat.write(nb, nb_path)
    again = run()
    html = (reports / "tiny.html").read_text()
    assert again["executed"] is False and again["rendered"] and "retitled" in html and "visible output 2" in html
    assert "With new words." in nbformat.read(reports / "tiny.ipynb", as_version=4).cells[0].source
    assert again["metrics"] == first["metrics"]
    # FORCE=1, and then a data file with other content: executed
    monkeypatch.setattr(papermill, "execute_notebook", execute)
    assert run("--force")["executed"] is True
    frame.assign(x=frame["x"] * 2).to_csv(tmp_path / "table.csv", index=False)
    changed = run()
    assert changed["executed"] is True and changed["cache_key"] != first["cache_key"]


def test_a_stored_notebook_that_cannot_be_merged_is_executed_instead(tmp_path):
    nb_path = make_notebook(tmp_path / "notebooks" / "tiny.ipynb", TINY_PARAMS, *TINY_CELLS)
    assert run_cli(tmp_path, "--notebook", "tiny") == 0
    reports = tmp_path / "reports"
    stored = nbformat.read(reports / "tiny.ipynb", as_version=4)
    stored.cells = [c for c in stored.cells if c.cell_type != "code"]  # edited by hand: the outputs are gone
    nbformat.write(stored, reports / "tiny.ipynb")
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[0].source += "\n\nOne more sentence."
    nbformat.write(nb, nb_path)
    assert run_cli(tmp_path, "--notebook", "tiny") == 0
    rec = json.loads((reports / "tiny.json").read_text())
    assert rec["executed"] is True and "visible output 2" in (reports / "tiny.html").read_text()
