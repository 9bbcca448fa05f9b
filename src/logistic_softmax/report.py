"""The report runner: validate parameters, execute notebooks with papermill, render offline HTML, keep an index.

Command line (the Makefile only calls this)::

    python -m logistic_softmax.report run [--notebook NB] [--set "x=2 b1=3"] [--params-file F] [--jobs J]
    python -m logistic_softmax.report sweep --notebook NB --grid F [--jobs J] [--x PARAM] [--y METRIC]
    python -m logistic_softmax.report params NB
    python -m logistic_softmax.report index [--reports DIR]

Every requested run is validated before any kernel starts. Each run executes into a temporary folder inside the
reports folder and its three files (executed ``.ipynb``, ``.html``, ``.json``) are renamed into place only when
everything succeeded, so a failed or interrupted run never leaves a half report nor replaces a good one. A run
that fails leaves a small ``<name>.failed.json`` (its error) for the index instead; a later success removes it.
Several runs go to a pool of worker processes (``--jobs``, default one per core), longest first.
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import contextlib
import copy
import datetime as dt
import hashlib
import html
import json
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from . import metrics as metrics_mod
from . import progress as progress_mod
from .params import (
    PROJECT_ROOT,
    ParameterError,
    Schema,
    load_params_file,
    parse_assignments,
    read_schema,
)
from .params import notebooks_dir as default_notebooks_dir

__all__ = ["RunSpec", "RunError", "Outcome", "plan_runs", "run", "run_many", "write_index", "main", "PROJECT_ROOT"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
VERSION_PACKAGES = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "papermill", "nbconvert")
TMP_PREFIX = ".tmp-"
FAILED_SUFFIX = ".failed.json"


class RunError(RuntimeError):
    """A notebook failed while running, or its report could not be written."""


@dataclass
class RunSpec:
    """One validated run: which notebook, with which parameters, under which file name."""

    notebook: Path
    schema: Schema
    parameters: dict[str, Any]
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return self.notebook.stem

    @property
    def name(self) -> str:
        return run_name(self.stem, self.overrides)


# -- naming and planning ----------------------------------------------------------------------------------------
def run_name(stem: str, overrides: dict[str, Any]) -> str:
    """File name of a run: the notebook's own name with defaults, else a readable slug plus a hash of the values.

    The hash (of the canonical JSON of the overrides) keeps two different parameter sets from ever sharing a name.
    """
    if not overrides:
        return stem
    canon = json.dumps(overrides, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canon.encode()).hexdigest()[:8]
    parts = []
    for k in sorted(overrides):
        v = json.dumps(overrides[k]) if not isinstance(overrides[k], str) else overrides[k]
        parts.append(f"{k}-{v}")
    slug = re.sub(r"[^A-Za-z0-9.+-]+", "_", "_".join(parts)).strip("_")[:48]
    return f"{stem}--{slug}--{digest}"


def available_notebooks(notebooks_dir: Path) -> list[Path]:
    return sorted(p for p in notebooks_dir.glob("*.ipynb") if not p.name.startswith("."))


def resolve_notebook(name: str, notebooks_dir: Path) -> Path:
    """Find a notebook by name (``01_sigmoid_softmax``), file name or path; a clear error lists the valid ones."""
    candidates = [Path(name), notebooks_dir / name, notebooks_dir / f"{name}.ipynb"]
    for c in candidates:
        if c.suffix == ".ipynb" and c.is_file():
            return c.resolve()
    valid = ", ".join(p.stem for p in available_notebooks(notebooks_dir)) or "(none)"
    raise ParameterError(f"unknown notebook '{name}'; notebooks in {notebooks_dir}: {valid}")


def plan_runs(
    notebook: str | None,
    assignments: str = "",
    params_file: str | None = None,
    notebooks_dir: Path | None = None,
) -> list[RunSpec]:
    """Validate a request and return the runs it asks for; raise :class:`ParameterError` on any bad input."""
    notebooks_dir = Path(notebooks_dir or default_notebooks_dir())
    if notebook is None:
        if assignments.strip() or params_file:
            raise ParameterError("parameters (P=... or PARAMS=...) need a notebook: give NB=<notebook>")
        paths = available_notebooks(notebooks_dir)
        if not paths:
            raise ParameterError(f"no notebooks found in {notebooks_dir}")
    else:
        paths = [resolve_notebook(notebook, notebooks_dir)]
    specs = []
    for path in paths:
        schema = read_schema(path)
        given: dict[str, Any] = {}
        if params_file:
            given.update(load_params_file(params_file, schema))
        given.update(parse_assignments(assignments, schema))
        specs.append(checked_spec(path, schema, given))
    return specs


def checked_spec(path: Path, schema: Schema, given: dict[str, Any]) -> RunSpec:
    """The run of notebook ``path`` with the values ``given``, checked against its schema and against the data
    files they name: a missing file or column stops here, before any kernel starts."""
    from . import datasets  # (pandas: loaded only when needed, so that the command line starts quickly)

    values = schema.validate(given)
    datasets.preflight(values)
    return RunSpec(path, schema, values, schema.overrides_of(values))


# -- execution --------------------------------------------------------------------------------------------------
def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in VERSION_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[pkg] = "not installed"
    return out


def _kernel_dir(tmp: Path) -> Path:
    """A kernelspec named ``python3`` that runs this very interpreter (the venv's), ahead of any user kernelspec."""
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
        "metadata": {"debugger": False},
    }
    (spec / "kernel.json").write_text(json.dumps(kernel))
    return tmp / "jupyter"


