"""``make lab``: JupyterLab on localhost lists the project's kernel and runs a notebook's cells with it, in the project
folder, with one BLAS thread, and a bad value in the parameters cell gives the runner's one-line message."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from helpers import COMMITTED, NOTEBOOKS, ROOT

from logistic_softmax.errors import InputError
from logistic_softmax.notebook.params import read_schema
from logistic_softmax.notebook.preflight import preflight
from logistic_softmax.runner import lab


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A JupyterLab process on 127.0.0.1 and its REST API."""

    def __init__(self, tmp: Path):
        self.port, self.token = _free_port(), secrets.token_hex(16)
        prefix = tmp / "prefix"
        lab.install_kernel(prefix)  # the kernel as `make lab` registers it, in a prefix of the test's own
        env = dict(os.environ, JUPYTER_PATH=str(prefix / "share" / "jupyter"), JUPYTER_CONFIG_DIR=str(tmp / "config"),
                   JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"))
        args = ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}"]
        args += ["--allow-root"] if os.geteuid() == 0 else []  # (CI runs as root)
        self.log = tmp / "lab.log"
        with open(self.log, "w") as log:  # a file, not a pipe: the server never blocks on its output
            self.proc = subprocess.Popen(lab.lab_command(args, root=NOTEBOOKS), cwd=tmp, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url(path), data=data, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"null")

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                self.request("/api/status")
                return
            except OSError:
                assert time.monotonic() < deadline, self.log.read_text()
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the server shuts its kernels down on SIGTERM
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


async def _execute(server: Server, kernel_id: str, cells: list[str]) -> list[dict]:
    """Run ``cells`` one after the other in the kernel, over the server's websocket; return per cell its stdout and
    its error (``None`` if none)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel_id}/channels"
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {server.token}"}))
    session, results = uuid.uuid4().hex, []
    try:
        for code in cells:
            msg_id = uuid.uuid4().hex
            header = {"msg_id": msg_id, "msg_type": "execute_request", "session": session, "username": "test",
                      "date": "", "version": "5.3"}
            content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                       "allow_stdin": False, "stop_on_error": True}
            await ws.write_message(json.dumps({"header": header, "parent_header": {}, "metadata": {},
                                               "content": content, "channel": "shell", "buffers": []}))
            out = {"stdout": "", "error": None}
            while True:
                msg = json.loads(await asyncio.wait_for(ws.read_message(), timeout=60))
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "stream" and msg["content"]["name"] == "stdout":
                    out["stdout"] += msg["content"]["text"]
                elif kind == "error":
                    out["error"] = msg["content"]
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    break
            results.append(out)
    finally:
        ws.close()
    return results


def test_the_notebooks_open_with_the_projects_kernel():
    for path in COMMITTED:
        spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        assert (spec["name"], spec["display_name"]) == (lab.KERNEL_NAME, lab.DISPLAY_NAME), path.name


def test_jupyterlab_lists_the_kernel_and_runs_a_notebook_with_it(tmp_path, monkeypatch):
    nb = NOTEBOOKS / "02_logit_glm.ipynb"
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    params = next("".join(c["source"]) for c in cells if "parameters" in c["metadata"].get("tags", []))
    # what the runner says of the same value, given from the project folder (where make runs)
    monkeypatch.chdir(ROOT)
    with pytest.raises(InputError) as runner_error:
        preflight(read_schema(nb).validate({"data": "no_such_file.csv"}))
    server = Server(tmp_path)
    try:
        server.wait_until_up()
        specs = server.request("/api/kernelspecs")["kernelspecs"]
        assert specs[lab.KERNEL_NAME]["spec"]["display_name"] == lab.DISPLAY_NAME
        with urllib.request.urlopen(server.url(f"/lab?token={server.token}"), timeout=10) as page:
            assert page.status == 200 and "JupyterLab" in page.read().decode()
        # the notebook opened as JupyterLab opens it: a session on its path, with the kernel its metadata names
        session = server.request("/api/sessions", {"path": nb.name, "type": "notebook",
                                                   "kernel": {"name": lab.KERNEL_NAME}})
        validate = "from logistic_softmax.notebook.params import validate_in_notebook\n" \
                   "cfg = validate_in_notebook('02_logit_glm', globals())\nprint(cfg['data'], cfg['alpha'])"
        results = asyncio.run(_execute(server, session["kernel"]["id"], [
            "import os\nprint(os.getcwd())\nprint(os.environ['OPENBLAS_NUM_THREADS'])",
            params, validate,                             # the defaults pass
            params + '\ndata = "no_such_file.csv"', validate,  # a bad value: the runner's line, not a traceback
        ]))
    finally:
        server.stop()
    assert [r["error"] for r in results[:3]] == [None, None, None], results
    assert results[0]["stdout"].split() == [str(ROOT), "1"]  # the project folder, one BLAS thread
    assert results[2]["stdout"].split() == ["spector", "0.05"]
    error = results[4]["error"]

    assert error["traceback"] == [f"error: {runner_error.value}"], error
    assert "relative paths start at " + str(ROOT) in str(runner_error.value)
