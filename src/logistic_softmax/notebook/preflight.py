"""The checks of a run's values that need the data: the runner makes them before any kernel starts, and a notebook
opened in Jupyter makes the same ones when its values are validated."""

from __future__ import annotations

from typing import Any

from ..science.data import mnist, tables

__all__ = ["preflight"]


def preflight(values: dict[str, Any]) -> None:
    """Check the data parameters of a run, if it has any (``data`` and ``outcome``, the ``layer_`` set of the
    networks notebook, ``mnist_dir`` of the MNIST notebook); raise :class:`~logistic_softmax.errors.DataError`."""
    for prefix in ("", "layer_"):
        if all(prefix + role in values for role in ("data", "outcome", "predictors")):
            tables.from_params(values, prefix=prefix)
    if "mnist_dir" in values:
        mnist.check_values(values)
