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

__all__ = ["VERSION_PACKAGES", "versions", "share_verified_files", "execute", "executed_record", "publish_run",
           "run_folder", "run"]

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


def _failure_message(spec: RunSpec, exc: Exception, watch: _CellWatch) -> str:
    """Name the notebook, the failing cell (numbered as in the source notebook) and the error."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    rel = display_path(spec.notebook)
    if isinstance(exc, PapermillExecutionError):
        index, where = exc.cell_index, f" (In [{exc.exec_count}])"
        error, source = f"{exc.ename}: {exc.evalue}", exc.source
    elif watch.index is not None:
        # e.g. the kernel died (killed, out of memory), or a cell ran past the timeout, in the last cell it was given
        # (the first line of the error: nbclient's timeout adds a preview of the cell, which is named here)
        first = next(iter(str(exc).splitlines()), "")
        index, where, error, source = watch.index, "", f"{type(exc).__name__}: {first}", watch.source
    else:
        return f"notebook {spec.stem} ({rel}) failed\n  {type(exc).__name__}: {exc}"
    # papermill injected its parameters cell after the cell tagged parameters (when there are parameters)
    source_nb = nbformat.reads(spec.source(), as_version=4)
    number = _source_index(source_nb, index, injected=bool(spec.parameters)) + 1
    begins = _first_line(source)
    return f"notebook {spec.stem} ({rel}) failed in cell {number}{where}, which begins: {begins!r}\n  {error}"


class _ProgressTail(threading.Thread):
    """Print the lines a running notebook writes to its progress file (:mod:`logistic_softmax.notebook.progress`)."""

    def __init__(self, path: Path, label: str, interval: float = 0.5, echo: bool = True):
        super().__init__(daemon=True)
        self.path, self.label, self.interval, self.echo = path, label, interval, echo
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
        for line in text[:done].splitlines() if self.echo else ():
            print(f"      {self.label}: {line}", flush=True)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self._drain()
        self._drain()

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def execute(spec: RunSpec, tmp: Path, *, progress: bool = False, timeout: float | None = None,
            cwd: str | None = None, echo_progress: bool = True):
    """Execute one validated run with papermill, in memory, in a kernel of this interpreter (its kernelspec in
    ``tmp``); return the executed notebook. A cell that fails, a kernel that dies or a cell that runs longer than
    ``timeout`` seconds raises :class:`RunError`, naming the cell. The notebook's progress lines are printed
    (``echo_progress``; a Dask worker has no console and drops them)."""
    import nbformat
    import papermill as pm

    old_path = os.environ.get("JUPYTER_PATH")
    tail = _ProgressTail(tmp / "progress.log", spec.stem, echo=echo_progress)
    watch = _CellWatch()
    try:
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(kernelspec_dir(tmp)), old_path]))
        os.environ[progress_mod.ENV] = str(tail.path)  # the kernel inherits the environment
        tail.start()
        try:
            executed = pm.execute_notebook(
                nbformat.reads(spec.source(), as_version=4),
                None,  # in memory: the caller writes the executed notebook where it belongs
                parameters=spec.parameters,
                kernel_name="python3",
                language="python",
                progress_bar=progress,
                cwd=cwd if cwd is not None else os.getcwd(),
                execution_timeout=timeout,
                on_cell_start=watch,
            )
        except KeyboardInterrupt:
            # Ctrl-C while the kernel was still starting can leave it running: nothing else would stop it (it
            # is in a session of its own, and its watch on this process starts only once it is up)
            stop_kernels()
            raise
        except Exception as exc:
            raise RunError(_failure_message(spec, exc, watch)) from None
        finally:
            tail.stop()
        # papermill records its input and output; given a notebook in memory, it would record the whole notebook
        executed.metadata.papermill.update(input_path=str(spec.notebook), output_path=f"{spec.name}.ipynb")
        return executed
    finally:
        os.environ.pop(progress_mod.ENV, None)
        if tail.is_alive():
            tail.stop()
        if old_path is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old_path


def executed_record(spec: RunSpec, executed, seconds: float, inputs: dict[str, Any]) -> dict[str, Any]:
    """The JSON record of a run that executed: its metrics, the versions it ran with, its inputs."""
    recorded, key = metrics_mod.collect(executed)
    rec = record(spec, "ok", seconds, metrics=recorded, key_metrics=key, metric_labels=metrics_mod.labels(executed))
    rec |= {"versions": versions(), "html": f"{spec.name}.html", "ipynb": f"{spec.name}.ipynb"}
    return rec | cache_fields(inputs, executed=True)


def publish_run(spec: RunSpec, executed, rec: dict[str, Any], tmp: Path, reports_dir: Path) -> None:
    """Render the page (with the links to other reports its render inputs hold), write the run's
    three files into ``tmp`` (inside ``reports_dir``) and rename them into place together."""
    import nbformat

    name = spec.name
    nbformat.write(executed, tmp / f"{name}.ipynb")
    page_inputs = rec.get("render_inputs") or {}
    page = render_html(executed, spec, rec, "_static", reading=page_inputs.get("reading"),
                       links=page_inputs.get("links"))
    (tmp / f"{name}.html").write_text(page, encoding="utf-8")
    (tmp / f"{name}.json").write_text(json.dumps(rec, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    publish(tmp, name, reports_dir)  # the three files are replaced together or not at all


def run_folder(reports_dir: Path, name: str) -> Path:
    """A run's temporary folder inside ``reports_dir`` (removed by ``clean_stale_tmp`` once this process is gone)."""
    return Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{name[:40]}-pid{os.getpid()}-", dir=reports_dir))


def run(spec: RunSpec, reports_dir: Path, *, progress: bool = False, timeout: float | None = None) -> dict[str, Any]:
    """Execute one validated run and write its three files atomically; return the run's JSON record."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    ensure_mathjax(reports_dir)
    # the inputs as they are when the run starts: a file changed while it runs makes the next invocation run it again
    inputs = spec.inputs or {"execution": execution_inputs(spec), "render": render_inputs(spec, reports_dir)}
    tmp = run_folder(reports_dir, spec.name)
    CURRENT.tmp = tmp
    start = time.perf_counter()
    try:
        executed = execute(spec, tmp, progress=progress, timeout=timeout)
        rec = executed_record(spec, executed, time.perf_counter() - start, inputs)
        publish_run(spec, executed, rec, tmp, reports_dir)
        return rec
    finally:
        CURRENT.tmp = None
        shutil.rmtree(tmp, ignore_errors=True)
