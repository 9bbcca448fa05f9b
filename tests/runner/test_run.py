"""The runner on a tiny notebook written into tmp_path: success, reruns, failures, bad input, no partial files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import papermill
import pytest
from helpers import run_cli, snapshot

from logistic_softmax.runner import cli, plan


@pytest.fixture(scope="module")
def tiny_after_a_run(tmp_path_factory) -> Path:
    """The tiny notebook's folder after one successful run: read by some tests, copied by those that change it."""
    from helpers import TINY_CELLS, TINY_PARAMS, make_notebook

    base = tmp_path_factory.mktemp("tiny-after-a-run")
    make_notebook(base / "notebooks" / "tiny.ipynb", TINY_PARAMS, *TINY_CELLS)
    assert run_cli(base, "--notebook", "tiny") == 0
    return base


def test_default_run_writes_three_files_and_index(tiny_after_a_run):
    reports = tiny_after_a_run / "reports"
    for suffix in (".html", ".ipynb", ".json"):
        assert (reports / f"tiny{suffix}").is_file()
    rec = json.loads((reports / "tiny.json").read_text())
    assert rec["notebook"] == "tiny"
    assert rec["parameters"] == {"a": 2, "scale": 0.5, "label": "plain", "fail": False}
    assert rec["metrics"] == {"double": 4, "scaled": 1.0}
    assert rec["key_metrics"] == ["double"]
    assert set(rec["versions"]) >= {"python", "numpy", "pandas", "statsmodels", "papermill"}
    assert rec["seconds"] > 0 and rec["html"] == "tiny.html"
    index = (reports / "index.html").read_text()
    assert 'href="tiny.html"' in index and "double" in index
    assert not list(reports.glob(".tmp-*"))


