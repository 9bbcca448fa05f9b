"""Reruns that do only what changed: a run is executed again only when something its results depend on changed.

A run's **execution inputs** are the notebook's code cells, its parameter values, the package files its kernel
executes (:func:`~logistic_softmax.runner.dependencies.notebook_sources`), the data files it reads (a CSV's content,
the MNIST files and their sums), the versions of every installed distribution, the Python that runs the kernel and
the kernel's settings (one BLAS thread). Each is hashed; the hash of them all is the run's ``cache_key``, kept in its
JSON record with the parts (``cache_inputs``), so that the console can say what changed.

Its **render inputs** are the notebook's Markdown cells, the files that turn an executed notebook into the page
(the report template, :mod:`~logistic_softmax.runner.render` and the modules it reads the outline and the reading
order with) and the page's links to the reports before and after it and to those its Markdown links to
(:mod:`~logistic_softmax.runner.reading_order`: a neighbour's title, and whether a page exists). When only they
changed, the page is rendered again from the stored executed notebook, with the new Markdown, and no kernel starts:
a new notebook ``06_...`` gives the report of ``05_...`` its link forward that way.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ..notebook import metrics as metrics_mod
from ..templating import TEMPLATES
from .dependencies import PACKAGE, PACKAGE_DIR, code_cells, notebook_sources
from .kernels import BLAS_THREADS
from .plan import RunSpec
from .reading_order import neighbour_links, report_links

__all__ = ["KEEP", "RENDER", "EXECUTE", "Decision", "file_digest", "execution_inputs", "render_inputs", "key_of",
           "RENDER_MODULES", "describe_changes", "decide", "cache_fields"]

#: What a stored run whose inputs all match is used for: kept as it is, or rendered again from its executed notebook.
KEEP, RENDER, EXECUTE = "keep", "render", "execute"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@functools.cache
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    """The SHA-256 of a file's bytes (memoised for one process by path, size and modification time)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_digest(path: Path) -> str:
    st = path.stat()
    return _file_digest(str(path.resolve()), st.st_size, st.st_mtime_ns)


@functools.cache
def _environment() -> dict[str, str]:
    """The installed distributions (this project left out: its own files are counted one by one) and the Python."""
    dists = sorted({(d.metadata["Name"] or "").lower(): d.version for d in metadata.distributions()}.items())
    own = PACKAGE.replace("_", "-")
    listed = [f"{name}=={version}" for name, version in dists if name and name.replace("_", "-") != own]
    return {
        "dependencies": _digest("\n".join(listed).encode()),
        "python": f"{platform.python_implementation()} {sys.version}",
        "kernel": _digest(_canonical({"env": BLAS_THREADS})),
    }


def _package_label(key: str, path: Path) -> str:
    return key if key.startswith("templates/") else path.relative_to(PACKAGE_DIR).as_posix()


def execution_inputs(spec: RunSpec) -> dict[str, Any]:
    """The hashed inputs of a run's execution (see the module docstring)."""
    from ..notebook.preflight import data_files

    cells = [{"source": c["source"], "tags": c["tags"]} for c in code_cells(spec.notebook)]
    return {
        "code": _digest(_canonical(cells)),
        "parameters": _digest(_canonical(metrics_mod.to_jsonable(spec.parameters))),
        "package": {_package_label(k, p): file_digest(p) for k, p in notebook_sources(spec.notebook).items()},
        "data": {str(p): file_digest(p) for p in data_files(spec.parameters)},
        **_environment(),
    }


#: the modules that make a page from an executed notebook (besides the templates in ``templates/report/``)
RENDER_MODULES = ("render.py", "outline.py", "reading_order.py")


