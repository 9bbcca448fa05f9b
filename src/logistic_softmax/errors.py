"""The project's errors. Every kind of bad input is an :class:`InputError`: the runner prints its one-line message
and exits with 2 before any kernel starts."""

from __future__ import annotations

__all__ = ["InputError", "ParameterError", "DataError", "RunError", "ClaimFailed"]


class InputError(ValueError):
    """Something a user gave (a parameter, a parameters or grid file, a data file) is not what is expected."""

    def _render_traceback_(self) -> list[str]:
        """In Jupyter (IPython's hook), the runner's one line instead of a traceback through the package: a reader
        who edits a parameters cell sees what ``make report`` would say of the same value."""
        return [f"error: {self}"]


class ParameterError(InputError):
    """A parameter, its value, or a parameters or grid file is not what the notebook declares."""


class DataError(InputError):
    """The data a notebook is asked to use cannot be used as asked (a missing file or column, one class...)."""


class RunError(RuntimeError):
    """A notebook failed while running, or its report could not be written."""


class ClaimFailed(AssertionError):
    """A claim a report makes does not hold for these data and parameters."""
