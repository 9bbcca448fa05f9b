"""A sweep's runs as tasks on a Dask cluster: ``make sweep NB=... GRID=... SCHEDULER=tcp://host:8786`` (an existing
scheduler) or ``SCHEDULER=local`` (a ``LocalCluster`` of ``JOBS`` worker processes on this machine).

Each run that must execute (:mod:`~logistic_softmax.runner.cache` decides, here as for local runs) is one task. A
worker executes the notebook with papermill in memory (:func:`~logistic_softmax.runner.execute.execute`; the
notebook's text travels with the task) and returns the executed notebook and its record; this process renders the
page and renames the three files into ``reports/`` as a local run does, so the workers need no shared filesystem:
only the project installed, and a run's data files (a CSV, ``mnist_dir``) at the same paths. A run that fails is a
failed row and the others complete; a worker lost mid-run is retried by Dask on another (up to its
``distributed.scheduler.allowed-failures``); a cell that runs past ``--timeout`` stops its run. Ctrl-C cancels the
tasks, stops the kernels they had started on the workers, and publishes nothing more.

A worker process executes one run at a time (papermill sets the process's working directory and environment while
it runs), so workers are best started with one thread each (``dask worker --nthreads 1 --nworkers N``).

Nothing here imports Dask until a sweep is given a scheduler.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from ..errors import InputError, RunError
from .cache import describe_changes, execution_inputs
from .execute import execute, executed_record, publish_run, run_folder
from .kernels import stop_kernels
from .plan import RunSpec, label
from .pool import Outcome, announce
from .records import clean_stale_tmp, expected_seconds, write_failure
from .render import ensure_mathjax
from .signals import CURRENT, signals_held

__all__ = ["ADDRESS", "CONNECT_SECONDS", "check_address", "connect", "close", "run_on_cluster", "execute_on_worker"]

#: ``local``, or a scheduler address: ``tcp://host:8786`` (also ``tls://``, ``ws://``, ``wss://``; IPv6 in brackets)
ADDRESS = re.compile(r"(tcp|tls|ws|wss)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})")
#: how long a scheduler has to answer before the sweep gives up (before any run starts)
CONNECT_SECONDS = 10.0
#: the folder, in a worker's temporary directory, of the runs it executes
WORKER_TMP = "logistic-softmax-runs"


def check_address(text: str) -> str:
    """``text`` if it is ``local`` or a scheduler address (see :data:`ADDRESS`), else a one-line error."""
    m = ADDRESS.fullmatch(text.strip())
    if text.strip() == "local" or (m and 0 < int(m.group(3)) < 65536):
        return text.strip()
    raise ValueError(f"expected 'local' or a Dask scheduler address such as tcp://host:8786, got {text!r}")


def connect(address: str, jobs: int):
    """A Dask client: of a new ``LocalCluster`` of ``jobs`` worker processes on loopback (``local``), or of the
    scheduler at ``address``; one that does not answer within :data:`CONNECT_SECONDS` is bad input."""
    import logging

    from distributed import Client, LocalCluster

    if address == "local":
        # the cluster's processes start with Ctrl-C ignored (as the local pool's workers): this process stops them
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
        try:
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        return Client(cluster)
    try:
        return Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"--scheduler {address}: no Dask scheduler answered there within {CONNECT_SECONDS:g} s "
                         f"({first})") from None


def close(client) -> None:
    """Close the client, and its cluster when this process started it (``local``)."""
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


# -- on a worker ---------------------------------------------------------------------------------------------------

_ONE_RUN = threading.Lock()  # one run at a time in a worker process
_STOPPED: set[str] = set()  # sweeps told to stop (Ctrl-C), in this worker process
_RUNNING: list[str] = []  # the sweep of the run in progress in this worker process


def execute_on_worker(spec: RunSpec, timeout: float | None, cwd: str, sweep: str) -> dict[str, Any]:
    """(On a worker.) Execute one run; return ``{"notebook": its JSON text, "record": ...}`` or ``{"error": ...}``.

    The run's execution inputs are those of this worker (its package files, data files, versions and Python), so its
    record says what it ran with; the page's inputs (``render``) are this machine's, where the page is made."""
    import nbformat

    with _ONE_RUN:
        if sweep in _STOPPED:
            return {"error": "the sweep was interrupted"}
        root = Path(tempfile.gettempdir()) / WORKER_TMP
        root.mkdir(exist_ok=True)
        clean_stale_tmp(root)  # runs of worker processes that were killed
        tmp = run_folder(root, spec.name)
        _RUNNING[:] = [sweep]
        CURRENT.tmp = tmp
        here = cwd if Path(cwd).is_dir() else os.getcwd()  # the submitting machine's folder, where it exists here
        start = time.perf_counter()
        try:
            copy = tmp / f"{spec.stem}.ipynb"
            copy.write_text(spec.source(), encoding="utf-8")
            with contextlib.chdir(here):  # relative data paths, as the kernel will read them
                inputs = {"execution": execution_inputs(dataclasses.replace(spec, notebook=copy)),
                          "render": spec.inputs.get("render", {})}
            executed = execute(spec, tmp, timeout=timeout, cwd=here, echo_progress=False)
            rec = executed_record(spec, executed, time.perf_counter() - start, inputs)  # this worker's versions
            return {"notebook": nbformat.writes(executed), "record": rec}
        except RunError as exc:
            return {"error": str(exc), "seconds": time.perf_counter() - start}
        finally:
            _RUNNING.clear()
            CURRENT.tmp = None
            shutil.rmtree(tmp, ignore_errors=True)


def _stop_sweep(sweep: str) -> None:
    """(On each worker, after Ctrl-C.) Stop the kernel of this sweep's run in progress here; skip its queued runs."""
    _STOPPED.add(sweep)
    if _RUNNING == [sweep]:
        stop_kernels()


