"""The order in which the reports are read: the notebooks by file name (``01_...``, ``02_...``, ...), so a new
notebook takes its place by its name alone. A report links to the one before and the one after it; a run with other
parameters links to its neighbours' default reports, as a book's page to the next chapter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .outline import intro_of_file
from .plan import available_notebooks

__all__ = ["reading_order", "number_of", "neighbour_links"]


def reading_order(notebooks_dir: Path) -> list[Path]:
    """The notebooks of ``notebooks_dir`` in reading order: by file name."""
    return available_notebooks(notebooks_dir)


def number_of(stem: str) -> str:
    """The number a notebook's name starts with (``"02"`` for ``02_logit_glm``), or ``""``."""
    m = re.match(r"(\d+)[_-]", stem)
    return m.group(1) if m else ""


def _link(path: Path, reports_dir: Path, coming: frozenset[str] | set[str]) -> dict[str, Any]:
    """A link to a notebook's default report: the page itself where it exists (or is being made by this run of
    the runner), else the notebook's entry in the index, which says how to make it."""
    stem = path.stem
    exists = (reports_dir / f"{stem}.html").is_file() or stem in coming
    return {"stem": stem, "number": number_of(stem), "title": intro_of_file(path).title or stem,
            "href": f"{stem}.html" if exists else f"index.html#{stem}"}


def neighbour_links(notebook: Path, reports_dir: Path, coming: frozenset[str] | set[str] = frozenset()
                    ) -> list[dict[str, Any] | None]:
    """``[previous, next]``: the links from a report of ``notebook`` to the reports before and after it in reading
    order (``None`` at either end). ``coming`` names the notebooks whose default report the current invocation is
    about to write."""
    order = reading_order(notebook.parent)
    names = [p.name for p in order]
    if notebook.name not in names:
        return [None, None]
    i = names.index(notebook.name)
    before = _link(order[i - 1], reports_dir, coming) if i > 0 else None
    after = _link(order[i + 1], reports_dir, coming) if i + 1 < len(order) else None
    return [before, after]
