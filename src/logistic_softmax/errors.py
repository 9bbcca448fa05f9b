"""The project's errors. Every kind of bad input is an :class:`InputError`: the runner prints its one-line message
and exits with 2 before any kernel starts."""

from __future__ import annotations

__all__ = ["InputError", "ParameterError", "DataError", "RunError", "ClaimFailed"]


class InputError(ValueError):
    """Something a user gave (a parameter, a parameters or grid file, a data file) is not what is expected."""


class ParameterError(InputError):
    """A parameter, its value, or a parameters or grid file is not what the notebook declares."""


class DataError(InputError):
    """The data a notebook is asked to use cannot be used as asked (a missing file or column, one class...)."""


class RunError(RuntimeError):
    """A notebook failed while running, or its report could not be written."""


class ClaimFailed(AssertionError):
    """A claim a report makes does not hold for these data and parameters."""
