"""``reports/index.html``: one row per run (notebook, parameters, key metrics or error, status, time, links),
failed runs included, and the sweeps' comparison pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..templating import render_page
from .inputs import format_value
from .records import atomic_write, load_runs

__all__ = ["index_rows", "write_index"]


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def index_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the index template shows of each run record (values as they would be typed)."""
    rows = []
    for r in runs:
        metrics = r.get("metrics", {})
        rows.append({
            "status": r.get("status", "ok"),
            "notebook": r["notebook"],
            "name": r["name"],
            "html": r.get("html"),
            "ipynb": r.get("ipynb", ""),
            "params": [(k, format_value(v, short=True)) for k, v in (r.get("overrides") or {}).items()],
            "metrics": [(k, format_value(metrics[k], short=True)) for k in r.get("key_metrics") or [] if k in metrics],
            "error": r.get("error", ""),
            "error_line": _first_line(r.get("error", "")),
            "seconds": float(r.get("seconds", 0.0)),
            "executed": r.get("executed", True),
            "rendered": bool(r.get("rendered")) and not r.get("executed", True),
            "when": r.get("finished", "")[:16].replace("T", " "),
        })
    return rows


def write_index(reports_dir: Path) -> Path:
    """Write ``reports/index.html`` from the runs' records in ``reports_dir``."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    sweeps = [{"href": p.name, "name": p.stem} for p in sorted(reports_dir.glob("sweep-*.html"))]
    page = render_page("index/index.html.j2", runs=index_rows(load_runs(reports_dir)), sweeps=sweeps)
    target = reports_dir / "index.html"
    atomic_write(target, page)
    return target
