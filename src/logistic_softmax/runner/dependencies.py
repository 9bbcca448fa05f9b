"""What a notebook's execution depends on in this package: the modules it imports, directly or through other modules
of the package, and the template files those modules render inside the kernel.

Found by reading the source, not by running it: the import statements of the notebook's code cells and of every
package module they reach, wherever they stand (inside a function too), so the set is never smaller than what a run
imports. Editing a module re-executes exactly the notebooks whose set holds it.
"""

from __future__ import annotations

import ast
import functools
import json
from pathlib import Path

from ..templating import TEMPLATES

__all__ = ["PACKAGE", "PACKAGE_DIR", "code_cells", "imported_names", "module_file", "package_modules",
           "notebook_sources"]

PACKAGE = "logistic_softmax"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: A module that renders templates in the kernel, and the templates it renders there.
KERNEL_TEMPLATES = {f"{PACKAGE}.templating": "notebook"}


def code_cells(notebook: Path) -> list[dict]:
    """The code cells of a notebook (read as JSON, as :func:`~logistic_softmax.notebook.params.read_schema` does)."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append({"source": source if isinstance(source, str) else "".join(source),
                          "tags": list((cell.get("metadata") or {}).get("tags", []))})
    return cells


def _parse(source: str) -> ast.Module:
    """A cell's syntax tree; lines of IPython syntax (``%magic``, ``!shell``) are left out."""
    try:
        return ast.parse(source)
    except SyntaxError:
        kept = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines())
        try:
            return ast.parse(kept)
        except SyntaxError:
            return ast.Module(body=[], type_ignores=[])


def imported_names(tree: ast.AST, module: str | None = None, is_package: bool = False) -> set[str]:
    """Every module name an import in ``tree`` may refer to, relative imports resolved against ``module``: for
    ``from a.b import c`` both ``a.b`` and ``a.b.c`` (``c`` may be a module or a name in ``a.b``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                if module is None:
                    continue
                parts = module.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([base] if base else []))
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names if alias.name != "*"}
    return names


def module_file(name: str) -> Path | None:
    """The source file of a module of this package (``None`` for another package, or a name that is not a module)."""
    if name != PACKAGE and not name.startswith(PACKAGE + "."):
        return None
    rel = Path(*name.split(".")[1:])
    for candidate in (PACKAGE_DIR / rel / "__init__.py", (PACKAGE_DIR / rel).with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def _module_imports(name: str) -> frozenset[str]:
    path = module_file(name)
    tree = _parse(path.read_text(encoding="utf-8"))
    return frozenset(imported_names(tree, name, is_package=path.name == "__init__.py"))


def package_modules(names: set[str]) -> dict[str, Path]:
    """The package modules among ``names`` and every package module they import in turn, with their parent
    packages (whose ``__init__`` runs first), each with its file."""
    found: dict[str, Path] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if prefix in found:
                continue
            path = module_file(prefix)
            if path is None:
                continue
            found[prefix] = path
            todo.extend(_module_imports(prefix))
    return dict(sorted(found.items()))


def notebook_sources(notebook: Path) -> dict[str, Path]:
    """Every file of the package a run of ``notebook`` executes or renders in its kernel: its modules, and the
    templates of a module that renders them there; keyed by module name or by template path."""
    names: set[str] = set()
    for cell in code_cells(notebook):
        names |= imported_names(_parse(cell["source"]))
    files = package_modules(names)
    for module, folder in KERNEL_TEMPLATES.items():
        if module in files:
            for path in sorted((TEMPLATES / folder).rglob("*")):
                if path.is_file():
                    files[f"templates/{path.relative_to(TEMPLATES).as_posix()}"] = path
    return files
