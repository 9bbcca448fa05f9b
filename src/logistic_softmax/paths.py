"""The project's folders: ``notebooks/``, ``reports/`` and ``data/``, found from the current directory.

A run starts in the project folder (``make`` runs there) or below it (Jupyter opened on ``notebooks/``), so the project
is the nearest folder, from the current one upwards, that holds both ``notebooks/`` and ``pyproject.toml``. Outside
any such folder the source tree the package was installed from (an editable install) is used. Nothing here depends
on where the package itself is installed, so a non-editable install works too. Relative *data* paths (a CSV file,
``mnist_dir``) start at the current directory: the project folder under ``make``, and also in JupyterLab, whose
kernel (``make lab``) starts there (:mod:`logistic_softmax.notebook.lab_kernel`).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["enclosing_project", "project_root", "notebooks_dir", "reports_dir", "data_dir"]


def _is_project(folder: Path) -> bool:
    return (folder / "notebooks").is_dir() and (folder / "pyproject.toml").is_file()


def enclosing_project(start: Path | None = None) -> Path | None:
    """The nearest folder from ``start`` (the current directory) upwards with ``notebooks/`` and
    ``pyproject.toml``, or ``None`` outside any project."""
    here = (start or Path.cwd()).resolve()
    return next((folder for folder in (here, *here.parents) if _is_project(folder)), None)


def project_root() -> Path:
    """The nearest folder from the current directory upwards with ``notebooks/`` and ``pyproject.toml``."""
    found = enclosing_project()
    if found is not None:
        return found
    here = Path.cwd().resolve()
    source = Path(__file__).resolve().parents[2]
    return source if _is_project(source) else here


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def reports_dir() -> Path:
    return project_root() / "reports"


def data_dir() -> Path:
    return project_root() / "data"
