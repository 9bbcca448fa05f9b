"""Executing one run: papermill runs the notebook in a kernel of this interpreter, the progress it writes is printed,
and the run's three files are written to a temporary folder and renamed into place together."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import RunError
from ..notebook import metrics as metrics_mod
from ..notebook import progress as progress_mod
from .cache import cache_fields, execution_inputs, render_inputs
from .kernels import kernelspec_dir, stop_kernels
from .plan import RunSpec
from .records import TMP_PREFIX, display_path, publish, record
from .render import ensure_mathjax, render_html
from .signals import CURRENT

__all__ = ["VERSION_PACKAGES", "versions", "share_verified_files", "run"]

VERSION_PACKAGES = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "papermill", "nbconvert")


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in VERSION_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[pkg] = "not installed"
    return out


def share_verified_files() -> None:
    """Tell the kernels (through the environment) which MNIST files the checks before the run have verified, so
    that their loads do not check them again."""
    mnist = sys.modules.get("logistic_softmax.science.data.mnist")
    if mnist is not None and mnist.verified_files():
        os.environ[mnist.VERIFIED_ENV] = json.dumps(mnist.verified_files())


class _CellWatch:
    """The cell the kernel was last given (an nbclient hook): it names the cell when the kernel dies, without
    papermill writing the whole executed notebook before and after every cell."""

    def __init__(self) -> None:
        self.index: int | None = None
        self.source = ""

    def __call__(self, cell, cell_index: int, **_) -> None:
        self.index, self.source = cell_index, cell.source


def _first_line(source: str) -> str:
    return next((ln.strip() for ln in source.splitlines() if ln.strip()), "")


def _source_index(nb, index: int, *, injected: bool = False) -> int:
    """Index in the source notebook of cell ``index`` of the executed notebook, where papermill inserted its
    injected-parameters cell right after the cell tagged ``parameters``: ``nb`` is the executed notebook, or
    the source notebook itself with ``injected=True``."""
    tag = "parameters" if injected else "injected-parameters"
    tagged = [i for i, c in enumerate(nb.cells) if tag in c.metadata.get("tags", [])]
    inserted_at = None if not tagged else tagged[0] + 1 if injected else tagged[0]
    # papermill's error-marker cells are added after the exception, so cell indices do not count them
    return index - 1 if inserted_at is not None and index > inserted_at else index


def _failure_message(spec: RunSpec, exc: Exception, executed: Path, watch: _CellWatch) -> str:
    """Name the notebook, the failing cell (numbered as in the source notebook) and the error."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    rel = display_path(spec.notebook)
    if not isinstance(exc, PapermillExecutionError):
        # e.g. the kernel died (killed, out of memory) while running the last cell it was given
        where = ""
        if watch.index is not None:
            number = _source_index(nbformat.read(spec.notebook, as_version=4), watch.index, injected=True) + 1
            where = f" in cell {number}, which begins: {_first_line(watch.source)!r}"
        return f"notebook {spec.stem} ({rel}) failed{where}\n  {type(exc).__name__}: {exc}"
    # papermill wrote the executed notebook, with the error, before raising
    index = _source_index(nbformat.read(executed, as_version=4), exc.cell_index)
    return (
        f"notebook {spec.stem} ({rel}) failed in cell {index + 1} (In [{exc.exec_count}]), "
        f"which begins: {_first_line(exc.source)!r}\n  {exc.ename}: {exc.evalue}"
    )


class _ProgressTail(threading.Thread):
    """Print the lines a running notebook writes to its progress file (:mod:`logistic_softmax.notebook.progress`)."""

    def __init__(self, path: Path, label: str, interval: float = 0.5):
        super().__init__(daemon=True)
        self.path, self.label, self.interval = path, label, interval
        self.stopped = threading.Event()
        self.offset = 0

    def _drain(self) -> None:
        try:
            with open(self.path, encoding="utf-8") as f:
                f.seek(self.offset)
                text = f.read()
        except FileNotFoundError:
            return
        done = text.rfind("\n") + 1  # a line still being written is printed once it is complete
        self.offset += len(text[:done].encode("utf-8"))
        for line in text[:done].splitlines():
            print(f"      {self.label}: {line}", flush=True)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self._drain()
        self._drain()

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def run(spec: RunSpec, reports_dir: Path, *, progress: bool = False) -> dict[str, Any]:
    """Execute one validated run and write its three files atomically; return the run's JSON record."""
    import nbformat
    import papermill as pm

    reports_dir.mkdir(parents=True, exist_ok=True)
    ensure_mathjax(reports_dir)
    name = spec.name
    # the inputs as they are when the run starts: a file changed while it runs makes the next invocation run it again
    inputs = spec.inputs or {"execution": execution_inputs(spec), "render": render_inputs(spec, reports_dir)}
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{name[:40]}-pid{os.getpid()}-", dir=reports_dir))
    CURRENT.tmp = tmp
    start = time.perf_counter()
    old_path = os.environ.get("JUPYTER_PATH")
    tail = _ProgressTail(tmp / "progress.log", spec.stem)
    watch = _CellWatch()
    try:
        executed_path = tmp / f"{name}.ipynb"
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(kernelspec_dir(tmp)), old_path]))
        os.environ[progress_mod.ENV] = str(tail.path)  # the kernel inherits the environment
        tail.start()
        try:
            pm.execute_notebook(
                str(spec.notebook),
                str(executed_path),
                parameters=spec.parameters,
                kernel_name="python3",
                language="python",
                progress_bar=progress,
                cwd=os.getcwd(),
                # the executed notebook is written once, at the end (or on a cell's error), not around every cell
                request_save_on_cell_execute=False,
                on_cell_start=watch,
            )
        except KeyboardInterrupt:
            # Ctrl-C while the kernel was still starting can leave it running: nothing else would stop it (it
            # is in a session of its own, and its watch on this process starts only once it is up)
            stop_kernels()
            raise
        except Exception as exc:
            raise RunError(_failure_message(spec, exc, executed_path, watch)) from None
        finally:
            tail.stop()
        executed = nbformat.read(executed_path, as_version=4)
        recorded, key = metrics_mod.collect(executed)
        rec = record(spec, "ok", time.perf_counter() - start, metrics=recorded, key_metrics=key,
                     metric_labels=metrics_mod.labels(executed))
        rec |= {"versions": versions(), "html": f"{name}.html", "ipynb": f"{name}.ipynb"}
        rec |= cache_fields(inputs, executed=True)
        page = render_html(executed, spec, rec, "_static", reading=inputs["render"].get("reading"))
        (tmp / f"{name}.html").write_text(page, encoding="utf-8")
        (tmp / f"{name}.json").write_text(json.dumps(rec, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        publish(tmp, name, reports_dir)  # the three files are replaced together or not at all
        return rec
    finally:
        CURRENT.tmp = None
        os.environ.pop(progress_mod.ENV, None)
        if tail.is_alive():
            tail.stop()
        if old_path is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old_path
        shutil.rmtree(tmp, ignore_errors=True)
