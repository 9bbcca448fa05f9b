"""Progress lines from a running notebook to the console of ``make report``, kept out of the rendered report.

The runner names a file in the environment variable :data:`ENV` before it starts the kernel and prints every line
written there as it arrives. Without the variable (a notebook run by hand in Jupyter), the line is printed and shows
under the cell that is running.
"""

from __future__ import annotations

import os

__all__ = ["ENV", "progress"]

ENV = "LOGISTIC_SOFTMAX_PROGRESS"


def progress(line: str) -> None:
    """Show one line of progress (an epoch finished, a fit started) on the console."""
    path = os.environ.get(ENV)
    if not path:
        print(line, flush=True)
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(line.rstrip("\n") + "\n")
