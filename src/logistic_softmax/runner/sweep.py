"""Sweeps: every combination of listed parameter values, each an ordinary report, compared on one page.

A grid file is a YAML mapping of parameter name to a list of values (a single value means a list of one)::

    learning_rate: [0.1, 0.5, 2.0]
    seed: [0, 1]

gives the six runs of the cartesian product. Every combination is validated before any kernel starts. The runs go
to :func:`logistic_softmax.runner.pool.run_many` (parallel worker processes) and land in ``reports/`` like any other
run; the comparison page ``reports/sweep-<notebook>--<grid>.html`` has one row per run (its swept values, its
metrics, its time, a link to its report or its error), sortable by any column, and a figure of a chosen metric
against a chosen parameter (both can be changed on the page).

With ``--scheduler`` the runs are tasks on a Dask cluster instead (:mod:`~logistic_softmax.runner.cluster`). Each run
is also a plain ``report run`` (a papermill execution), so a sweep can be spread over machines by any other
scheduler: ``--plan`` prints one command per run, and ``--page-only`` builds the page from the runs' records once
they are in ``reports/``.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..notebook.params import Schema, read_schema
from ..templating import TEMPLATES, render_page
from .inputs import format_value, from_yaml, read_yaml_file
from .plan import checked_spec
from .records import FAILED_SUFFIX, atomic_write

__all__ = ["load_grid", "combinations", "plan", "page_path", "rows", "write_page"]


def load_grid(path: str | Path, schema: Schema) -> dict[str, list[Any]]:
    """Read a grid file: a mapping of parameter name to the list of its values, each checked against ``schema``."""
    path = Path(path)
    where = f"grid file {path}"
    data = read_yaml_file(path, "grid file")
    if not isinstance(data, dict) or not data:
        got = "nothing" if data is None else type(data).__name__
        raise ParameterError(f"{where}: expected a mapping of parameter name to a list of values, got {got}")
    grid: dict[str, list[Any]] = {}
    for name, values in data.items():
        if not isinstance(name, str) or name not in schema.names:
            raise ParameterError(f"{where}: {schema.unknown(str(name))}")
        if schema[name].type.startswith("list"):
            # a list parameter takes a list per run: a list of lists, or one list meaning one run
            if not (isinstance(values, list) and values and all(isinstance(v, list) for v in values)):
                values = [values]
        elif not isinstance(values, list):
            values = [values]
        if not values:
            raise ParameterError(f"{where}: parameter '{name}': expected at least one value, got an empty list")
        try:  # each value read as a parameters file reads it (Python literals; 010, yes, on stay text)
            grid[name] = [from_yaml(v, schema[name]) for v in values]
        except ParameterError as exc:
            raise ParameterError(f"{where}: {exc}") from None
    return grid


def combinations(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The cartesian product of the grid, in the order of the file (the last parameter varies fastest)."""
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(grid[n] for n in names))]


def plan(notebook: Path, grid_path: str | Path) -> tuple[dict[str, list[Any]], list]:
    """Validate the grid and every combination (as :func:`~logistic_softmax.runner.plan.plan_runs` does); return the
    grid and the runs."""
    schema = read_schema(notebook)
    grid = load_grid(grid_path, schema)
    specs, seen = [], set()
    for combo in combinations(grid):
        spec = checked_spec(notebook, schema, combo)
        if spec.name not in seen:  # e.g. 0.5 and 0.50 in the file: one run
            seen.add(spec.name)
            specs.append(spec)
    return grid, specs


def page_path(reports_dir: Path, notebook: Path, grid_path: str | Path) -> Path:
    return reports_dir / f"sweep-{notebook.stem}--{Path(grid_path).stem}.html"


def _flatten(metrics: dict[str, Any]) -> dict[str, Any]:
    """Scalar metrics as they are; a mapping of scalars as ``name.key`` entries; lists left out."""
    out: dict[str, Any] = {}
    for k, v in metrics.items():
        if isinstance(v, dict):
            for kk, vv in v.items():
                if isinstance(vv, (bool, int, float, str)) or vv is None:
                    out[f"{k}.{kk}"] = vv
        elif isinstance(v, (bool, int, float, str)) or v is None:
            out[k] = v
    return out


def rows(specs: list, reports_dir: Path, grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """One row per planned run from the records in ``reports_dir``: ok (the report's record), failed (the failure
    record, newer than any report of that name), or not run."""
    out = []
    for spec in specs:
        row: dict[str, Any] = {"name": spec.name, "params": {k: spec.parameters[k] for k in grid}}
        ok, failed = reports_dir / f"{spec.name}.json", reports_dir / f"{spec.name}{FAILED_SUFFIX}"
        rec = None
        for path in (failed, ok):  # a failure record exists only while no later run of that name succeeded
            if path.is_file():
                rec = json.loads(path.read_text(encoding="utf-8"))
                break
        if rec is None:
            row.update(status="not run", seconds=None, metrics={}, key=[], html=None, error="")
        else:
            row.update(
                status=rec.get("status", "ok"),
                seconds=rec.get("seconds"),
                metrics=_flatten(rec.get("metrics", {})),
                key=rec.get("key_metrics", []),
                html=rec.get("html") if rec.get("status", "ok") == "ok" else None,
                error=rec.get("error", ""),
            )
        out.append(row)
    return out


def _numeric(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def default_axes(grid: dict[str, list[Any]], table: list[dict[str, Any]]) -> tuple[str, str]:
    """The first swept parameter with several numeric values, and the first numeric key metric."""
    x = next((k for k, vs in grid.items() if len(vs) > 1 and all(_numeric(v) for v in vs)), next(iter(grid)))
    numeric = [k for r in table for k, v in r["metrics"].items() if _numeric(v)]
    keys = [k for r in table for k in r["key"] if k in numeric]
    y = keys[0] if keys else (numeric[0] if numeric else "seconds")
    return x, y


def write_page(
    reports_dir: Path,
    notebook: Path,
    grid_path: str | Path,
    grid: dict[str, list[Any]],
    specs: list,
    *,
    x: str | None = None,
    y: str | None = None,
) -> Path:
    """Write the comparison page of a sweep from the runs' records; return its path."""
    table = rows(specs, reports_dir, grid)
    dx, dy = default_axes(grid, table)
    metric_names: list[str] = []
    for r in table:
        for k in r["metrics"]:
            if k not in metric_names:
                metric_names.append(k)
    if x is not None and x not in grid:
        raise ParameterError(f"--x: expected one of the swept parameters {', '.join(grid)}, got {x!r}")
    if y is not None and y not in metric_names + ["seconds"]:
        raise ParameterError(f"--y: expected a recorded metric ({', '.join(metric_names)} or seconds), got {y!r}")
    data = {"swept": list(grid), "metrics": metric_names, "rows": table, "x": x or dx, "y": y or dy}
    counts = {s: sum(r["status"] == s for r in table) for s in ("ok", "failed", "not run")}
    page = render_page(
        "sweep/sweep.html.j2",
        notebook=notebook.stem,
        grid_name=Path(grid_path).name,
        grid_path=str(grid_path),
        count=len(table),
        summary=", ".join(f"{n} {s}" for s, n in counts.items() if n),
        grid=[(k, format_value(v)) for k, v in grid.items()],
        data=json.dumps(data, default=str).replace("<", "\\u003c"),
        css=(TEMPLATES / "sweep" / "sweep.css").read_text(encoding="utf-8"),
        js=(TEMPLATES / "sweep" / "sweep.js").read_text(encoding="utf-8"),
    )
    target = page_path(reports_dir, notebook, grid_path)
    atomic_write(target, page)
    return target
