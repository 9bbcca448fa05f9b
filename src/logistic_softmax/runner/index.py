"""``reports/index.html``, the landing page: the project's story in a paragraph; the reports in reading order (by
notebook file name), each with the first sentence of its notebook and its key results in words; then every run
(notebook, parameters, key results or error, status, time, links), failed runs included, and the sweeps' pages."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..paths import notebooks_dir as default_notebooks_dir
from ..templating import render_page
from .inputs import format_value
from .outline import Intro, intro_of_file
from .reading_order import number_of, reading_order
from .records import atomic_write, load_runs

__all__ = ["in_words", "metric_label", "key_results", "index_rows", "chapters", "write_index"]

#: longest text of one result in the index (a long list or mapping is cut)
MAX_WORDS = 140


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def _number(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a < 1e-3 or a >= 1e6:
        return f"{v:.2g}"
    return f"{v:.4g}" if a < 1000 else f"{v:,.1f}"


def in_words(value: Any) -> str:
    """A recorded value for a reader: ``yes``/``no``, numbers to a few significant digits (``4.9e-15``,
    ``0.9254``, ``60,000``), lists and mappings item by item; long ones cut."""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif value is None:
        text = "none"
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        text = _number(value) if math.isfinite(value) else str(value)
    elif isinstance(value, str):
        text = {"nan": "not available (NaN)", "inf": "infinite", "-inf": "minus infinity"}.get(value, value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k} = {in_words(v)}" for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        text = ", ".join(in_words(v) if not isinstance(v, (list, tuple)) else f"[{in_words(v)}]" for v in value)
    else:
        text = str(value)
    return text if len(text) <= MAX_WORDS else text[:MAX_WORDS - 1].rstrip(", ") + "…"


def metric_label(name: str, labels: dict[str, str] | None) -> str:
    """The words the notebook gave a metric (``record(..., label=...)``), else its name with spaces."""
    return (labels or {}).get(name) or name.replace("_", " ")


def key_results(rec: dict[str, Any]) -> list[tuple[str, str]]:
    """A run's key results as ``(label, value in words)``, in the order the notebook recorded them."""
    metrics, labels = rec.get("metrics") or {}, rec.get("metric_labels") or {}
    return [(metric_label(k, labels), in_words(metrics[k])) for k in rec.get("key_metrics") or [] if k in metrics]


def _params(rec: dict[str, Any]) -> list[tuple[str, str]]:
    return [(k, format_value(v, short=True)) for k, v in (rec.get("overrides") or {}).items()]


def index_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the index template shows of each run record (values as they would be typed)."""
    rows = []
    for r in runs:
        rows.append({
            "status": r.get("status", "ok"),
            "notebook": r["notebook"],
            "name": r["name"],
            "html": r.get("html"),
            "ipynb": r.get("ipynb", ""),
            "params": _params(r),
            "metrics": key_results(r),
            "error": r.get("error", ""),
            "error_line": _first_line(r.get("error", "")),
            "seconds": float(r.get("seconds", 0.0)),
            "executed": r.get("executed", True),
            "rendered": bool(r.get("rendered")) and not r.get("executed", True),
            "when": r.get("finished", "")[:16].replace("T", " "),
        })
    return rows


def _intro(stem: str, notebooks_dir: Path, reports_dir: Path, runs: list[dict[str, Any]]) -> Intro:
    """The notebook's title and first sentence: from the notebook, else from an executed copy of it."""
    sources = [notebooks_dir / f"{stem}.ipynb"] + [reports_dir / f"{r['name']}.ipynb" for r in runs]
    for path in sources:
        if path.is_file():
            found = intro_of_file(path)
            if found.title or found.sentence:
                return found
    return Intro(stem, "", [("text", stem)], [])


def chapters(runs: list[dict[str, Any]], reports_dir: Path, notebooks_dir: Path) -> list[dict[str, Any]]:
    """One entry per notebook, in reading order (the notebooks of ``notebooks_dir`` and any others with runs):
    title, first sentence, and the run it presents: the default run, else the latest successful one."""
    by_stem: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        by_stem.setdefault(r["notebook"], []).append(r)
    stems = sorted({p.stem for p in reading_order(notebooks_dir)} | set(by_stem))
    out = []
    for stem in stems:
        own = by_stem.get(stem, [])
        ok = [r for r in own if r.get("status", "ok") == "ok"]
        default = next((r for r in ok if r["name"] == stem), None)
        featured = default or max(ok, key=lambda r: r.get("finished", ""), default=None)
        failed = next((r for r in own if r["name"] == stem and r.get("status") == "failed"), None)
        intro = _intro(stem, notebooks_dir, reports_dir, own)
        out.append({
            "stem": stem,
            "number": number_of(stem),
            "title": intro.title_segments or [("text", stem)],
            "sentence": intro.sentence_segments,
            "has_math": intro.has_math,
            "href": featured.get("html") if featured else None,
            "params": _params(featured) if featured else [],
            "results": key_results(featured) if featured else [],
            "seconds": float(featured.get("seconds", 0.0)) if featured else 0.0,
            "others": len(own) - (1 if featured else 0) - (1 if failed else 0),
            "failed": _first_line(failed.get("error", "")) if failed else "",
        })
    return out


def write_index(reports_dir: Path, notebooks_dir: Path | None = None) -> Path:
    """Write ``reports/index.html`` from the runs' records in ``reports_dir`` and the notebooks' first cells."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    notebooks_dir = Path(notebooks_dir or default_notebooks_dir())
    runs = load_runs(reports_dir)
    sweeps = [{"href": p.name, "name": p.stem} for p in sorted(reports_dir.glob("sweep-*.html"))]
    entries = chapters(runs, reports_dir, notebooks_dir)
    mathjax = any(e["has_math"] for e in entries) and (reports_dir / "_static" / "mathjax" / "MathJax.js").is_file()
    page = render_page("index/index.html.j2", chapters=entries, runs=index_rows(runs), sweeps=sweeps,
                       mathjax=mathjax)
    target = reports_dir / "index.html"
    atomic_write(target, page)
    return target
