"""How the GLM reports scale with the rows of a user's CSV file: ``make bench-scale`` (not part of ``make test``).

For each size ``n`` (10^4, 10^5, 2 x 10^5 and 10^6 by default) the script writes CSV files drawn with a seeded
``numpy.random.Generator`` (nothing is downloaded): ten numeric predictors, the last a 0/1 indicator, with a binary
outcome for ``02_logit_glm`` and five classes for ``03_mnlogit_glm``; for ``04_networks`` a binary file of ``n`` rows
and a five-class file of ``n / 5`` rows, three predictors each. Each report is run through the project's runner
(``python -m logistic_softmax.report run --notebook NB --set ... --reports DIR --jobs 1``) in a subprocess, and two
numbers are recorded:

* ``seconds``: the wall time of that runner process (start-up, the runner's own check of the data, the kernel, the
  notebook, the rendering);
* ``kernel_peak_mib``: the peak resident memory (``VmHWM`` in ``/proc/<pid>/status``, which the operating system
  keeps up to date) of the kernel process that executes the notebook, read every 0.1 s until it exits; also
  ``tree_peak_mib``, the largest ``ru_maxrss`` of the runner and every process it waited for (``os.wait4``), which
  includes the runner itself.

The results go to ``benchmarks/scale.json`` (with the least-squares slopes of log time and log memory against
``log n`` over all sizes, ``slopes``, and between the two largest, ``slopes_largest``: fixed costs, the kernel's start
and its imports, flatten the first) and a log-log figure to ``benchmarks/scale.png``. The machine is shared: run it
when it is quiet, and compare repeats.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = (10_000, 100_000, 200_000, 1_000_000)
REPORTS = ("02_logit_glm", "03_mnlogit_glm", "04_networks")
FORMAT = 1  # the generator's version: a CSV written by another version is written again


def generate(path: Path, n: int, p: int, K: int, seed: int) -> Path:
    """A CSV of ``n`` rows: ``p`` numeric predictors ``x1..xp`` (the last a 0/1 indicator) and an outcome ``y`` with
    ``K`` classes drawn from a softmax regression with moderate coefficients (no separation), all from
    ``numpy.random.default_rng([seed, n, p, K])``. Written once: a sidecar file records how."""
    stamp = path.with_suffix(".json")
    recipe = {"n": n, "p": p, "K": K, "seed": seed, "format": FORMAT}
    if path.exists() and stamp.exists() and json.loads(stamp.read_text()) == recipe:
        return path
    rng = np.random.default_rng([seed, n, p, K])
    scale, shift = rng.uniform(0.5, 3.0, size=p), rng.normal(scale=2.0, size=p)
    X = rng.normal(size=(n, p)) * scale + shift
    X[:, -1] = rng.random(n) < 0.4
    Z = np.column_stack([np.ones(n), (X - shift) / scale]) @ rng.normal(scale=0.5, size=(p + 1, K))
    y = np.argmax(Z + rng.gumbel(size=(n, K)), axis=1)  # the largest of logit + Gumbel noise: a softmax draw
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(1, p + 1)])
    frame[f"x{p}"] = frame[f"x{p}"].astype(int)
    frame.insert(0, "y", y)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    stamp.write_text(json.dumps(recipe))
    return path


def assignments(notebook: str, n: int, data: Path, seed: int) -> str:
    """The ``--set`` values of one run: the generated files for ``n`` rows."""
    if notebook == "04_networks":
        binary, layer = generate(data / f"bin_{n}_3.csv", n, 3, 2, seed), generate(data / f"cls_{n // 5}_3.csv",
                                                                                     n // 5, 3, 5, seed)
        return (f"data={binary} outcome=y predictors=[x1,x2,x3] "
                f"layer_data={layer} layer_outcome=y layer_predictors=[x1,x2,x3]")
    K = 2 if notebook == "02_logit_glm" else 5
    path = generate(data / f"{'bin' if K == 2 else 'cls'}_{n}_10.csv", n, 10, K, seed)
    return f"data={path} outcome=y predictors=[{','.join(f'x{j}' for j in range(1, 11))}]"


def _hwm_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _is_kernel(proc: psutil.Process) -> bool:
    try:
        return "ipykernel" in " ".join(proc.cmdline())
    except psutil.Error:
        return False


def _stop(runner: psutil.Process) -> None:
    """Stop a runner that took too long: its kernel and any other process it started, then itself (SIGTERM, then
    SIGKILL for any left; Ctrl-C may be ignored by a process started in the background)."""
    procs = [*runner.children(recursive=True), runner]
    for p in procs:
        try:
            p.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=5)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass


def run_report(notebook: str, values: str, reports: Path, *, timeout: float | None = None) -> dict:
    """One report through the runner in a subprocess: its wall time, the kernel's peak memory, the tree's. After
    ``timeout`` seconds the runner and its kernel are stopped and the run is marked so."""
    cmd = [sys.executable, "-m", "logistic_softmax.report", "run", "--notebook", notebook, "--set", values,
           "--reports", str(reports), "--jobs", "1"]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
        kernels: dict[int, int] = {}
        watcher = psutil.Process(proc.pid)
        timed_out = False
        while True:
            if timeout is not None and not timed_out and time.perf_counter() - start > timeout:
                _stop(watcher)
                timed_out = True
            try:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)  # reaped here, with its resource usage
            except ChildProcessError:  # reaped while being stopped (a timeout)
                pid, status, usage = proc.pid, -1, None
            if pid == proc.pid:
                break
            try:
                for child in watcher.children(recursive=True):
                    if child.pid in kernels or _is_kernel(child):
                        kib = _hwm_kib(child.pid)
                        if kib is not None:
                            kernels[child.pid] = max(kernels.get(child.pid, 0), kib)
            except psutil.Error:
                pass
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status) if status >= 0 else -1
        log.seek(0)
        output = log.read()
    return {
        "seconds": round(seconds, 2),
        "kernel_peak_mib": round(max(kernels.values()) / 1024, 1) if kernels else None,
        "tree_peak_mib": round(usage.ru_maxrss / 1024, 1) if usage is not None else None,
        "ok": proc.returncode == 0,
        "timed_out": timed_out,
        "output": output.strip().splitlines()[-3:],
    }


def slope(ns, values) -> float | None:
    """Least-squares slope of log(value) against log(n)."""
    pts = [(math.log(n), math.log(v)) for n, v in zip(ns, values, strict=True) if v]
    if len(pts) < 2:
        return None
    x, y = np.array(pts).T
    return float(np.polyfit(x, y, 1)[0])


def figure(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label in ((axes[0], "seconds", "wall time (s)"), (axes[1], "kernel_peak_mib", "kernel peak (MiB)")):
        top = 0.0
        for nb, runs in results["reports"].items():
            done = [r for r in runs if r.get(key)]
            fitted = results["slopes"][nb][key]
            ax.loglog([r["n"] for r in done], [r[key] for r in done], "o-",
                      label=f"{nb} (slope {fitted:.2f})" if fitted is not None else nb)
            top = max([top, *(r[key] for r in done)])
        ns = np.array(results["sizes"], dtype=float)
        ax.loglog(ns, ns / ns[-1] * top, ":", color="grey", label="slope 1")
        ax.set(xlabel="rows n (04_networks: n binary, n / 5 five-class)", ylabel=label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("GLM reports on generated CSV files: time and peak memory against n (log-log)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="numbers of rows")
    ap.add_argument("--reports", nargs="+", default=list(REPORTS), choices=REPORTS, help="which reports")
    ap.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "logistic-softmax-scale"),
                    help="folder of the generated CSV files (kept between runs)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the generated data")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds after which a run is interrupted")
    ap.add_argument("--out", default=str(HERE / "scale.json"))
    ap.add_argument("--figure", default=str(HERE / "scale.png"))
    args = ap.parse_args(argv)
    data = Path(args.data)
    results = {"sizes": sorted(args.sizes), "machine": platform.processor() or platform.machine(),
               "cpu_count": os.cpu_count(), "reports": {}, "slopes": {}, "slopes_largest": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for nb in args.reports:
            runs = []
            for n in results["sizes"]:
                values = assignments(nb, n, data, args.seed)
                print(f"{nb}, n = {n:,} (load {os.getloadavg()[0]:.1f}) ...", flush=True)
                r = {"n": n, **run_report(nb, values, Path(tmp), timeout=args.timeout)}
                print(f"  {r['seconds']} s, kernel peak {r['kernel_peak_mib']} MiB, ok {r['ok']}", flush=True)
                runs.append(r)
            results["reports"][nb] = runs
            results["slopes"][nb] = {k: slope([r["n"] for r in runs], [r[k] for r in runs])
                                     for k in ("seconds", "kernel_peak_mib")}
            results["slopes_largest"][nb] = {k: slope([r["n"] for r in runs[-2:]], [r[k] for r in runs[-2:]])
                                             for k in ("seconds", "kernel_peak_mib")}
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    figure(results, Path(args.figure))
    print(f"written to {args.out} and {args.figure}")
    return 0 if all(r["ok"] for runs in results["reports"].values() for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
