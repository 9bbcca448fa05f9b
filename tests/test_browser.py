"""Open a rendered report in headless Chromium from file:// with networking off: the math must be typeset."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest
from conftest import COMMITTED

pytestmark = pytest.mark.browser


def rendered_dom(chromium: str, page: Path) -> str:
    """The DOM after scripts ran, with every network request failing (DNS mapped away, proxy to a dead port)."""
    with tempfile.TemporaryDirectory() as profile:
        args = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            "--virtual-time-budget=20000",
            "--dump-dom",
            page.resolve().as_uri(),
        ]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def typeset_count(dom: str) -> int:
    return dom.count('class="MathJax"') + dom.count('class="MathJax_Display"') + dom.count("MathJax_CHTML")


@pytest.mark.notebook
@pytest.mark.parametrize("stem", [p.stem for p in COMMITTED])
def test_report_math_is_typeset_offline(chromium, smoke_reports, stem):
    (record,) = [json.loads(p.read_text()) for p in smoke_reports.glob(f"{stem}*.json")]
    dom = rendered_dom(chromium, smoke_reports / record["html"])
    assert typeset_count(dom) > 20, "MathJax did not typeset the report"
    assert "Math Processing Error" not in dom, "MathJax failed on some of the math (a font it could not load?)"
    visible = re.sub(r"<script\b.*?</script>", "", dom.split("<main", 1)[1], flags=re.S)  # MathJax keeps TeX here
    for raw in ("$$", "\\frac", "\\operatorname", "\\sigma"):
        assert raw not in visible, f"raw LaTeX {raw!r} left in the visible page"


def test_the_check_would_fail_with_a_cdn_mathjax(chromium, tmp_path):
    """Negative control: nbconvert's default page loads MathJax from a CDN, so offline its math stays raw."""
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("Display: $$\\sigma(z) = \\frac{1}{1 + e^{-z}}$$"))
    body, _ = HTMLExporter().from_notebook_node(nb)
    page = tmp_path / "cdn.html"
    page.write_text(body)
    dom = rendered_dom(chromium, page)
    assert typeset_count(dom) == 0 and "$$" in dom
