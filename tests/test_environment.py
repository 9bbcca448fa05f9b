"""environment.yml is a valid conda spec that installs the project from pyproject.toml (the one dependency list)."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_is_valid_and_defers_to_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert set(env) <= {"name", "channels", "dependencies", "variables", "prefix"}
    assert isinstance(env["name"], str) and env["name"]
    assert all(isinstance(c, str) for c in env["channels"])
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = [d["pip"] for d in deps if isinstance(d, dict)]
    assert len(pip) == 1 and all(isinstance(x, str) for x in pip[0])
    for spec in conda:  # conda match specs: name, optional version
        assert re.fullmatch(r"[a-z0-9_.-]+((=|>=)[0-9.*]+)?", spec), spec
    assert "pip" in conda and "python>=3.11" in conda  # the same Pythons as pyproject's requires-python
    assert any(re.fullmatch(r"(-e )?\.(\[[a-z,]+\])?", x) for x in pip[0]), "the project itself, from pyproject"
    # one dependency list: nothing pinned here that pyproject.toml declares
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[~=<>\[ ]", d)[0].lower() for d in project["dependencies"]}
    assert not names & {re.split(r"[=<> ]", s)[0].lower() for s in conda + pip[0]}


def test_pyproject_pins_every_dependency_to_a_compatible_release():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {
        "statsmodels",
        "pandas",
        "numpy",
        "matplotlib",
        "nbconvert",
        "nbformat",
        "ipykernel",
        "papermill",
        "pyyaml",
        "jupyter-server-mathjax",
    }
    deps = {re.split(r"[~=<> ]", d)[0].lower(): d for d in project["dependencies"]}
    assert required <= set(deps)
    assert all("~=" in d or "==" in d for d in deps.values()), deps
    dev = {re.split(r"[~=<> ]", d)[0] for d in project["optional-dependencies"]["dev"]}
    assert {"pytest", "ruff", "logistic-softmax[lab,dask]"} <= dev  # the tests start JupyterLab and a Dask cluster
    extras = project["optional-dependencies"]
    assert [d.split("~=")[0] for d in extras["lab"]] == ["jupyterlab"]
    assert [d.split("~=")[0] for d in extras["dask"]] == ["distributed"]
    assert all("~=" in d for d in extras["lab"] + extras["dask"])
    assert project["requires-python"] == ">=3.11"  # no upper cap: newer Pythons install the same pins