class _CellWatch:
    """The cell the kernel was last given (an nbclient hook): it names the cell when the kernel dies, without
    papermill writing the whole executed notebook before and after every cell."""

    def __init__(self) -> None:
        self.index: int | None = None
        self.source = ""

    def __call__(self, cell, cell_index: int, **_) -> None:
        self.index, self.source = cell_index, cell.source


def _failure_message(spec: RunSpec, exc: Exception, executed: Path, watch: _CellWatch) -> str:
    """Name the notebook, the failing cell (numbered as in the source notebook) and the error."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    rel = _display_path(spec.notebook)
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


def _display_path(p: Path) -> str:
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def ensure_mathjax(reports_dir: Path) -> Path:
    """Copy MathJax 2.7 from the ``jupyter-server-mathjax`` wheel into ``reports/_static/mathjax`` (once)."""
    import jupyter_server_mathjax

    target = reports_dir / "_static" / "mathjax"
    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    stamp = target / ".source-version"
    wanted = metadata.version("jupyter-server-mathjax")
    if stamp.is_file() and stamp.read_text() == wanted:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX + "mathjax-", dir=target.parent))
    try:
        shutil.copytree(source, tmp / "mathjax", ignore=shutil.ignore_patterns("localization", "*.md"))
        (tmp / "mathjax" / ".source-version").write_text(wanted)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp / "mathjax", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _params_cell(spec: RunSpec):
    import nbformat

    rows = []
    for p in spec.schema.parameters:
        value = spec.parameters[p.name]
        changed = p.name in spec.overrides
        mark = ' class="changed"' if changed else ""
        note = " (changed)" if changed else ""
        rows.append(
            f"<tr{mark}><td><code>{html.escape(p.name)}</code></td><td>{html.escape(p.type)}</td>"
            f"<td><code>{html.escape(repr(value))}</code>{note}</td><td>{html.escape(p.help)}</td></tr>"
        )
    table = (
        '<table class="params-table"><thead><tr><th>parameter</th><th>type</th><th>value</th><th>meaning</th>'
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
    cell = nbformat.v4.new_markdown_cell("<h3>Parameters of this run</h3>\n\n" + table)
    cell.metadata["tags"] = ["run-parameters"]
    return cell


def render_html(executed, spec: RunSpec, run_info: dict[str, Any], static_url: str) -> str:
    """HTML of an executed notebook: code hidden, parameters table instead of the parameter cells, local MathJax."""
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(executed)
    drop = {"injected-parameters", "parameters", "papermill-error-cell-tag"}
    nb.cells = [c for c in nb.cells if not drop & set(c.metadata.get("tags", []))]
    metrics_mod.strip(nb)
    first_md = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
    nb.cells.insert(first_md + 1, _params_cell(spec))
    exporter = HTMLExporter(
        template_name="report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.mathjax_url = f"{static_url}/mathjax/MathJax.js?config={MATHJAX_CONFIG}"
    body, _ = exporter.from_notebook_node(nb, resources={"run": run_info})
    return body


def clean_stale_tmp(reports_dir: Path) -> None:
    """Remove temporary folders left by runs whose process no longer exists (e.g. killed with SIGKILL)."""
    for d in reports_dir.glob(TMP_PREFIX + "*"):
        m = re.search(r"-pid(\d+)-", d.name)
        if m and _pid_alive(int(m.group(1))):
            continue
        shutil.rmtree(d, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    return True


class _ProgressTail(threading.Thread):
    """Print the lines a running notebook writes to its progress file (see :mod:`logistic_softmax.progress`)."""

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
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{name[:40]}-pid{os.getpid()}-", dir=reports_dir))
    _RUNNING.tmp = tmp
    start = time.perf_counter()
    old_path = os.environ.get("JUPYTER_PATH")
    tail = _ProgressTail(tmp / "progress.log", spec.stem)
    watch = _CellWatch()
    try:
        executed_path = tmp / f"{name}.ipynb"
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(_kernel_dir(tmp)), old_path]))
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
        record = _record(spec, "ok", time.perf_counter() - start, metrics=recorded, key_metrics=key)
        record |= {"versions": versions(), "html": f"{name}.html", "ipynb": f"{name}.ipynb"}
        page = render_html(executed, spec, record, "_static")
        (tmp / f"{name}.html").write_text(page, encoding="utf-8")
        (tmp / f"{name}.json").write_text(json.dumps(record, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        with signals_held():  # the three files are replaced together or not at all
            for suffix in (".ipynb", ".html", ".json"):  # the JSON last: the index lists a run once its JSON exists
                os.replace(tmp / f"{name}{suffix}", reports_dir / f"{name}{suffix}")
            (reports_dir / f"{name}{FAILED_SUFFIX}").unlink(missing_ok=True)
        return record
    finally:
        _RUNNING.tmp = None
        os.environ.pop(progress_mod.ENV, None)
        if tail.is_alive():
            tail.stop()
        if old_path is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old_path
        shutil.rmtree(tmp, ignore_errors=True)


# -- interrupts -------------------------------------------------------------------------------------------------
class _Running:
    """The temporary folder of the run in progress in this process (for a worker told to stop)."""

    tmp: Path | None = None


_RUNNING = _Running()


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


@contextlib.contextmanager
def signals_held():
    """Hold Ctrl-C (SIGINT) and SIGTERM for the duration of the block; one that arrived is acted on right after."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread receives signals
        yield
        return
    received: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: received.append(signum)) for s in _STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if received:
            signal.raise_signal(received[0])


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _worker_told_to_stop(signum, frame) -> None:
    """SIGTERM in a worker process (sent by :func:`run_many` after Ctrl-C): stop the kernel, remove the unfinished
    run's temporary folder and exit at once, wherever the run was (even while its kernel was starting)."""
    stop_kernels()
    if _RUNNING.tmp is not None:
        shutil.rmtree(_RUNNING.tmp, ignore_errors=True)
    os._exit(128 + signum)


