"""Rendering an executed notebook to offline HTML: code hidden, the run's parameters in a table, MathJax from a local
copy (``reports/_static``), nothing loaded from the network. The page itself is the ``report`` template; this module
gives it what a reader navigates by: the table of contents (the Markdown headings, with the ids the page gives them),
the links to the previous and next reports, and the run's two other files to download."""

from __future__ import annotations

import copy
import importlib.util
import os
import shutil
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from ..notebook import metrics as metrics_mod
from ..templating import TEMPLATES
from .inputs import format_value
from .outline import Heading, headings, intro
from .plan import RunSpec
from .reading_order import number_of, rewrite_report_links
from .records import TMP_PREFIX

__all__ = ["MATHJAX_CONFIG", "PARAMS_ID", "ensure_mathjax", "params_table", "contents", "render_html"]

#: the id of the parameters table's heading (the first entry of the table of contents)
PARAMS_ID = "parameters-of-this-run"

MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"


def ensure_mathjax(reports_dir: Path) -> Path:
    """Copy MathJax 2.7 from the ``jupyter-server-mathjax`` wheel into ``reports/_static/mathjax`` (once).

    The wheel's folder is found without importing it: its ``__init__`` loads a Jupyter server extension, whose
    imports (``jupyter_server``, ``jsonschema``'s grammars) take seconds and are not needed for a copy."""
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jupyter_server_mathjax is not installed", name="jupyter_server_mathjax")
    target = reports_dir / "_static" / "mathjax"
    source = Path(next(iter(spec.submodule_search_locations))) / "static"
    stamp = target / ".source-version"
    wanted = metadata.version("jupyter-server-mathjax")
    if stamp.is_file() and stamp.read_text() == wanted:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX + "mathjax-", dir=target.parent))
    try:
        shutil.copytree(source, tmp / "mathjax", ignore=shutil.ignore_patterns("localization", "*.md"))
        (tmp / "mathjax" / ".source-version").write_text(wanted)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp / "mathjax", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def params_table(spec: RunSpec) -> list[dict[str, Any]]:
    """One row per parameter for the template: name, type, value (as it would be typed), help, changed or not."""
    return [
        {"name": p.name, "type": p.type, "value": format_value(spec.parameters[p.name]), "help": p.help,
         "changed": p.name in spec.overrides}
        for p in spec.schema.parameters
    ]


def contents(nb) -> list[Heading]:
    """The table of contents of a page made from ``nb``: every Markdown heading but the title (the first one of
    level 1), and the parameters table where its placeholder cell stands."""
    entries: list[Heading] = []
    for cell in nb.cells:
        if "run-parameters" in cell.metadata.get("tags", []):
            entries.append(Heading(2, PARAMS_ID, [("text", "Parameters of this run")]))
        elif cell.cell_type == "markdown":
            entries += headings([cell])
    titles = [i for i, h in enumerate(entries) if h.level == 1]
    return [h for i, h in enumerate(entries) if not titles or i != titles[0]]


def render_html(executed, spec: RunSpec, run_info: dict[str, Any], static_url: str,
                reading: list[dict[str, Any] | None] | None = None, links: dict[str, str] | None = None) -> str:
    """HTML of an executed notebook: code hidden, parameters table instead of the parameter cells, local MathJax,
    a table of contents, and links to the previous and next reports (``reading``, from
    :func:`~logistic_softmax.runner.reading_order.neighbour_links`; none without it). ``links`` (from
    :func:`~logistic_softmax.runner.reading_order.report_links`) says where the Markdown's links to other reports
    lead: to a report's index entry while its page is not there."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(executed)
    drop = {"injected-parameters", "parameters", "papermill-error-cell-tag"}
    nb.cells = [c for c in nb.cells if not drop & set(c.metadata.get("tags", []))]
    metrics_mod.strip(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and links:
            cell.source = rewrite_report_links(cell.source, links)
    first_md = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
    placeholder = nbformat.v4.new_markdown_cell("")
    placeholder.metadata["tags"] = ["run-parameters"]
    nb.cells.insert(first_md + 1, placeholder)
    title = intro(nb.cells).title
    nb.metadata["title"] = title or spec.stem  # the page's <title>
    previous, following = reading or [None, None]
    page = {
        "stem": spec.stem,
        "number": number_of(spec.stem),
        "title": title or spec.stem,
        "contents": contents(nb),
        "previous": previous,
        "next": following,
        "ipynb": run_info.get("ipynb") or f"{spec.name}.ipynb",
        "json": f"{spec.name}.json",
        "params_id": PARAMS_ID,
    }
    exporter = HTMLExporter(
        template_name="report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.mathjax_url = f"{static_url}/mathjax/MathJax.js?config={MATHJAX_CONFIG}"
    body, _ = exporter.from_notebook_node(nb, resources={"run": run_info, "params_table": params_table(spec),
                                                         "page": page})
    return body
