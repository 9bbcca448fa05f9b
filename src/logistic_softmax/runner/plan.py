"""Planning runs: which notebooks, with which checked values, under which file names. Every requested run is
checked here, values and data, before any kernel starts."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..notebook.params import Schema, read_schema
from ..paths import notebooks_dir as default_notebooks_dir
from .inputs import format_value, load_params_file, parse_assignments

__all__ = ["RunSpec", "run_name", "available_notebooks", "resolve_notebook", "plan_runs", "checked_spec", "label"]


@dataclass
class RunSpec:
    """One validated run: which notebook, with which parameters, under which file name."""

    notebook: Path
    schema: Schema
    parameters: dict[str, Any]
    overrides: dict[str, Any] = field(default_factory=dict)
    #: the run's hashed inputs, ``{"execution": ..., "render": ...}`` (:mod:`~logistic_softmax.runner.cache`), once
    #: the runner has computed them
    inputs: dict[str, Any] = field(default_factory=dict)
    #: the notebook's JSON text, once read for a run that executes elsewhere (a Dask worker needs no notebooks/)
    text: str = ""

    def source(self) -> str:
        """The notebook's JSON text: the copy this run carries, else the file."""
        return self.text or self.notebook.read_text(encoding="utf-8")

    @property
    def stem(self) -> str:
        return self.notebook.stem

    @property
    def name(self) -> str:
        return run_name(self.stem, self.overrides)


def run_name(stem: str, overrides: dict[str, Any]) -> str:
    """File name of a run: the notebook's own name with defaults, else a readable slug plus a hash of the values.

    The hash (of the canonical JSON of the overrides) keeps two different parameter sets from ever sharing a name.
    """
    if not overrides:
        return stem
    canon = json.dumps(overrides, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canon.encode()).hexdigest()[:8]
    parts = []
    for k in sorted(overrides):
        parts.append(f"{k}-{format_value(overrides[k])}")
    slug = re.sub(r"[^A-Za-z0-9.+-]+", "_", "_".join(parts)).strip("_")[:48]
    return f"{stem}--{slug}--{digest}"


def label(spec: RunSpec) -> str:
    """The run's values for the console, as they would be typed: ``"epochs=10, digits=[4, 9]"`` or ``"defaults"``."""
    return ", ".join(f"{k}={format_value(v)}" for k, v in spec.overrides.items()) or "defaults"


def available_notebooks(notebooks_dir: Path) -> list[Path]:
    return sorted(p for p in notebooks_dir.glob("*.ipynb") if not p.name.startswith("."))


def resolve_notebook(name: str, notebooks_dir: Path) -> Path:
    """Find a notebook by name (``01_sigmoid_softmax``), file name or path; a clear error lists the valid ones."""
    candidates = [Path(name), notebooks_dir / name, notebooks_dir / f"{name}.ipynb"]
    for c in candidates:
        if c.suffix == ".ipynb" and c.is_file():
            return c.resolve()
    valid = ", ".join(p.stem for p in available_notebooks(notebooks_dir)) or "(none)"
    raise ParameterError(f"unknown notebook '{name}'; notebooks in {notebooks_dir}: {valid}")


def plan_runs(
    notebook: str | None,
    assignments: str = "",
    params_file: str | None = None,
    notebooks_dir: Path | None = None,
) -> list[RunSpec]:
    """Validate a request and return the runs it asks for; raise an ``InputError`` on any bad input."""
    notebooks_dir = Path(notebooks_dir or default_notebooks_dir())
    if notebook is None:
        if assignments.strip() or params_file:
            raise ParameterError("parameters (P=... or PARAMS=...) need a notebook: give NB=<notebook>")
        paths = available_notebooks(notebooks_dir)
        if not paths:
            raise ParameterError(f"no notebooks found in {notebooks_dir}")
    else:
        paths = [resolve_notebook(notebook, notebooks_dir)]
    specs = []
    for path in paths:
        schema = read_schema(path)
        given: dict[str, Any] = {}
        if params_file:
            given.update(load_params_file(params_file, schema))
        given.update(parse_assignments(assignments, schema))
        specs.append(checked_spec(path, schema, given))
    return specs


def checked_spec(path: Path, schema: Schema, given: dict[str, Any]) -> RunSpec:
    """The run of notebook ``path`` with the values ``given``, checked against its schema and against the data
    files they name: a missing file or column stops here, before any kernel starts."""
    from ..notebook.preflight import preflight  # (pandas: loaded only when needed, so the command line starts fast)

    values = schema.validate(given)
    preflight(values)
    return RunSpec(path, schema, values, schema.overrides_of(values))
