"""The checks of a run's values that need the data: the runner makes them before any kernel starts, and a notebook
opened in Jupyter makes the same ones when its values are validated. Also the list of data files a run reads (the
runner hashes them to tell whether a report is still up to date)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..science.data import mnist, tables

__all__ = ["preflight", "data_files"]

#: The prefixes of the data-parameter sets a notebook may declare: ``data``/``outcome``/``predictors``, the
#: ``layer_`` set of the networks notebook and the ``binary_`` set of the penalties notebook.
PREFIXES = ("", "layer_", "binary_")


def _table_sets(values: dict[str, Any]) -> list[str]:
    return [p for p in PREFIXES if all(p + role in values for role in ("data", "outcome", "predictors"))]


def preflight(values: dict[str, Any]) -> None:
    """Check the data parameters of a run, if it has any (``data`` and ``outcome``, the ``layer_`` and ``binary_``
    sets, ``mnist_dir`` of the MNIST notebooks); raise :class:`~logistic_softmax.errors.DataError`."""
    for prefix in _table_sets(values):
        tables.from_params(values, prefix=prefix)
    if "mnist_dir" in values:
        mnist.check_values(values)


def data_files(values: dict[str, Any]) -> list[Path]:
    """The files a run with these (checked) values reads: its CSV files, and the MNIST files with their sums file.
    A statsmodels dataset is no file of the user's: it changes only with statsmodels' version."""
    files = []
    for prefix in _table_sets(values):
        data = values[prefix + "data"]
        if data not in tables.statsmodels_datasets():
            files.append(Path(data).expanduser())
    if "mnist_dir" in values:
        root = mnist.folder(values["mnist_dir"])
        files += [root / f"{name}.gz" for name in mnist.FILES.values()] + [root / mnist.SUMS_FILE]
    return files