def test_html_is_readable_offline(tiny_after_a_run):
    tiny = tiny_after_a_run
    page = (tiny / "reports" / "tiny.html").read_text()
    # nothing loaded from the network: no script, stylesheet or image with a remote address
    remote = re.findall(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=[\"'](?:https?:)?//", page, flags=re.I)
    assert remote == []
    assert "@import" not in page
    assert "_static/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe" in page
    assert (tiny / "reports" / "_static" / "mathjax" / "MathJax.js").is_file()
    assert "require.js" not in page and "mermaid" not in page.lower()
    # code hidden, injected-parameters and parameters cells removed, a parameters table instead, output kept
    assert "SECRET_SOURCE_MARKER" not in page
    assert "# Parameters" not in page and "a small integer  [0, 10]" not in page
    assert 'class="params-table tex2jax_ignore"' in page and "a small integer" in page
    assert "visible output 2" in page
    assert "vnd.logistic-softmax" not in page
    # what a reader navigates by: all reports, the run's two other files, the contents (here: the parameters)
    assert '<a href="index.html">' in page and '<a download="" href="tiny.ipynb">' in page
    assert '<a download="" href="tiny.json">' in page
    assert 'class="report-toc"' in page and '<a href="#parameters-of-this-run">' in page
    assert 'rel="next"' not in page and 'rel="prev"' not in page  # a notebook alone has no neighbours
    assert "<title>A tiny report</title>" in page


def test_rerun_with_other_values_keeps_the_default_report(tiny):
    assert run_cli(tiny, "--notebook", "tiny") == 0
    reports = tiny / "reports"
    before = {p: (reports / p).read_bytes() for p in ("tiny.html", "tiny.ipynb", "tiny.json")}
    assert run_cli(tiny, "--notebook", "tiny", "--set", "a=3 label=fancy") == 0
    for p, content in before.items():
        assert (reports / p).read_bytes() == content
    others = sorted(p.name for p in reports.glob("tiny--*.json"))
    assert len(others) == 1 and others[0].startswith("tiny--a-3_label-fancy--")
    rec = json.loads((reports / others[0]).read_text())
    assert rec["overrides"] == {"a": 3, "label": "fancy"} and rec["metrics"]["double"] == 6
    assert (reports / rec["html"]).is_file()
    index = (reports / "index.html").read_text()
    assert index.count("<tr>") == 3  # header + two runs
    # the same values given explicitly are the default run
    assert plan.run_name("tiny", {}) == "tiny"
    assert plan.run_name("tiny", {"a": 3}) != plan.run_name("tiny", {"a": 4})


def test_params_file(tiny, tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("a: 5\nscale: 2\n")
    assert run_cli(tiny, "--notebook", "tiny", "--params-file", str(f)) == 0
    (rec,) = [json.loads(p.read_text()) for p in (tiny / "reports").glob("tiny--*.json")]
    assert rec["parameters"]["a"] == 5 and rec["parameters"]["scale"] == 2.0 and rec["metrics"]["scaled"] == 10.0


def test_failing_cell_names_notebook_cell_and_error_and_leaves_nothing(tiny, capsys):
    assert run_cli(tiny, "--notebook", "tiny") == 0
    before = snapshot(tiny / "reports")
    capsys.readouterr()
    assert run_cli(tiny, "--notebook", "tiny", "--set", "fail=True") == 1
    err = capsys.readouterr().err
    assert "notebook tiny" in err
    assert "failed in cell 6" in err  # counted in the source notebook: title, parameters, 3 cells, then this one
    assert "if fail:" in err and "ValueError: boom from the tiny notebook" in err
    after = snapshot(tiny / "reports")
    (failure,) = [k for k in after if k.endswith(".failed.json")]  # the error, for the index; no report files
    assert {k: v for k, v in after.items() if k not in ("index.html", failure)} == {
        k: v for k, v in before.items() if k != "index.html"
    }
    assert not [k for k in after if ".tmp-" in k]
    rec = json.loads((tiny / "reports" / failure).read_text())
    assert rec["status"] == "failed" and "ValueError: boom from the tiny notebook" in rec["error"]
    assert rec["overrides"] == {"fail": True} and rec["html"] is None
    index = (tiny / "reports" / "index.html").read_text()
    assert 'class="failed">failed<' in index and "boom from the tiny notebook" in index
    # the same run succeeding later removes the failure record
    (tiny / "notebooks" / "tiny.ipynb").write_text(
        (tiny / "notebooks" / "tiny.ipynb").read_text().replace("raise ValueError", "print")
    )
    assert run_cli(tiny, "--notebook", "tiny", "--set", "fail=True") == 0
    assert not (tiny / "reports" / failure).exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--notebook", "nope"], "unknown notebook 'nope'; notebooks in .*: tiny"),
        (
            ["--notebook", "tiny", "--set", "bogus=1"],
            "unknown parameter 'bogus' .* valid parameters: a, scale, label, fail",
        ),
        (["--notebook", "tiny", "--set", "a=x"], "parameter 'a': expected an integer"),
        (["--notebook", "tiny", "--set", "a=11"], r"parameter 'a': expected an integer in \[0, 10\], got 11"),
        (["--notebook", "tiny", "--set", "scale=0"], r"parameter 'scale': expected a number in \(0, inf\)"),
        (["--set", "a=1"], "need a notebook"),
        (["--notebook", "tiny", "--params-file", "/no/such.yaml"], "no such file"),
    ],
)
def test_bad_input_one_message_no_kernel_nothing_changed(
    tiny_after_a_run, tmp_path, capsys, monkeypatch, args, message
):
    tiny = Path(shutil.copytree(tiny_after_a_run, tmp_path / "copy"))
    before = snapshot(tiny / "reports")
    capsys.readouterr()

    def no_kernel(*a, **k):
        raise AssertionError("a kernel was started for bad input")

    monkeypatch.setattr(papermill, "execute_notebook", no_kernel)
    assert run_cli(tiny, *args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and len(err.splitlines()) == 1
    assert re.search(message, err), err
    assert snapshot(tiny / "reports") == before


def test_params_listing(tiny, capsys):
    assert cli.main(["params", "tiny", "--notebooks", str(tiny / "notebooks")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"a\s+int\s+2\s+\[0, 10\]\s+a small integer", out)
    assert re.search(r"label\s+str\s+'plain'\s+\{plain, fancy\}\s+a label", out)


def test_all_notebooks_run_when_none_named(tiny):
    from helpers import TINY_CELLS, TINY_PARAMS, make_notebook

    make_notebook(tiny / "notebooks" / "tiny2.ipynb", TINY_PARAMS, *TINY_CELLS)
    assert run_cli(tiny, "--jobs", "1") == 0
    assert {p.name for p in (tiny / "reports").glob("*.json")} == {"tiny.json", "tiny2.json"}


def test_kernel_is_this_interpreter_even_with_a_user_python3_kernelspec(tiny, tmp_path, monkeypatch):
    """A user's own 'python3' kernelspec (another Python) must not be used for the reports."""
    user = tmp_path / "userdata" / "kernels" / "python3"
    user.mkdir(parents=True)
    (user / "kernel.json").write_text(
        json.dumps(
            {
                "argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "x",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "userdata"))
    assert run_cli(tiny, "--notebook", "tiny") == 0


def test_make_passes_quoted_values_through(tiny):
    """The Makefile hands P to the runner unchanged (brackets, quotes and spaces survive the shell)."""
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        ["make", "-n", "report", "NB=tiny", "P=digits=[4,9] name='two words'", "PARAMS=p.yaml"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '--notebook "tiny"' in out and '--set "$P"' in out and '--params-file "p.yaml"' in out
    proc = subprocess.run(
        ["make", "report", "NB=nope", "P=a=1", "DEPS=", f"VENV={Path(sys.executable).parents[1]}"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and "unknown notebook 'nope'" in proc.stderr


def test_kernel_death_is_reported_and_leaves_nothing(tiny, capsys):
    from helpers import make_notebook

    make_notebook(tiny / "notebooks" / "dies.ipynb", "a: int = 1  # unused", ("code", "import os\nos._exit(3)"))
    assert run_cli(tiny, "--notebook", "dies") == 1
    err = capsys.readouterr().err
    assert "notebook dies" in err and "DeadKernelError" in err
    assert "in cell 3, which begins: 'import os'" in err
    assert not (tiny / "reports" / "dies.json").exists()
    assert [p.name for p in (tiny / "reports").iterdir() if p.name.startswith(".tmp-")] == []


def test_progress_lines_reach_the_console_and_stay_out_of_the_report(tmp_path, capfd):
    from helpers import TINY_PARAMS, make_notebook

    make_notebook(
        tmp_path / "notebooks" / "chatty.ipynb",
        TINY_PARAMS,
        ("code", "from logistic_softmax.notebook.progress import progress\n"
                 "for i in range(3):\n    progress(f'step {i} of 3')"),
    )
    args = ["--notebooks", str(tmp_path / "notebooks"), "--reports", str(tmp_path / "reports")]
    assert cli.main(["run", "--notebook", "chatty", *args]) == 0
    out = capfd.readouterr().out
    assert [line.strip() for line in out.splitlines() if "step " in line] == [
        f"chatty: step {i} of 3" for i in range(3)
    ]
    assert "step 1 of 3" not in (tmp_path / "reports" / "chatty.html").read_text()
    assert "step 1 of 3" not in (tmp_path / "reports" / "chatty.ipynb").read_text()
    assert "LOGISTIC_SOFTMAX_PROGRESS" not in os.environ
