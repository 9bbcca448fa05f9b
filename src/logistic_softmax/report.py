"""The report runner's entry point: ``python -m logistic_softmax.report`` and the ``logistic-softmax-report`` script
(see :mod:`logistic_softmax.runner.cli`)."""

from __future__ import annotations

import sys

from .runner.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
