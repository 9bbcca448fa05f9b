"""Ctrl-C and killed runs: the earlier reports stay as they were, nothing temporary is left, no kernel keeps running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import papermill
import psutil
import pytest
from helpers import make_notebook, run_cli

from logistic_softmax.runner import records, signals

ROOT = Path(__file__).resolve().parents[2]


def test_interrupted_run_leaves_no_temporary_files(tiny, monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    assert run_cli(tiny, "--notebook", "tiny") == 130
    assert [p.name for p in (tiny / "reports").iterdir() if p.name.startswith(".tmp-")] == []
    assert not (tiny / "reports" / "tiny.json").exists()


def test_stale_temporary_folders_of_dead_runs_are_removed(tiny):
    reports = tiny / "reports"
    stale = reports / ".tmp-tiny-pid999999999-abc"
    stale.mkdir(parents=True)
    live = reports / f".tmp-tiny-pid{os.getpid()}-abc"
    live.mkdir()
    records.clean_stale_tmp(reports)
    assert not stale.exists() and live.exists()


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals reach the main thread")
def test_ctrl_c_while_a_report_is_being_renamed_into_place_waits_for_the_last_file():
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (a test runner may differ)
    renamed = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with signals.signals_held():
                renamed.append("ipynb")
                signal.raise_signal(signal.SIGINT)
                renamed += ["html", "json"]  # still happens: the three files are replaced together
        assert renamed == ["ipynb", "html", "json"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)


def interrupt_when_ready(cmd: list[str], tmp_path: Path, ready: int, env: dict | None = None) -> tuple[int, str]:
    """Start ``cmd`` in a process group of its own, wait until ``ready`` kernels have written their marker file
    ``kernel-<pid>.*`` in ``tmp_path``, then press Ctrl-C (SIGINT to the whole group, as a terminal does).
    Return the exit status and the standard error, once the kernels are gone (asserted)."""
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    # files, not pipes: a kernel left running would hold a pipe open and hide the failure behind a hang
    with open(out, "w") as fo, open(err, "w") as fe:
        proc = subprocess.Popen(cmd, start_new_session=True, stdout=fo, stderr=fe, env=env)
    deadline = time.monotonic() + 120
    while len(markers := list(tmp_path.glob("kernel-*"))) < ready:
        assert time.monotonic() < deadline and proc.poll() is None, f"the kernels did not start: {err.read_text()}"
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)
    code = proc.wait(timeout=60)
    pids = [int(m.name.split("-")[1].split(".")[0]) for m in markers]
    kernels = [psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)]
    _, alive = psutil.wait_procs(kernels, timeout=5)
    for k in alive:
        k.kill()
    assert not alive, f"kernels left running after Ctrl-C: {[k.pid for k in alive]}"
    return code, err.read_text()


def runner(tmp_path: Path, jobs: int) -> list[str]:
    cmd = [sys.executable, "-m", "logistic_softmax.report", "run", "--jobs", str(jobs)]
    return cmd + ["--notebooks", str(tmp_path / "notebooks"), "--reports", str(tmp_path / "reports")]


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_stops_every_kernel_starting_or_running_and_changes_no_report(tmp_path, jobs):
    """Ctrl-C while one kernel is still starting and (with two workers) the other is in a long cell.

    A starting kernel is the hard case: it runs in a session of its own and watches its parent only once it is
    up, so nothing but the runner can stop it. The first kernel to start is held in a ``sitecustomize`` module
    (imported by every Python started with this PYTHONPATH) that writes a marker and sleeps; any other kernel
    goes on to the notebook's cell, which writes its own marker and sleeps."""
    reports = tmp_path / "reports"
    reports.mkdir()
    running = f"pathlib.Path({str(tmp_path)!r}, f'kernel-{{os.getpid()}}.running').touch()"
    for name in ("slow_a", "slow_b"):
        cell = f"import os, pathlib, time\n{running}\ntime.sleep(60)"
        make_notebook(tmp_path / "notebooks" / f"{name}.ipynb", "a: int = 1  # a number  [0, 9]", ("code", cell))
    (reports / "slow_a.html").write_text("an earlier report")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import os, pathlib, sys, time\n"
        "if 'ipykernel_launcher' in sys.orig_argv:\n"
        "    try:\n"
        f"        os.close(os.open({str(tmp_path / 'held')!r}, os.O_CREAT | os.O_EXCL))  # the first kernel only\n"
        "    except FileExistsError:\n"
        "        pass\n"
        "    else:\n"
        f"        pathlib.Path({str(tmp_path)!r}, f'kernel-{{os.getpid()}}.starting').touch()\n"
        "        time.sleep(60)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT / "src")]))
    code, err = interrupt_when_ready(runner(tmp_path, jobs), tmp_path, ready=jobs, env=env)
    assert code == 130, err
    assert (
        len(list(tmp_path.glob("kernel-*.starting"))) == 1 and len(list(tmp_path.glob("kernel-*.running"))) == jobs - 1
    )
    assert "interrupted: the reports written before are intact" in err and "Traceback" not in err
    assert (reports / "slow_a.html").read_text() == "an earlier report"
    assert not [p.name for p in reports.iterdir() if p.name.startswith(".tmp-")]
    assert not list(reports.glob("slow_*.json"))
