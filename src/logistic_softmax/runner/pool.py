"""Several runs at once: a pool of worker processes, the longest runs first, BLAS threads shared out, and Ctrl-C
that stops every kernel and leaves no temporary file."""

from __future__ import annotations

import concurrent.futures as futures
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RunError
from .execute import run
from .kernels import stop_kernels
from .plan import RunSpec, label
from .records import clean_stale_tmp, display_path, expected_seconds, write_failure
from .render import ensure_mathjax
from .signals import CURRENT, signals_held

__all__ = ["Outcome", "announce", "run_many"]


@dataclass
class Outcome:
    """What became of one run: its JSON record, or the error that stopped it."""

    spec: RunSpec
    record: dict[str, Any] | None
    error: str | None = None
    seconds: float = 0.0
    executed: bool = True  # False for a report kept or rendered again without executing

    @property
    def ok(self) -> bool:
        return self.record is not None


def _run_reporting(spec: RunSpec, reports_dir: Path, progress: bool, timeout: float | None = None) -> Outcome:
    """Run one spec; a notebook that fails becomes an :class:`Outcome` with its error (and a failure record)."""
    start = time.perf_counter()
    try:
        rec = run(spec, reports_dir, progress=progress, timeout=timeout)
    except RunError as exc:
        seconds = time.perf_counter() - start
        write_failure(reports_dir, spec, str(exc), seconds)
        return Outcome(spec, None, str(exc), seconds)
    return Outcome(spec, rec, None, rec["seconds"])


def _worker_told_to_stop(signum, frame) -> None:
    """SIGTERM in a worker process (sent by :func:`run_many` after Ctrl-C): stop the kernel, remove the unfinished
    run's temporary folder and exit at once, wherever the run was (even while its kernel was starting)."""
    stop_kernels()
    if CURRENT.tmp is not None:
        shutil.rmtree(CURRENT.tmp, ignore_errors=True)
    os._exit(128 + signum)


def _init_worker() -> None:
    """In each worker process: Ctrl-C in a terminal reaches every process of the group, so the workers leave it to
    the parent, which stops them with SIGTERM once (see :func:`run_many`)."""
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


def _worker(spec: RunSpec, reports_dir: Path, timeout: float | None) -> Outcome:
    print(f"      {spec.stem}: started ({label(spec)})", flush=True)
    return _run_reporting(spec, reports_dir, progress=False, timeout=timeout)


def announce(outcome: Outcome, done: int, total: int, reports_dir: Path) -> None:
    spec = outcome.spec
    if outcome.ok:
        where = display_path(reports_dir / outcome.record["html"])
        print(f"[{done}/{total}] {spec.stem} ({label(spec)}) done in {outcome.seconds:.1f} s -> {where}", flush=True)
    else:
        print(f"[{done}/{total}] {spec.stem} ({label(spec)}) FAILED after {outcome.seconds:.1f} s", flush=True)
        print(f"error: {outcome.error}", file=sys.stderr, flush=True)


def run_many(specs: list[RunSpec], reports_dir: Path, jobs: int = 1, *, progress: bool = False,
             timeout: float | None = None) -> list[Outcome]:
    """Run every spec and return their outcomes in the order given; a failed run does not stop the others (nor
    one whose cell runs longer than ``timeout`` seconds: it fails).

    With ``jobs > 1`` the runs go to that many worker processes, the longest expected first (see
    :func:`~logistic_softmax.runner.records.expected_seconds`), each an ordinary run whose kernel computes with one
    BLAS thread, as every kernel does (:data:`~logistic_softmax.runner.kernels.BLAS_THREADS`). Ctrl-C stops them
    all: the workers ignore it, and this process tells each to stop (SIGTERM), upon which it stops its kernel and
    removes its unfinished run's temporary folder; then ``KeyboardInterrupt`` reaches the caller.
    """
    reports_dir.mkdir(parents=True, exist_ok=True)
    ensure_mathjax(reports_dir)  # once, before the workers start
    total = len(specs)
    jobs = max(1, min(jobs, total))
    outcomes: dict[int, Outcome] = {}
    if jobs == 1:
        for n, spec in enumerate(specs):
            print(f"[{n + 1}/{total}] {spec.stem} ({label(spec)}) ...", flush=True)
            outcomes[n] = _run_reporting(spec, reports_dir, progress, timeout)
            announce(outcomes[n], n + 1, total, reports_dir)
        return [outcomes[n] for n in range(total)]
    order = sorted(range(total), key=lambda n: -expected_seconds(specs[n], reports_dir))
    print(f"{total} runs on {jobs} worker processes", flush=True)
    import multiprocessing

    pool = futures.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
    )
    try:
        # the workers start here, and a process inherits an ignored signal: none of them is ever hit by Ctrl-C
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            pending = {pool.submit(_worker, specs[n], reports_dir, timeout): n for n in order}
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
            announce(outcomes[n], len(outcomes), total, reports_dir)
    except KeyboardInterrupt:
        with signals_held():  # a second Ctrl-C does not cut the clean-up short
            _stop_workers(pool)
            clean_stale_tmp(reports_dir)
        raise
    pool.shutdown(wait=True)
    return [outcomes[n] for n in range(total)]
