"""The kernels the runner starts: a kernelspec that runs this very interpreter, and stopping every kernel this
process started (also one still starting up)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path

__all__ = ["kernelspec_dir", "stop_kernels", "BLAS_THREADS"]

#: Every kernel computes with one BLAS thread: a product summed by two threads rounds differently from one summed by
#: one, so a fixed count is what makes a run's numbers the same whether it runs alone or beside others (and on
#: this machine kind one thread is no slower: 05_mnist took 68 s with one, 72 s with two).
BLAS_THREADS = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def kernelspec_dir(tmp: Path) -> Path:
    """A kernelspec named ``python3`` that runs this very interpreter (the venv's), ahead of any user kernelspec;
    returns the folder to put first on ``JUPYTER_PATH``."""
    spec = tmp / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    kernel = {
        "argv": [
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            # the kernel's own log (TCP on loopback, the interrupt sent at shutdown) stays off the console;
            # errors in cells reach the executed notebook, a dead kernel reaches the runner through nbclient
            "--IPKernelApp.log_level=CRITICAL",
        ],
        "display_name": "Python 3 (logistic-softmax)",
        "language": "python",
        "env": BLAS_THREADS,
        "metadata": {"debugger": False},
    }
    (spec / "kernel.json").write_text(json.dumps(kernel))
    return tmp / "jupyter"


def stop_kernels(grace: float = 3.0) -> None:
    """Stop every Jupyter kernel that this process started, with its process group: SIGTERM, then SIGKILL for
    any still there after ``grace`` seconds.

    A kernel runs in a session of its own, so neither Ctrl-C in the terminal nor the death of this process
    reaches it while it is starting up."""
    import psutil

    def send(procs, sig) -> None:
        for k in procs:
            try:
                os.killpg(k.pid, sig)  # the kernel leads its own process group
            except ProcessLookupError:  # (not yet, just after the fork)
                with contextlib.suppress(psutil.Error):
                    k.send_signal(sig)

    kernels = []
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            if any("ipykernel_launcher" in a for a in child.cmdline()):
                kernels.append(child)
    send(kernels, signal.SIGTERM)
    _, alive = psutil.wait_procs(kernels, timeout=grace)
    send(alive, signal.SIGKILL)
    psutil.wait_procs(alive, timeout=grace)
