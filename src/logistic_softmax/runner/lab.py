"""``make lab``: the project's kernel registered in the environment, and JupyterLab started on ``notebooks/``.

The kernel ``logistic-softmax`` is the one ``python -m ipykernel install --sys-prefix --name logistic-softmax``
registers, with two settings of the runner's own kernel (:mod:`~logistic_softmax.runner.kernels`): one BLAS thread,
so that a notebook run by hand gives the reports' numbers, and the extension
:mod:`logistic_softmax.notebook.lab_kernel` (the kernel works in the project folder, where relative data paths start
under ``make``; bad input is one line ``error: ...``). The notebooks name it in their kernelspec metadata, so they
open with it. The runner does not use it: papermill runs every report with a kernelspec of its own interpreter.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ..paths import notebooks_dir
from .kernels import BLAS_THREADS

__all__ = ["KERNEL_NAME", "DISPLAY_NAME", "EXTENSION", "install_kernel", "lab_command", "start_lab"]

KERNEL_NAME = "logistic-softmax"
DISPLAY_NAME = "Python 3 (logistic-softmax)"
EXTENSION = "logistic_softmax.notebook.lab_kernel"


def install_kernel(prefix: str | Path = sys.prefix) -> Path:
    """Register the kernel under ``prefix`` (``<prefix>/share/jupyter/kernels/logistic-softmax``, as ``--sys-prefix``
    does for this environment), replacing an earlier copy; return its folder."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as tmp:
        spec = write_kernel_spec(
            Path(tmp) / KERNEL_NAME,
            overrides={"display_name": DISPLAY_NAME, "env": dict(BLAS_THREADS)},
            extra_arguments=[f"--ext={EXTENSION}"],
        )
        return Path(KernelSpecManager().install_kernel_spec(str(spec), KERNEL_NAME, prefix=str(prefix)))


def lab_command(args: list[str], root: Path | None = None) -> list[str]:
    """The command that starts JupyterLab on ``root`` (the project's ``notebooks/``) with ``args`` added."""
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root or notebooks_dir()}", *args]


def start_lab(args: list[str]) -> None:
    """Register the kernel in this environment, then become JupyterLab (Ctrl-C is JupyterLab's own)."""
    where = install_kernel()
    print(f"kernel {KERNEL_NAME!r} ({DISPLAY_NAME}) registered in {where}", flush=True)
    cmd = lab_command(args)
    sys.stdout.flush()
    os.execv(cmd[0], cmd)
