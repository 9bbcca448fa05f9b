"""Recording a report's results: ``record(name, value)`` in a notebook, collected by the runner.

A key result (``key=True``) is shown in the index of reports; its ``label`` says in words what it measures there
("two-class MNLogit vs Logit, largest difference"), so the words live beside the number, in the notebook.

A record is a display output with a MIME type of its own, so it travels inside the executed notebook (no side
files, nothing to configure) and is invisible in Jupyter and in the rendered HTML.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["MIME_TYPE", "record", "to_jsonable", "collect", "labels", "strip"]

MIME_TYPE = "application/vnd.logistic-softmax.metric+json"


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars and arrays, tuples and mappings to plain JSON types; non-finite floats to strings."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"metric value of type {type(value).__name__} cannot be recorded")


def record(name: str, value: Any, *, key: bool = False, label: str | None = None) -> None:
    """Record a metric of this run; ``key=True`` also shows it in the index of reports, under ``label`` (a few
    words for a reader, e.g. ``"softmax layer, test accuracy"``; without one the index shows the name)."""
    from IPython.display import display

    payload = {"name": name, "value": to_jsonable(value), "key": bool(key)}
    if label is not None:
        if not isinstance(label, str) or not label.strip():
            raise TypeError(f"the label of metric {name!r} must be a non-empty string, got {label!r}")
        payload["label"] = label.strip()
    display({MIME_TYPE: payload}, raw=True)


def collect(nb) -> tuple[dict[str, Any], list[str]]:
    """Return the metrics recorded in an executed notebook (later records win) and the names marked key."""
    metrics: dict[str, Any] = {}
    key: list[str] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            payload = out.get("data", {}).get(MIME_TYPE)
            if payload is None:
                continue
            metrics[payload["name"]] = payload["value"]
            if payload.get("key") and payload["name"] not in key:
                key.append(payload["name"])
    return metrics, key


def labels(nb) -> dict[str, str]:
    """The labels given to the metrics recorded in an executed notebook (the last label given to a name wins; a
    record without a label leaves an earlier one in place)."""
    found: dict[str, str] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            payload = out.get("data", {}).get(MIME_TYPE)
            if payload is not None and payload.get("label"):
                found[payload["name"]] = payload["label"]
    return found


def strip(nb) -> None:
    """Remove the metric outputs from a notebook (in place), e.g. before rendering it to HTML."""
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if MIME_TYPE not in o.get("data", {})]
