"""The project's Jupyter kernel (``make lab``, kernel ``logistic-softmax``) works in the project folder, as the runner's
kernel does under ``make``: JupyterLab starts a kernel in its notebook's folder (``notebooks/``), where a relative data
path (``data = "my.csv"``, ``mnist_dir``) would name another file than ``make report NB=... P='data=my.csv'`` does.
This module is the IPython extension that moves the kernel there when it starts; a notebook outside any project keeps
its own folder.

The kernel also computes with one BLAS thread (its kernelspec's environment), so its numbers are the reports', and
bad input shows as the runner's one line ``error: ...`` (:class:`~logistic_softmax.errors.InputError`).
"""

from __future__ import annotations

import os

from ..paths import enclosing_project

__all__ = ["load_ipython_extension"]


def load_ipython_extension(shell) -> None:
    project = enclosing_project()
    if project is not None:
        os.chdir(project)
