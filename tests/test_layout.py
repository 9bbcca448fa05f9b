"""The shape of the code: two floors and a contract between them, imports one way, no circles, small modules, thin
notebooks, and tests that do not import each other."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from helpers import COMMITTED, ROOT

PACKAGE = "logistic_softmax"
SRC = ROOT / "src" / PACKAGE
LAYERS = [f"{PACKAGE}.runner", f"{PACKAGE}.notebook", f"{PACKAGE}.science"]  # each may import only those below it
LEAVES = [f"{PACKAGE}.paths", f"{PACKAGE}.errors", f"{PACKAGE}.templating"]  # import nothing of the project
SCIENCE_MAY_IMPORT = {"numpy", "scipy", "pandas", "statsmodels"}  # besides the standard library


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(PACKAGE, include_external_packages=True)


def _internal(graph) -> set[str]:
    return {m for m in graph.modules if m == PACKAGE or m.startswith(PACKAGE + ".")}


def test_imports_run_one_way_runner_notebook_science(graph):
    illegal = graph.find_illegal_dependencies_for_layers(layers=LAYERS)
    assert not illegal, [(d.importer, d.imported, [c for c in d.routes]) for d in illegal]


def test_paths_errors_and_templating_are_leaves(graph):
    for leaf in LEAVES:
        assert not (graph.find_modules_directly_imported_by(leaf) & _internal(graph)), leaf


def test_the_science_imports_only_numpy_scipy_pandas_statsmodels(graph):
    science = {m for m in _internal(graph) if m.startswith(LAYERS[2])}
    external = set()
    for m in science:
        external |= {i.split(".")[0] for i in graph.find_modules_directly_imported_by(m) if not i.startswith(PACKAGE)}
    assert external - set(sys.stdlib_module_names) <= SCIENCE_MAY_IMPORT
    assert not {i for m in science for i in graph.find_modules_directly_imported_by(m)
                if i.startswith(PACKAGE) and not i.startswith(LAYERS[2]) and i not in LEAVES}


def test_no_import_circle(graph):
    modules = sorted(_internal(graph))
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & set(modules)) for m in modules}
    state: dict[str, int] = {}

    def visit(m, path):  # depth-first; a module met again on the current path closes a circle
        state[m] = 1
        for n in edges[m]:
            if state.get(n) == 1:
                pytest.fail("import circle: " + " -> ".join([*path[path.index(n):], n]))
            if n not in state:
                visit(n, [*path, n])
        state[m] = 2

    for m in modules:
        if m not in state:
            visit(m, [m])


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert not long


@pytest.mark.parametrize("path", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_notebooks_are_thin_and_never_import_the_runner(path):
    """Narrative and short calls: no code cell over 15 lines (the parameters cell declares, it does not compute)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for i, cell in enumerate(cells):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] != "code":
            continue
        assert "logistic_softmax.runner" not in source and "logistic_softmax.report" not in source, f"cell {i}"
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            assert len(source.strip("\n").splitlines()) <= 15, f"{path.stem}, cell {i}: {source[:80]!r}"


def test_no_test_module_imports_another():
    tests = ROOT / "tests"
    names = {p.stem for p in tests.rglob("test_*.py")}
    for p in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in names | {"conftest"}, f"{p.name} imports {node.module}"
            elif isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & (names | {"conftest"}), p.name


def test_the_entry_points_keep_working():
    for cmd in ([sys.executable, "-m", "logistic_softmax.report", "--help"],
                [str(Path(sys.executable).parent / "logistic-softmax-report"), "--help"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0 and "run" in proc.stdout and "sweep" in proc.stdout, proc.stderr