# -- several runs -----------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    """What became of one run: its JSON record, or the error that stopped it."""

    spec: RunSpec
    record: dict[str, Any] | None
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.record is not None


def _atomic_write(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX + target.stem[:40] + "-", suffix=target.suffix, dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


def _record(spec: RunSpec, status: str, seconds: float, **fields: Any) -> dict[str, Any]:
    """The JSON record of a run (what the index and the sweep pages read): which run, its outcome, when."""
    return {
        "notebook": spec.stem,
        "name": spec.name,
        "status": status,
        **fields,
        "parameters": metrics_mod.to_jsonable(spec.parameters),
        "overrides": metrics_mod.to_jsonable(spec.overrides),
        "seconds": round(seconds, 2),
        "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def write_failure(reports_dir: Path, spec: RunSpec, error: str, seconds: float) -> dict[str, Any]:
    """Record a failed run as ``<name>.failed.json`` (a report of the same name, if any, is left as it was)."""
    rec = _record(spec, "failed", seconds, error=error)
    rec["html"] = f"{spec.name}.html" if (reports_dir / f"{spec.name}.html").exists() else None
    _atomic_write(reports_dir / f"{spec.name}{FAILED_SUFFIX}", json.dumps(rec, indent=2) + "\n")
    return rec


def expected_seconds(spec: RunSpec, reports_dir: Path) -> float:
    """How long a run is likely to take: its last time, else the notebook's last time with any values, else the
    ``typical_seconds`` in the notebook's metadata (the time with defaults on a two-core machine), else 0."""
    for path in (reports_dir / f"{spec.name}.json", reports_dir / f"{spec.stem}.json"):
        try:
            return float(json.loads(path.read_text(encoding="utf-8"))["seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    try:
        meta = json.loads(spec.notebook.read_text(encoding="utf-8"))["metadata"]
        return float(meta.get("logistic_softmax", {}).get("typical_seconds", 0.0))
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def _label(spec: RunSpec) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in spec.overrides.items()) or "defaults"


def _run_reporting(spec: RunSpec, reports_dir: Path, progress: bool) -> Outcome:
    """Run one spec; a notebook that fails becomes an :class:`Outcome` with its error (and a failure record)."""
    start = time.perf_counter()
    try:
        rec = run(spec, reports_dir, progress=progress)
    except RunError as exc:
        seconds = time.perf_counter() - start
        write_failure(reports_dir, spec, str(exc), seconds)
        return Outcome(spec, None, str(exc), seconds)
    return Outcome(spec, rec, None, rec["seconds"])


#: the environment variables that set the number of BLAS / OpenMP threads of a kernel
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _init_worker(blas_threads: int) -> None:
    """In each worker process: its kernels use ``blas_threads`` BLAS threads, so that parallel runs do not put more
    busy threads than cores on the machine (BLAS threads that wait for a descheduled sibling are slower than one
    thread; the results are the same with any number of threads)."""
    for name in BLAS_THREAD_VARIABLES:
        os.environ[name] = str(blas_threads)
    # Ctrl-C in a terminal reaches every process of the group: the workers leave it to the parent, which stops
    # them with SIGTERM once (see run_many)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_told_to_stop)


def _stop_workers(pool: futures.ProcessPoolExecutor, grace: float = 30.0) -> None:
    """Stop the pool's workers: each stops its kernel and removes its temporary folder (SIGTERM), and one that
    has not exited after ``grace`` seconds is killed."""
    import multiprocessing

    workers = multiprocessing.active_children()
    for w in workers:
        w.terminate()
    deadline = time.monotonic() + grace
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
        if w.is_alive():
            w.kill()
            w.join()
    pool.shutdown(wait=True, cancel_futures=True)


def _worker(spec: RunSpec, reports_dir: Path) -> Outcome:
    print(f"      {spec.stem}: started ({_label(spec)})", flush=True)
    return _run_reporting(spec, reports_dir, progress=False)


def _announce(outcome: Outcome, done: int, total: int, reports_dir: Path) -> None:
    spec = outcome.spec
    if outcome.ok:
        where = _display_path(reports_dir / outcome.record["html"])
        print(f"[{done}/{total}] {spec.stem} ({_label(spec)}) done in {outcome.seconds:.1f} s -> {where}", flush=True)
    else:
        print(f"[{done}/{total}] {spec.stem} ({_label(spec)}) FAILED after {outcome.seconds:.1f} s", flush=True)
        print(f"error: {outcome.error}", file=sys.stderr, flush=True)


def run_many(specs: list[RunSpec], reports_dir: Path, jobs: int = 1, *, progress: bool = False) -> list[Outcome]:
    """Run every spec and return their outcomes in the order given; a failed run does not stop the others.

    With ``jobs > 1`` the runs go to that many worker processes, the longest expected first (see
    :func:`expected_seconds`), each an ordinary :func:`run` whose kernel gets ``cores // jobs`` BLAS threads.
    Ctrl-C stops them all: the workers ignore it, and this process tells each to stop (SIGTERM), upon which it
    stops its kernel and removes its unfinished run's temporary folder; then ``KeyboardInterrupt`` reaches the
    caller.
    """
    reports_dir.mkdir(parents=True, exist_ok=True)
    ensure_mathjax(reports_dir)  # once, before the workers start
    total = len(specs)
    jobs = max(1, min(jobs, total))
    outcomes: dict[int, Outcome] = {}
    if jobs == 1:
        for n, spec in enumerate(specs):
            print(f"[{n + 1}/{total}] {spec.stem} ({_label(spec)}) ...", flush=True)
            outcomes[n] = _run_reporting(spec, reports_dir, progress)
            _announce(outcomes[n], n + 1, total, reports_dir)
        return [outcomes[n] for n in range(total)]
    order = sorted(range(total), key=lambda n: -expected_seconds(specs[n], reports_dir))
    threads = max(1, (os.cpu_count() or 1) // jobs)
    print(f"{total} runs on {jobs} worker processes ({threads} BLAS thread{'s' * (threads > 1)} each)", flush=True)
    import multiprocessing

    pool = futures.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(threads,),
    )
    try:
        # the workers start here, and a process inherits an ignored signal: none of them is ever hit by Ctrl-C
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            pending = {pool.submit(_worker, specs[n], reports_dir): n for n in order}
        finally:
            signal.signal(signal.SIGINT, previous)
        for fut in futures.as_completed(pending):
            n = pending[fut]
            try:
                outcomes[n] = fut.result()
            except futures.process.BrokenProcessPool as exc:
                error = f"notebook {specs[n].stem}: its worker process died ({exc})"
                write_failure(reports_dir, specs[n], error, 0.0)
                outcomes[n] = Outcome(specs[n], None, error)
            _announce(outcomes[n], len(outcomes), total, reports_dir)
    except KeyboardInterrupt:
        with signals_held():  # a second Ctrl-C does not cut the clean-up short
            _stop_workers(pool)
            clean_stale_tmp(reports_dir)
        raise
    pool.shutdown(wait=True)
    return [outcomes[n] for n in range(total)]


# -- index ------------------------------------------------------------------------------------------------------
def load_runs(reports_dir: Path) -> list[dict[str, Any]]:
    runs = []
    for p in sorted(reports_dir.glob("*.json")):
        try:
            rec = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(rec, dict) and {"notebook", "name", "parameters", "status"} <= rec.keys():
            runs.append(rec)
    runs.sort(key=lambda r: (r["notebook"], bool(r.get("overrides")), r.get("finished", "")))
    return runs


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list) and len(v) <= 6 and all(isinstance(x, (int, float)) for x in v):
        return "[" + ", ".join(_fmt_value(x) for x in v) + "]"
    text = json.dumps(v)
    return text if len(text) <= 60 else text[:57] + "..."


_INDEX_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;
color:#1d2430;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} p.lead{color:#4a5568;margin-top:0}
table{border-collapse:collapse;width:100%;font-size:.92rem} th,td{border-bottom:1px solid #e2e8f0;padding:.45rem .6rem;
text-align:left;vertical-align:top} th{background:#f7fafc;font-weight:600}
code{font-size:.88em;background:#f1f5f9;padding:0 .2em;border-radius:3px}
.ok{color:#137333;font-weight:600} .failed{color:#b3261e;font-weight:600} .muted{color:#718096}
td.metrics div{white-space:nowrap} pre{white-space:pre-wrap;font-size:.82rem}
"""


def _index_row(r: dict[str, Any]) -> str:
    ov = r.get("overrides") or {}
    params = (
        "<br>".join(f"<code>{html.escape(k)}={html.escape(_fmt_value(v))}</code>" for k, v in ov.items())
        if ov
        else '<span class="muted">defaults</span>'
    )
    status = r.get("status", "ok")
    when = f'<span class="muted">{html.escape(r.get("finished", "")[:16].replace("T", " "))}</span>'
    if status == "ok":
        mets = "".join(
            f"<div><code>{html.escape(k)}</code> = {html.escape(_fmt_value(r['metrics'][k]))}</div>"
            for k in r.get("key_metrics") or []
            if k in r.get("metrics", {})
        )
        files = (
            f'<a href="{html.escape(r["html"])}">report</a> · <a href="{html.escape(r.get("ipynb", ""))}">notebook</a>'
            f' · <a href="{html.escape(r["name"])}.json">metrics</a>'
        )
        first = f'<a href="{html.escape(r["html"])}">{html.escape(r["notebook"])}</a>'
    else:
        error = html.escape(r.get("error", ""))
        mets = f"<details><summary>{html.escape(_first_line(r.get('error', '')))}</summary><pre>{error}</pre></details>"
        earlier = r.get("html")
        files = f'<a href="{html.escape(earlier)}">earlier report</a>' if earlier else '<span class="muted">none</span>'
        first = html.escape(r["notebook"])
    return (
        f'<tr><td>{first}</td><td>{params}</td><td class="metrics">{mets}</td>'
        f'<td class="{html.escape(status)}">{html.escape(status)}</td><td>{r.get("seconds", 0):.1f} s<br>{when}</td>'
        f"<td>{files}</td></tr>"
    )


def write_index(reports_dir: Path) -> Path:
    """Write ``reports/index.html``: one row per run (notebook, parameters, key metrics or error, status, time,
    links), failed runs included, and the sweeps' comparison pages."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    body = "\n".join(_index_row(r) for r in load_runs(reports_dir))
    body = body or '<tr><td colspan="6" class="muted">No runs yet: run <code>make report</code>.</td></tr>'
    sweeps = sorted(reports_dir.glob("sweep-*.html"))
    sweep_list = ""
    if sweeps:
        items = "".join(f'<li><a href="{html.escape(p.name)}">{html.escape(p.stem)}</a></li>' for p in sweeps)
        sweep_list = f"<h2>Sweeps</h2><ul>{items}</ul>"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Logistic regression is two-class softmax regression: reports</title><style>{_INDEX_CSS}</style></head>
<body><h1>Logistic regression is two-class softmax regression</h1>
<p class="lead">Every report derives a claim, checks it in code on real fits and shows the numbers. One row per run;
rerun with your own values, e.g. <code>make report NB=01_sigmoid_softmax P='x=2 b1=3 b2=-1'</code>.</p>
<table><thead><tr><th>notebook</th><th>parameters</th><th>key metrics</th><th>status</th><th>time</th>
<th>files</th></tr></thead>
<tbody>
{body}
</tbody></table>{sweep_list}</body></html>
"""
    target = reports_dir / "index.html"
    _atomic_write(target, page)
    return target


# -- command line -----------------------------------------------------------------------------------------------
def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of worker processes >= 1, got {text!r}")
    return n


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors, like every other bad input (``error: ...``, exit code 2)."""

    def error(self, message: str):
        print(f"error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="python -m logistic_softmax.report", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    cores = os.cpu_count() or 1
    r = sub.add_parser("run", help="execute notebooks and render their reports")
    r.add_argument("--notebook", "-n", help="one notebook (default: all in notebooks/)")
    r.add_argument("--set", dest="assignments", default="", help='parameter values, e.g. "x=2 b1=3"')
    r.add_argument("--params-file", help="YAML mapping of parameter values")
    r.add_argument("--jobs", "-j", type=_jobs, default=cores, help=f"worker processes (default: {cores}, the cores)")
    r.add_argument("--reports", default=str(PROJECT_ROOT / "reports"), help="output folder (default: reports/)")
    r.add_argument("--notebooks", default=str(default_notebooks_dir()), help=argparse.SUPPRESS)
    w = sub.add_parser("sweep", help="run every combination of a grid file's values and write a comparison page")
    w.add_argument("--notebook", "-n", required=True)
    w.add_argument("--grid", required=True, help="YAML mapping of parameter name to a list of values")
    w.add_argument("--jobs", "-j", type=_jobs, default=cores, help=f"worker processes (default: {cores})")
    w.add_argument("--x", help="the page's figure: this swept parameter on the horizontal axis")
    w.add_argument("--y", help="the page's figure: this metric on the vertical axis")
    w.add_argument("--plan", action="store_true", help="only print one command per run (for another scheduler)")
    w.add_argument("--page-only", action="store_true", help="only (re)build the page from the runs' records")
    w.add_argument("--reports", default=str(PROJECT_ROOT / "reports"))
    w.add_argument("--notebooks", default=str(default_notebooks_dir()), help=argparse.SUPPRESS)
    p = sub.add_parser("params", help="list a notebook's parameters with type, default, range and help")
    p.add_argument("notebook")
    p.add_argument("--notebooks", default=str(default_notebooks_dir()), help=argparse.SUPPRESS)
    i = sub.add_parser("index", help="rewrite reports/index.html from the runs' JSON files")
    i.add_argument("--reports", default=str(PROJECT_ROOT / "reports"))
    return ap


def _run_command(spec: RunSpec, reports_dir: Path) -> str:
    import shlex

    values = " ".join(f"{k}={_cli_value(v)}" for k, v in spec.overrides.items())
    cmd = [sys.executable, "-m", "logistic_softmax.report", "run", "--notebook", spec.stem, "--jobs", "1"]
    return shlex.join(cmd + (["--set", values] if values else []) + ["--reports", str(reports_dir)])


def _cli_value(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ",".join(_cli_value(x) for x in v) + "]"
    return str(v)


def _sweep(args) -> int:
    from . import sweep

    notebook = resolve_notebook(args.notebook, Path(args.notebooks))
    grid, specs = sweep.plan(notebook, args.grid)
    if args.x is not None and args.x not in grid:
        raise ParameterError(f"--x: expected one of the swept parameters {', '.join(grid)}, got {args.x!r}")
    reports_dir = Path(args.reports)
    if args.plan:
        for spec in specs:
            print(_run_command(spec, reports_dir))
        return 0
    reports_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    if not args.page_only:
        print(f"sweep of {notebook.stem}: {len(specs)} runs from {args.grid}", flush=True)
        outcomes = _run_and_index(specs, reports_dir, args.jobs, progress=False)
        if outcomes is None:
            return 130
        failed = sum(not o.ok for o in outcomes)
    try:
        page = sweep.write_page(reports_dir, notebook, args.grid, grid, specs, x=args.x, y=args.y)
    except ParameterError as exc:  # --y names no recorded metric: known only now, so the page takes the default
        print(f"warning: {exc}; the figure shows the default metric instead", file=sys.stderr)
        page = sweep.write_page(reports_dir, notebook, args.grid, grid, specs, x=args.x)
    write_index(reports_dir)
    print(f"comparison page: {_display_path(page)}" + (f" ({failed} of {len(specs)} runs failed)" if failed else ""))
    return 1 if failed else 0


def _run_and_index(specs: list[RunSpec], reports_dir: Path, jobs: int, progress: bool) -> list[Outcome] | None:
    """:func:`run_many`, then the index rewritten (also after Ctrl-C, which gives ``None`` and a message)."""
    clean_stale_tmp(reports_dir)
    try:
        return run_many(specs, reports_dir, jobs, progress=progress)
    except KeyboardInterrupt:
        print("\ninterrupted: the reports written before are intact; the unfinished runs left nothing", file=sys.stderr)
        return None
    finally:
        write_index(reports_dir)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # while checking the parameters: no run had started
        print("\ninterrupted", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed its message
        return int(exc.code or 0) if exc.code in (0, None) else 2
    try:
        if args.command == "params":
            path = resolve_notebook(args.notebook, Path(args.notebooks))
            schema = read_schema(path)
            print(f"{schema.notebook}: override with P='name=value ...' or PARAMS=file.yaml\n")
            print(schema.table())
            return 0
        if args.command == "index":
            print(write_index(Path(args.reports)))
            return 0
        if args.command == "sweep":
            return _sweep(args)
        specs = plan_runs(args.notebook, args.assignments, args.params_file, Path(args.notebooks))
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reports_dir = Path(args.reports)
    reports_dir.mkdir(parents=True, exist_ok=True)
    outcomes = _run_and_index(specs, reports_dir, args.jobs, progress=sys.stderr.isatty())
    if outcomes is None:
        return 130
    failed = sum(not o.ok for o in outcomes)
    if len(outcomes) > 1:
        total = sum(o.seconds for o in outcomes)
        print(f"{len(outcomes) - failed} of {len(outcomes)} runs ok ({total:.1f} s of notebook time)")
    print(f"index: {_display_path(reports_dir / 'index.html')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
