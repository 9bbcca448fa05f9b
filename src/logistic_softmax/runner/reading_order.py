"""The order in which the reports are read: the notebooks by file name (``01_...``, ``02_...``, ...), so a new
notebook takes its place by its name alone. A report links to the one before and the one after it; a run with other
parameters links to its neighbours' default reports, as a book's page to the next chapter. A link that a notebook's
Markdown makes to another report (``[the random-utility report](07_random_utility.html)``) follows the same rule:
to the page where it exists, else to that notebook's entry in the index."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .outline import intro_of_file
from .plan import available_notebooks

__all__ = ["reading_order", "number_of", "neighbour_links", "report_links", "rewrite_report_links"]


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
    return {"stem": stem, "number": number_of(stem), "title": intro_of_file(path).title or stem,
            "href": _href(stem, reports_dir, coming)}


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


def _href(stem: str, reports_dir: Path, coming: frozenset[str] | set[str]) -> str:
    exists = (reports_dir / f"{stem}.html").is_file() or stem in coming
    return f"{stem}.html" if exists else f"index.html#{stem}"


def _linked_stems(text: str, stems: set[str]) -> list[str]:
    """The reports a piece of Markdown links to: targets ``<stem>.html`` (with or without an anchor) of a notebook."""
    return [s for s in dict.fromkeys(re.findall(r"\]\(<?([\w.-]+)\.html(?:#[^)\s>]*)?>?\)", text)) if s in stems]


def report_links(notebook: Path, reports_dir: Path, coming: frozenset[str] | set[str] = frozenset()) -> dict[str, str]:
    """``{stem: href}`` for every other report the notebook's Markdown cells link to, as the page will link to it."""
    stems = {p.stem for p in reading_order(notebook.parent)}
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return {}
    text = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "markdown")
    return {stem: _href(stem, reports_dir, coming) for stem in _linked_stems(text, stems)}


def rewrite_report_links(source: str, links: dict[str, str]) -> str:
    """Markdown with each link to a report whose page is not there turned into a link to its entry in the index."""
    for stem, href in links.items():
        if href != f"{stem}.html":
            source = re.sub(r"\]\(<?" + re.escape(stem) + r"\.html(?:#[^)\s>]*)?>?\)", f"]({href})", source)
    return source
