"""How long a rerun takes when nothing, or only text, changed: ``make bench-rerun`` (not part of ``make test``).

Into a temporary folder: every notebook once (executed), then the same command again three times with nothing
changed (every report kept: no kernel starts), then once after the title of one notebook was edited (that page
rendered again from its stored executed notebook, and its neighbours in reading order, whose links show the title;
the others kept). Wall times of the whole command, as a
user sees them, go to ``benchmarks/rerun.json``. Target (from the issue that asked for it): a rerun with nothing
changed in at most 3 s on a 2-core machine.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _run(notebooks: Path, reports: Path) -> tuple[float, list[dict]]:
    cmd = [sys.executable, "-m", "logistic_softmax.report", "run", "--notebooks", str(notebooks),
           "--reports", str(reports)]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    records = [json.loads(p.read_text()) for p in sorted(reports.glob("*.json"))]
    return seconds, records


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-rerun-") as tmp:
        notebooks, reports = Path(tmp) / "notebooks", Path(tmp) / "reports"
        shutil.copytree(ROOT / "notebooks", notebooks)
        first, _ = _run(notebooks, reports)
        print(f"first run (every notebook executed): {first:.1f} s", flush=True)
        kept = []
        for _ in range(3):
            seconds, records = _run(notebooks, reports)
            assert not any(r["executed"] for r in records), "a report was executed although nothing changed"
            kept.append(seconds)
            print(f"nothing changed: {seconds:.2f} s", flush=True)
        target = sorted(notebooks.glob("*.ipynb"))[1]
        nb = json.loads(target.read_text(encoding="utf-8"))
        nb["cells"][0]["source"] = ["# A retitled report\n", "\n"] + list(nb["cells"][0]["source"])[2:]
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        rendered, records = _run(notebooks, reports)
        again = [r["name"] for r in records if r.get("rendered") and not r["executed"]]
        # that page, and its neighbours in reading order, whose previous/next links show its title
        assert target.stem in again and not any(r["executed"] for r in records), again
        print(f"one notebook's Markdown changed: {rendered:.2f} s ({', '.join(again)} rendered again)", flush=True)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "first_run_seconds": round(first, 2),
        "nothing_changed_seconds": [round(s, 2) for s in kept],
        "markdown_changed_seconds": round(rendered, 2),
        "markdown_changed_rendered": again,
        "target_nothing_changed_seconds": 3.0,
        "met": max(kept) <= 3.0,
    }
    (HERE / "rerun.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