def render_inputs(spec: RunSpec, reports_dir: Path, coming: frozenset[str] | set[str] = frozenset()
                  ) -> dict[str, Any]:
    """The inputs of the page made from an executed run: Markdown cells, report template, renderer (hashed), and
    its links to the previous and next reports and to any report its Markdown names (as they are: the page shows
    them). ``coming`` names the notebooks
    whose default report this invocation writes (so a link to one of them is already a link to its page)."""
    nb = json.loads(spec.notebook.read_text(encoding="utf-8"))
    markdown = ["".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") != "code"]
    here = Path(__file__).parent
    files = sorted((TEMPLATES / "report").rglob("*")) + [here / name for name in RENDER_MODULES]
    return {
        "markdown": _digest(_canonical(markdown)),
        "page": {p.relative_to(PACKAGE_DIR).as_posix(): file_digest(p) for p in files if p.is_file()},
        "reading": neighbour_links(spec.notebook, reports_dir, coming),
        "links": report_links(spec.notebook, reports_dir, coming),
    }


def key_of(inputs: dict[str, Any]) -> str:
    return _digest(_canonical(inputs))


def describe_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """What differs between two sets of inputs, in words: ``["package module science/mlp.py changed"]``."""
    if not old:
        return ["no inputs recorded by the earlier run"]
    words = {"code": "the notebook's code cells changed", "parameters": "the parameter values changed",
             "dependencies": "installed package versions changed", "python": "the Python running the kernel changed",
             "kernel": "the kernel's settings changed", "markdown": "the notebook's Markdown cells changed",
             "reading": "the links to the previous and next reports changed"}
    out = []
    for part, value in new.items():
        before = old.get(part)
        if isinstance(value, dict):
            before = before if isinstance(before, dict) else {}
            what = {"package": "package file", "data": "data file", "page": "page file",
                    "links": "link to report"}[part]
            out += [f"{what} {k} {'changed' if k in before else 'is new'}"
                    for k, v in value.items() if before.get(k) != v]
            out += [f"{what} {k} is no longer used" for k in before if k not in value]
        elif before != value:
            out.append(words.get(part, f"{part} changed"))
    return out


@dataclass
class Decision:
    """What to do with one planned run, and why (for the console)."""

    action: str  # KEEP, RENDER or EXECUTE
    reasons: list[str] = field(default_factory=list)
    record: dict[str, Any] | None = None  # the stored record, when it is kept or rendered again
    inputs: dict[str, Any] = field(default_factory=dict)  # {"execution": ..., "render": ...} of this run

    @property
    def executes(self) -> bool:
        return self.action == EXECUTE


def _stored(reports_dir: Path, name: str) -> dict[str, Any] | None:
    try:
        rec = json.loads((reports_dir / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) and rec.get("status") == "ok" else None


def decide(spec: RunSpec, reports_dir: Path, *, force: bool = False,
           coming: frozenset[str] | set[str] = frozenset()) -> Decision:
    """Whether ``spec`` must be executed, only rendered again from its stored executed notebook, or kept.
    ``coming``: the notebooks whose default report this invocation writes (see :func:`render_inputs`)."""
    inputs = {"execution": execution_inputs(spec), "render": render_inputs(spec, reports_dir, coming)}
    if force:
        return Decision(EXECUTE, ["FORCE=1: every run is executed"], None, inputs)
    rec = _stored(reports_dir, spec.name)
    if rec is None:
        return Decision(EXECUTE, ["no earlier report of this run"], None, inputs)
    if not (reports_dir / f"{spec.name}.ipynb").is_file():
        return Decision(EXECUTE, ["the earlier run's executed notebook is missing"], None, inputs)
    if rec.get("cache_key") != key_of(inputs["execution"]):
        return Decision(EXECUTE, describe_changes(rec.get("cache_inputs"), inputs["execution"]), None, inputs)
    if rec.get("render_key") != key_of(inputs["render"]) or not (reports_dir / f"{spec.name}.html").is_file():
        changes = describe_changes(rec.get("render_inputs"), inputs["render"]) or ["the page is missing"]
        return Decision(RENDER, changes, rec, inputs)
    return Decision(KEEP, [], rec, inputs)


def cache_fields(inputs: dict[str, Any], executed: bool) -> dict[str, Any]:
    """The fields of a run's JSON record that let the next invocation decide (see :func:`decide`)."""
    return {"executed": executed, "cache_key": key_of(inputs["execution"]), "render_key": key_of(inputs["render"]),
            "cache_inputs": inputs["execution"], "render_inputs": inputs["render"]}
