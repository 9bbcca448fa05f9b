"""Sweeps on a Dask cluster (``make sweep ... SCHEDULER=local``): a LocalCluster of two worker processes on loopback,
one of which is killed while its run is executing (Dask runs it again on a worker and it completes) and a run that
hangs past the timeout (a failed row); the page has every row, nothing temporary is left and no kernel keeps
running."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
from helpers import make_notebook

from logistic_softmax.runner import cache, cli, sweep

ROOT = Path(__file__).resolve().parents[2]

PARAMS = """\
hold: float = 0.0  # seconds the run waits in its second cell  [0, 100]
markers: str = ""  # folder where each kernel leaves a file named after its process and its parent's
"""

CELLS = (
    ("code", "from logistic_softmax.notebook.metrics import record\nrecord('held', hold, key=True)"),
    ("code", "import os, pathlib, time\n"
             "pathlib.Path(markers, f'kernel-{os.getpid()}-{os.getppid()}-{hold:g}').touch()\ntime.sleep(hold)"),
)


def _kill_the_first_workers_run(markers: Path, hold: str, killed: list[int]) -> None:
    """Kill the worker process (the parent of the kernel) that runs the run with ``hold``, once its kernel is in
    the cell that waits."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = [m for m in markers.glob(f"kernel-*-{hold}")]
        if found:
            worker = int(found[0].name.split("-")[2])
            os.kill(worker, signal.SIGKILL)
            killed.append(worker)
            return
        time.sleep(0.05)


def test_a_sweep_on_a_local_cluster_survives_a_killed_worker_and_a_hung_run(tmp_path, capsys):
    markers = tmp_path / "markers"
    markers.mkdir()
    make_notebook(tmp_path / "notebooks" / "held.ipynb", PARAMS, *CELLS)
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"hold: [1, 60]\nmarkers: [{json.dumps(str(markers))}]\n")
    reports = tmp_path / "reports"
    killed: list[int] = []
    killer = threading.Thread(target=_kill_the_first_workers_run, args=(markers, "1", killed), daemon=True)
    killer.start()
    code = cli.main(["sweep", "--notebook", "held", "--grid", str(grid), "--scheduler", "local", "--jobs", "2",
                     "--timeout", "6", "--notebooks", str(tmp_path / "notebooks"), "--reports", str(reports)])
    killer.join()
    out, err = capsys.readouterr()
    assert killed, "no run reached its waiting cell"
    assert code == 1, out + err  # the hung run failed; the other completed
    assert "2 runs on the Dask cluster at tcp://127.0.0.1:" in out and "(2 workers)" in out
    page = (reports / "sweep-held--grid.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="sweep-data">(.*?)</script>', page, re.S).group(1))
    rows = {r["params"]["hold"]: r for r in data["rows"]}
    assert rows[1.0]["status"] == "ok" and rows[1.0]["metrics"]["held"] == 1.0
    assert (reports / rows[1.0]["html"]).is_file()
    assert rows[60.0]["status"] == "failed" and "timed out" in rows[60.0]["error"].lower()
    assert "in cell 4" in rows[60.0]["error"]  # the cell that waits, numbered as in the notebook
    # the killed run executed twice (the second time elsewhere); the hung one once, stopped at the timeout
    ran = sorted(m.name.rsplit("-", 1)[1] for m in markers.iterdir())
    assert ran == ["1", "1", "60"], ran
    record = json.loads((reports / f"{rows[1.0]['name']}.json").read_text())
    assert record["executed"] and record["versions"]["papermill"]
    executed = json.loads((reports / f"{rows[1.0]['name']}.ipynb").read_text())  # (executed in memory, named here)
    assert executed["metadata"]["papermill"]["input_path"] == str((tmp_path / "notebooks" / "held.ipynb").resolve())
    # a run published from a worker is a run like any other: with nothing changed, the next sweep keeps it
    _, specs = sweep.plan(tmp_path / "notebooks" / "held.ipynb", grid)
    actions = {spec.parameters["hold"]: cache.decide(spec, reports).action for spec in specs}
    assert actions == {1.0: cache.KEEP, 60.0: cache.EXECUTE}
    assert not [p for p in reports.iterdir() if p.name.startswith(".tmp-")]
    kernels = [psutil.Process(int(m.name.split("-")[1])) for m in markers.iterdir()
               if psutil.pid_exists(int(m.name.split("-")[1]))]
    _, alive = psutil.wait_procs(kernels, timeout=10)
    for k in alive:
        k.kill()
    assert not alive, "kernels left running"


def test_dask_is_imported_only_when_a_sweep_is_given_a_scheduler():
    code = ("import sys\nfrom logistic_softmax.runner import cli\n"
            "args = ['sweep', '--notebook', '04_networks', '--grid', 'sweeps/04_networks.yaml', '--plan']\n"
            "assert cli.main(args) == 0\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "[]"
