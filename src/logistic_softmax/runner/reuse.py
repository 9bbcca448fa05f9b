"""Runs whose execution is still valid (:func:`~logistic_softmax.runner.cache.decide`): kept as they are, or their
page rendered again from the stored executed notebook, with the notebook's current Markdown cells. No kernel starts."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .cache import Decision, cache_fields
from .plan import RunSpec
from .records import FAILED_SUFFIX, TMP_PREFIX, atomic_write, publish

__all__ = ["keep", "render_again", "merge_markdown"]


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def keep(spec: RunSpec, decision: Decision, reports_dir: Path) -> dict[str, Any]:
    """Keep a report whose every input is unchanged; its record says so (``executed: false``, ``reused``)."""
    rec = dict(decision.record) | cache_fields(decision.inputs, executed=False) | {"reused": _now()}
    atomic_write(reports_dir / f"{spec.name}.json", json.dumps(rec, indent=2) + "\n")
    (reports_dir / f"{spec.name}{FAILED_SUFFIX}").unlink(missing_ok=True)  # a failure of other inputs, now undone
    return rec


def merge_markdown(source, executed):
    """The executed notebook with the source notebook's Markdown and raw cells: the code cells, identical in both
    (the run's code key says so), keep their outputs, and papermill's injected-parameters cell stays after the
    parameters cell."""
    def tags(cell) -> list[str]:
        return cell.get("metadata", {}).get("tags", [])

    injected = [c for c in executed.cells if "injected-parameters" in tags(c)]
    ran = iter(c for c in executed.cells if c.cell_type == "code" and "injected-parameters" not in tags(c))
    cells = []
    for cell in source.cells:
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        done = next(ran)
        if done.source != cell.source:
            raise ValueError("the stored executed notebook's code cells differ from the notebook's")
        cells.append(done)
        if "parameters" in tags(cell):
            cells += injected
    merged = executed
    merged.cells = cells
    return merged


def render_again(spec: RunSpec, decision: Decision, reports_dir: Path) -> dict[str, Any]:
    """Render a run's page again from its stored executed notebook and the notebook's current Markdown; the
    executed notebook, the page and the record are replaced together."""
    import nbformat

    from .render import render_html

    name = spec.name
    executed = merge_markdown(nbformat.read(spec.notebook, as_version=4),
                              nbformat.read(reports_dir / f"{name}.ipynb", as_version=4))
    rec = dict(decision.record) | cache_fields(decision.inputs, executed=False) | {"reused": _now(),
                                                                                   "rendered": _now()}
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{name[:40]}-pid{os.getpid()}-", dir=reports_dir))
    try:
        nbformat.write(executed, tmp / f"{name}.ipynb")
        page_inputs = decision.inputs["render"]
        page = render_html(executed, spec, rec, "_static", reading=page_inputs.get("reading"),
                           links=page_inputs.get("links"))
        (tmp / f"{name}.html").write_text(page, encoding="utf-8")
        (tmp / f"{name}.json").write_text(json.dumps(rec, indent=2) + "\n", encoding="utf-8")
        publish(tmp, name, reports_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rec
