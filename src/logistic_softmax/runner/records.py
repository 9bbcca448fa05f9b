"""A run's files in ``reports/``: the JSON record, the failure record, atomic writes, temporary folders."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..notebook import metrics as metrics_mod
from .plan import RunSpec

__all__ = [
    "TMP_PREFIX",
    "FAILED_SUFFIX",
    "atomic_write",
    "publish",
    "record",
    "write_failure",
    "load_runs",
    "expected_seconds",
    "clean_stale_tmp",
    "display_path",
]

TMP_PREFIX = ".tmp-"
FAILED_SUFFIX = ".failed.json"


def atomic_write(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file in the same folder and one rename: a reader sees the
    old file or the new one, never a part."""
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX + target.stem[:40] + "-", suffix=target.suffix, dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


def publish(tmp: Path, name: str, reports_dir: Path, suffixes: tuple[str, ...] = (".ipynb", ".html", ".json")) -> None:
    """Rename a run's files from its temporary folder into ``reports_dir`` together, with Ctrl-C and SIGTERM held,
    the JSON last (the index lists a run once its JSON exists); a failure record of the same name is removed."""
    from .signals import signals_held

    with signals_held():
        for suffix in suffixes:
            os.replace(tmp / f"{name}{suffix}", reports_dir / f"{name}{suffix}")
        (reports_dir / f"{name}{FAILED_SUFFIX}").unlink(missing_ok=True)


def record(spec: RunSpec, status: str, seconds: float, **fields: Any) -> dict[str, Any]:
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
    rec = record(spec, "failed", seconds, error=error)
    rec["html"] = f"{spec.name}.html" if (reports_dir / f"{spec.name}.html").exists() else None
    atomic_write(reports_dir / f"{spec.name}{FAILED_SUFFIX}", json.dumps(rec, indent=2) + "\n")
    return rec


def load_runs(reports_dir: Path) -> list[dict[str, Any]]:
    """Every run record in ``reports_dir`` (successes and failures), by notebook, defaults first, oldest first."""
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


def display_path(p: Path) -> str:
    """``p`` relative to the current directory when it is below it, as the console shows paths."""
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)