# -- on this machine -----------------------------------------------------------------------------------------------

def _outcome(spec: RunSpec, result: dict[str, Any], reports_dir: Path) -> Outcome:
    """Publish what a worker returned (the page rendered here), or record its failure."""
    import nbformat

    if "error" in result:
        seconds = result.get("seconds", 0.0)
        write_failure(reports_dir, spec, result["error"], seconds)
        return Outcome(spec, None, result["error"], seconds)
    rec = result["record"]
    changes = describe_changes(spec.inputs.get("execution"), rec["cache_inputs"])
    if changes:
        print(f"warning: {spec.stem} ({label(spec)}) ran where its inputs differ from this machine's: "
              f"{'; '.join(changes[:4])}; its record keeps the worker's, so a run here would execute it again",
              flush=True)
    tmp = run_folder(reports_dir, spec.name)
    try:
        publish_run(spec, nbformat.reads(result["notebook"], as_version=4), rec, tmp, reports_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Outcome(spec, rec, None, rec["seconds"])


def run_on_cluster(client, specs: list[RunSpec], reports_dir: Path, *, timeout: float | None = None) -> list[Outcome]:
    """Run every spec as a task of the cluster behind ``client``, the longest expected first; return their
    outcomes in the order given. Ctrl-C cancels the tasks and stops their kernels, then reaches the caller."""
    from distributed import as_completed

    reports_dir.mkdir(parents=True, exist_ok=True)
    ensure_mathjax(reports_dir)
    sweep, cwd, total = uuid.uuid4().hex, os.getcwd(), len(specs)
    workers = len(client.scheduler_info(n_workers=-1).get("workers", {}))
    print(f"{total} runs on the Dask cluster at {client.scheduler.address} ({workers} workers)", flush=True)
    pending = {}
    for n, spec in enumerate(specs):
        shipped = dataclasses.replace(spec, text=spec.source())  # the worker needs no notebooks/ folder
        fut = client.submit(execute_on_worker, shipped, timeout, cwd, sweep, key=f"{spec.name}-{sweep}",
                            pure=False, priority=int(expected_seconds(spec, reports_dir)))
        pending[fut] = n
    outcomes: dict[int, Outcome] = {}
    try:
        for fut in as_completed(list(pending)):
            n = pending[fut]
            try:
                result = fut.result()
            except Exception as exc:  # e.g. KilledWorker: its workers died more often than the cluster allows
                result = {"error": f"notebook {specs[n].stem}: its task failed on the cluster "
                                   f"({type(exc).__name__}: {exc})"}
            outcomes[n] = _outcome(specs[n], result, reports_dir)
            announce(outcomes[n], len(outcomes), total, reports_dir)
    except KeyboardInterrupt:
        with signals_held():  # a second Ctrl-C does not cut the clean-up short
            client.cancel(list(pending), force=True)
            with contextlib.suppress(Exception):
                client.run(_stop_sweep, sweep)
            clean_stale_tmp(reports_dir)
        raise
    return [outcomes[n] for n in range(total)]
