"""The command line (the Makefile only calls this)::

    python -m logistic_softmax.report run [--notebook NB] [--set "x=2 b1=3"] [--params-file F] [--jobs J] [--force]
                                          [--timeout S]
    python -m logistic_softmax.report sweep --notebook NB --grid F [--jobs J] [--x PARAM] [--y METRIC] [--force]
                                            [--timeout S] [--scheduler local|tcp://host:8786]
    python -m logistic_softmax.report params NB
    python -m logistic_softmax.report index [--reports DIR]
    python -m logistic_softmax.report lab [JUPYTERLAB OPTIONS...]

Every requested run is validated before any kernel starts (bad input: one line ``error: ...``, exit code 2). Each
run executes into a temporary folder inside the reports folder and its three files (executed ``.ipynb``, ``.html``,
``.json``) are renamed into place only when everything succeeded, so a failed or interrupted run never leaves a half
report nor replaces a good one. A run that fails leaves a small ``<name>.failed.json`` (its error) for the index
instead; a later success removes it. Several runs go to a pool of worker processes (``--jobs``, default one per
core), longest first. A run none of whose inputs changed since its report was made is not executed again
(:mod:`~logistic_softmax.runner.cache`): its report is kept, or only its page is rendered again; ``--force``
executes every run. ``--timeout`` stops a run whose cell runs longer (papermill's execution timeout). A sweep with
``--scheduler`` runs on a Dask cluster instead of the local pool (:mod:`~logistic_softmax.runner.cluster`).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from ..errors import InputError, ParameterError
from ..notebook.params import read_schema
from ..paths import notebooks_dir, reports_dir
from . import cache, reuse
from .execute import share_verified_files
from .index import write_index
from .inputs import format_value
from .plan import RunSpec, label, plan_runs, resolve_notebook
from .pool import Outcome, run_many
from .records import clean_stale_tmp, display_path
from .signals import signals_held

__all__ = ["main"]

PROG = "python -m logistic_softmax.report"


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of worker processes >= 1, got {text!r}")
    return n


def _timeout(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds (the longest a cell may run), "
                                         f"got {text!r}")
    return seconds


def _scheduler(text: str) -> str:
    from .cluster import check_address  # (imports no Dask)

    try:
        return check_address(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors, like every other bad input (``error: ...``, exit code 2)."""

    def error(self, message: str):
        print(f"error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(prog=PROG, description="The report runner: validate parameters, execute notebooks, render HTML.")
    sub = ap.add_subparsers(dest="command", required=True)
    cores = os.cpu_count() or 1
    r = sub.add_parser("run", help="execute notebooks and render their reports")
    r.add_argument("--notebook", "-n", help="one notebook (default: all in notebooks/)")
    r.add_argument("--set", dest="assignments", default="", help='parameter values, e.g. "x=2 b1=3"')
    r.add_argument("--params-file", help="YAML mapping of parameter values")
    r.add_argument("--jobs", "-j", type=_jobs, default=cores, help=f"worker processes (default: {cores}, the cores)")
    r.add_argument("--reports", default=None, help="output folder (default: reports/)")
    r.add_argument("--force", action="store_true", help="execute every run, even one whose inputs did not change")
    r.add_argument("--timeout", type=_timeout, help="stop a run whose cell runs longer than this many seconds")
    r.add_argument("--notebooks", default=None, help=argparse.SUPPRESS)
    w = sub.add_parser("sweep", help="run every combination of a grid file's values and write a comparison page")
    w.add_argument("--notebook", "-n", required=True)
    w.add_argument("--grid", required=True, help="YAML mapping of parameter name to a list of values")
    w.add_argument("--jobs", "-j", type=_jobs, default=cores, help=f"worker processes (default: {cores})")
    w.add_argument("--x", help="the page's figure: this swept parameter on the horizontal axis")
    w.add_argument("--y", help="the page's figure: this metric on the vertical axis")
    w.add_argument("--plan", action="store_true", help="only print one command per run (for another scheduler)")
    w.add_argument("--page-only", action="store_true", help="only (re)build the page from the runs' records")
    w.add_argument("--force", action="store_true", help="execute every run, even one whose inputs did not change")
    w.add_argument("--timeout", type=_timeout, help="stop a run whose cell runs longer than this many seconds")
    w.add_argument("--scheduler", type=_scheduler,
                   help="run on a Dask cluster: a scheduler address such as tcp://host:8786, or 'local' for a "
                        "LocalCluster of --jobs worker processes on this machine")
    w.add_argument("--reports", default=None)
    w.add_argument("--notebooks", default=None, help=argparse.SUPPRESS)
    p = sub.add_parser("params", help="list a notebook's parameters with type, default, range and help")
    p.add_argument("notebook")
    p.add_argument("--notebooks", default=None, help=argparse.SUPPRESS)
    i = sub.add_parser("index", help="rewrite reports/index.html from the runs' JSON files")
    i.add_argument("--reports", default=None)
    sub.add_parser("lab", help="register the project's Jupyter kernel and start JupyterLab on notebooks/ (any "
                               "further options go to JupyterLab)")
    return ap


def _run_command(spec: RunSpec, reports: Path) -> str:
    """The command that makes one run of a sweep, with its values as they would be typed."""
    values = " ".join(f"{k}={format_value(v)}" for k, v in spec.overrides.items())
    cmd = [sys.executable, "-m", "logistic_softmax.report", "run", "--notebook", spec.stem, "--jobs", "1"]
    return shlex.join(cmd + (["--set", values] if values else []) + ["--reports", str(reports)])


def _reuse(specs: list[RunSpec], reports: Path, force: bool) -> tuple[dict[int, Outcome], list[int]]:
    """Decide for every run whether it executes (:func:`~logistic_softmax.runner.cache.decide`); keep or render
    again those that need no kernel, and say so. Returns their outcomes and the indices of the runs to execute."""
    done: dict[int, Outcome] = {}
    to_run = []
    coming = {spec.stem for spec in specs if not spec.overrides}  # default reports this invocation writes
    for i, spec in enumerate(specs):
        decision = cache.decide(spec, reports, force=force, coming=coming)
        spec.inputs = decision.inputs
        page = display_path(reports / f"{spec.name}.html")
        if decision.action == cache.RENDER:
            try:
                rec = reuse.render_again(spec, decision, reports)
            except Exception as exc:  # e.g. a stored notebook edited by hand: execute instead
                decision = cache.Decision(cache.EXECUTE, [f"the stored executed notebook cannot be reused ({exc})"])
            else:
                print(f"      {spec.stem} ({label(spec)}): rendered again without executing "
                      f"({'; '.join(decision.reasons)}) -> {page}", flush=True)
                done[i] = Outcome(spec, rec, None, 0.0, executed=False)
                continue
        if decision.action == cache.KEEP:
            rec = reuse.keep(spec, decision, reports)
            print(f"      {spec.stem} ({label(spec)}): nothing it depends on changed since its run of "
                  f"{rec.get('finished', '?')[:16].replace('T', ' ')}; report kept -> {page}", flush=True)
            done[i] = Outcome(spec, rec, None, 0.0, executed=False)
            continue
        print(f"      {spec.stem} ({label(spec)}): to execute: {'; '.join(decision.reasons[:4])}"
              + (f" (and {len(decision.reasons) - 4} more)" if len(decision.reasons) > 4 else ""), flush=True)
        to_run.append(i)
    return done, to_run


def _run_and_index(specs: list[RunSpec], reports: Path, jobs: int, progress: bool, force: bool = False,
                   timeout: float | None = None, client=None, notebooks: Path | None = None) -> list[Outcome] | None:
    """The runs that need it executed (:func:`run_many`, or on the Dask cluster of ``client``), the others kept or
    rendered again, then the index rewritten (also after Ctrl-C, which gives ``None`` and a message)."""
    clean_stale_tmp(reports)
    share_verified_files()
    try:
        outcomes, to_run = _reuse(specs, reports, force)
        if to_run and client is not None:
            from .cluster import run_on_cluster

            ran = run_on_cluster(client, [specs[i] for i in to_run], reports, timeout=timeout)
            outcomes.update(zip(to_run, ran, strict=True))
        elif to_run:
            ran = run_many([specs[i] for i in to_run], reports, jobs, progress=progress, timeout=timeout)
            outcomes.update(zip(to_run, ran, strict=True))
        return [outcomes[i] for i in range(len(specs))]
    except KeyboardInterrupt:
        print("\ninterrupted: the reports written before are intact; the unfinished runs left nothing", file=sys.stderr)
        return None
    finally:
        write_index(reports, notebooks)


def _summary(outcomes: list[Outcome]) -> str:
    failed = sum(not o.ok for o in outcomes)
    executed = [o for o in outcomes if o.executed]
    reused = len(outcomes) - len(executed)
    parts = [f"{len(executed)} executed ({sum(o.seconds for o in executed):.1f} s of notebook time)"]
    if reused:
        parts.append(f"{reused} reused without executing")
    return f"{len(outcomes) - failed} of {len(outcomes)} runs ok: " + ", ".join(parts)


def _sweep(args, reports: Path, notebooks: Path) -> int:
    from . import sweep

    notebook = resolve_notebook(args.notebook, notebooks)
    grid, specs = sweep.plan(notebook, args.grid)
    if args.x is not None and args.x not in grid:
        raise ParameterError(f"--x: expected one of the swept parameters {', '.join(grid)}, got {args.x!r}")
    if args.plan:
        for spec in specs:
            print(_run_command(spec, reports))
        return 0
    reports.mkdir(parents=True, exist_ok=True)
    failed = 0
    if not args.page_only:
        client = None
        if args.scheduler:  # connected before any run starts: a scheduler that does not answer is bad input
            from .cluster import close, connect

            client = connect(args.scheduler, args.jobs)
        print(f"sweep of {notebook.stem}: {len(specs)} runs from {args.grid}", flush=True)
        try:
            outcomes = _run_and_index(specs, reports, args.jobs, progress=False, force=args.force,
                                      timeout=args.timeout, client=client, notebooks=notebooks)
        finally:
            if client is not None:
                with signals_held():
                    close(client)
        if outcomes is None:
            return 130
        failed = sum(not o.ok for o in outcomes)
    try:
        page = sweep.write_page(reports, notebook, args.grid, grid, specs, x=args.x, y=args.y)
    except ParameterError as exc:  # --y names no recorded metric: known only now, so the page takes the default
        print(f"warning: {exc}; the figure shows the default metric instead", file=sys.stderr)
        page = sweep.write_page(reports, notebook, args.grid, grid, specs, x=args.x)
    write_index(reports, notebooks)
    print(f"comparison page: {display_path(page)}" + (f" ({failed} of {len(specs)} runs failed)" if failed else ""))
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # while checking the parameters: no run had started
        print("\ninterrupted", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["lab"] and not {"-h", "--help"} & set(argv[1:]):
        from .lab import start_lab

        start_lab(argv[1:])  # becomes JupyterLab: returns only if it could not start
        return 1
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed its message
        return int(exc.code or 0) if exc.code in (0, None) else 2
    reports = Path(getattr(args, "reports", None) or reports_dir())
    notebooks = Path(getattr(args, "notebooks", None) or notebooks_dir())
    try:
        if args.command == "params":
            schema = read_schema(resolve_notebook(args.notebook, notebooks))
            print(f"{schema.notebook}: override with P='name=value ...' or PARAMS=file.yaml\n")
            print(schema.table())
            return 0
        if args.command == "index":
            print(write_index(reports, notebooks))
            return 0
        if args.command == "sweep":
            return _sweep(args, reports, notebooks)
        specs = plan_runs(args.notebook, args.assignments, args.params_file, notebooks)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reports.mkdir(parents=True, exist_ok=True)
    outcomes = _run_and_index(specs, reports, args.jobs, progress=sys.stderr.isatty(), force=args.force,
                              timeout=args.timeout, notebooks=notebooks)
    if outcomes is None:
        return 130
    failed = sum(not o.ok for o in outcomes)
    if len(outcomes) > 1 or not outcomes[0].executed:
        print(_summary(outcomes))
    print(f"index: {display_path(reports / 'index.html')}")
    return 1 if failed else 0
