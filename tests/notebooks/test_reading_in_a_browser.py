"""The index and the reports as a reader meets them, in headless Chromium from file:// with networking off, on the
session's smoke runs (nothing extra is executed): every link leads somewhere, the contents list every section, the
reports link to each other in reading order, the math is typeset and every equation reference resolves, nothing is
cut off at 1280 or 400 pixels, dark mode and print work, and nothing writes to the console or asks the network.

One browser start for all pages; each page is loaded once and typeset once. Screenshots of the index and of one
report, at 1280 and 400 pixels (and the report in dark mode and as printed), are written to ``screenshots/`` in the
session's temporary folder (printed; ``/tmp/pytest-of-$USER/pytest-current/screenshots/`` after the latest session)
for a person to look at."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from helpers import COMMITTED, browser

pytestmark = [pytest.mark.notebook, pytest.mark.browser]

#: the report whose screenshots are taken (its smoke run uses the defaults, so it is the index's own link)
SHOWN = "02_logit_glm"

#: what a page shows once loaded and typeset (links, ids, contents, headings, text, width), read in the page
COLLECT = """() => {
  const attrs = [];
  for (const el of document.querySelectorAll("[href], [src]")) {
    for (const a of ["href", "src"]) {
      if (el.hasAttribute(a)) attrs.push([el.tagName.toLowerCase(), a, el.getAttribute(a)]);
    }
  }
  const headings = [...document.querySelectorAll("main h1, main h2, main h3, main h4, main h5, main h6")];
  const rel = (r) => {
    const a = document.querySelector(`nav.report-nav a[rel=${r}]`);
    return a && a.getAttribute("href");
  };
  const main = document.querySelector("main");
  return {
    attrs,
    ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
    toc: [...document.querySelectorAll("nav.report-toc a")].map((a) => a.getAttribute("href")),
    headings: headings.map((h) => [h.tagName.toLowerCase(), h.id]),
    text: main ? main.innerText : document.body.innerText,
    typeset: document.querySelectorAll(".MathJax, .MathJax_Display").length,
    chapters: [...document.querySelectorAll("li.chapter")].map((li) => [li.id, li.innerText]),
    previous: rel("prev"), next: rel("next"),
  };
}"""

#: how far a page reaches past the window's right edge (0: nothing is cut off and the page does not scroll sideways)
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  let widest = document.documentElement.scrollWidth;
  for (const el of document.querySelectorAll("td, th, h1, h2, h3, p, li, pre, nav, header, footer")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && !el.closest(".jp-OutputArea-output, .table-scroll, .MathJax_Display")) {
      widest = Math.max(widest, box.right + window.scrollX);
    }
  }
  return Math.max(0, Math.ceil(widest - width));
}"""

TYPESET = "() => new Promise((done) => (window.MathJax && MathJax.Hub) ? MathJax.Hub.Queue(done) : done())"


@dataclass
class Visit:
    """What one page did and showed."""

    page: Path
    shown: dict = field(default_factory=dict)
    console: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    failed: list[str] = field(default_factory=list)  # every request that failed
    overflow: dict[int, int] = field(default_factory=dict)  # window width -> pixels past the right edge
    styles: dict[str, str] = field(default_factory=dict)


def _screenshots(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(context, path: Path, visit: Visit):
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and visit.console.append(m.text))
    page.on("pageerror", lambda e: visit.console.append(f"uncaught: {e}"))
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("requestfailed", lambda r: visit.failed.append(f"{r.url} ({r.failure})"))
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.evaluate(TYPESET)
    return page


@pytest.fixture(scope="module")
def visits(chromium, smoke_reports, tmp_path_factory) -> dict[str, Visit]:
    """Every page of the smoke runs' folder, loaded once at 1280 pixels; the index and one report also at 400, in
    dark mode and for print. Screenshots along the way."""
    pytest.importorskip("playwright", reason="the browser checks need the dev extra (pip install -e '.[dev]')")
    shots = _screenshots(tmp_path_factory)
    print(f"screenshots: {shots}")
    records = [json.loads(p.read_text()) for p in sorted(smoke_reports.glob("*.json"))]
    pages = [smoke_reports / "index.html"] + [smoke_reports / r["html"] for r in records]
    out: dict[str, Visit] = {}
    with browser(chromium) as chrome:
        context = chrome.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
        for path in pages:
            visit = out[path.name] = Visit(path)
            page = _open(context, path, visit)
            visit.shown = page.evaluate(COLLECT)
            if path.name == "index.html" or path.stem == SHOWN:
                name = "index" if path.name == "index.html" else "report"
                full = name == "index"
                visit.overflow[1280] = page.evaluate(OVERFLOW)
                page.screenshot(path=str(shots / f"{name}-1280.png"), full_page=full)
                page.set_viewport_size({"width": 400, "height": 860})
                visit.overflow[400] = page.evaluate(OVERFLOW)
                page.screenshot(path=str(shots / f"{name}-400.png"), full_page=full)
                if name == "report":
                    page.set_viewport_size({"width": 1280, "height": 900})
                    page.emulate_media(color_scheme="dark")
                    figure = page.locator(".jp-OutputArea-output img").first
                    figure.scroll_into_view_if_needed()
                    visit.styles = page.evaluate("""(img) => ({
                        body: getComputedStyle(document.body).backgroundColor,
                        figure: getComputedStyle(img).backgroundColor})""", figure.element_handle())
                    page.screenshot(path=str(shots / "report-1280-dark.png"))
                    page.emulate_media(color_scheme="light", media="print")
                    visit.styles |= page.evaluate("""() => ({
                        print_toc: getComputedStyle(document.querySelector("nav.report-toc")).display,
                        print_nav: getComputedStyle(document.querySelector("header.report-header")).display})""")
                    page.evaluate("window.scrollTo(0, 0)")
                    page.screenshot(path=str(shots / "report-1280-print.png"))
            page.close()
        context.close()
    return out


def _reports(visits: dict[str, Visit]) -> dict[str, Visit]:
    return {name: v for name, v in visits.items() if name != "index.html"}


def test_every_internal_link_resolves_to_a_file_or_an_anchor(visits):
    ids = {v.page.resolve(): set(v.shown["ids"]) for v in visits.values()}
    broken = []
    for name, visit in visits.items():
        for tag, _attr, value in visit.shown["attrs"]:
            url = urlsplit(value)
            if url.scheme == "data":
                continue
            if url.scheme or url.netloc:
                broken.append((name, tag, value, "not a file of this folder"))
                continue
            target = (visit.page.parent / unquote(url.path)).resolve() if url.path else visit.page.resolve()
            if not target.is_file():
                broken.append((name, tag, value, "no such file"))
            elif url.fragment and target in ids and not {url.fragment, unquote(url.fragment)} & ids[target]:
                broken.append((name, tag, value, "no such anchor"))
    assert not broken
    # the checks above saw the links a reader follows
    index = visits["index.html"].shown["attrs"]
    assert sum(attr == "href" and value.endswith(".html") for _, attr, value in index) >= len(COMMITTED)
    shown = next(v for n, v in visits.items() if n.startswith(SHOWN)).shown
    hrefs = [value for _, attr, value in shown["attrs"] if attr == "href"]
    assert {"index.html", f"{SHOWN}.ipynb", f"{SHOWN}.json"} <= set(hrefs)
    assert any(h.startswith("#mjx-eqn-") for h in hrefs), "an equation reference (\\eqref) links to its equation"


def test_the_contents_list_every_section_heading_in_order(visits):
    for name, visit in _reports(visits).items():
        headings = visit.shown["headings"]
        assert headings and headings[0][0] == "h1", name  # the title, which the contents leave out
        sections = [hid for _, hid in headings[1:]]
        assert all(sections), (name, headings)
        assert [unquote(h[1:]) for h in visit.shown["toc"]] == [unquote(s) for s in sections], name
        assert len(sections) >= 5 and "parameters-of-this-run" in sections, name


def test_no_console_error_and_no_request_outside_the_folder(visits):
    for name, visit in visits.items():
        assert visit.console == [], name
        assert visit.failed == [], name
        assert [u for u in visit.requests if urlsplit(u).scheme not in ("file", "data")] == [], name
        folder = visit.page.parent.resolve().as_uri()
        assert all(u.startswith(folder) for u in visit.requests if u.startswith("file:")), name


def test_the_reports_follow_each_other_in_reading_order(visits, smoke_reports):
    order = [p.stem for p in COMMITTED]
    for name, visit in _reports(visits).items():
        stem = json.loads((smoke_reports / name).with_suffix(".json").read_text())["notebook"]
        i = order.index(stem)
        for link, j in ((visit.shown["previous"], i - 1), (visit.shown["next"], i + 1)):
            if 0 <= j < len(order):
                assert link in (f"{order[j]}.html", f"index.html#{order[j]}"), (name, link)
            else:
                assert link is None, (name, link)
    chapters = visits["index.html"].shown["chapters"]
    assert [c[0] for c in chapters] == order
    for (stem, text), nb in zip(chapters, COMMITTED, strict=True):
        intro = json.loads(nb.read_text())["cells"][0]["source"]
        first_words = " ".join("".join(intro).split("\n\n", 1)[1].split()[:4])
        assert first_words in " ".join(text.split()), stem  # the notebook's first sentence


def test_the_math_is_typeset_and_every_equation_reference_resolves(visits):
    for name, visit in _reports(visits).items():
        text = visit.shown["text"]
        assert visit.shown["typeset"] > 20, f"{name}: MathJax did not typeset the report"
        assert "Math Processing Error" not in text, name
        for raw in ("$$", "\\frac", "\\operatorname", "\\sigma", "\\begin{equation}", "\\eqref", "\\label"):
            assert raw not in text, f"{name}: raw LaTeX {raw!r} left in the visible page"
        assert "(???)" not in text, f"{name}: an equation reference that names no equation"


def test_nothing_is_cut_off_at_1280_or_400_pixels(visits):
    shown = next(v for n, v in visits.items() if n.startswith(SHOWN))
    for visit in (visits["index.html"], shown):
        assert visit.overflow == {1280: 0, 400: 0}, visit.page.name


def _luminance(css: str) -> float:
    r, g, b = (float(x) for x in css[css.index("(") + 1:].rstrip(")").split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_dark_mode_keeps_figures_on_light_cards_and_print_drops_the_navigation(visits):
    styles = next(v for n, v in visits.items() if n.startswith(SHOWN)).styles
    assert _luminance(styles["body"]) < 0.2 and _luminance(styles["figure"]) > 0.95, styles
    assert styles["print_toc"] == "none" and styles["print_nav"] == "none", styles


#: the notebooks that give every key result a label (a notebook may leave one out: the index then shows its name)
LABELLED = {"01_sigmoid_softmax", "02_logit_glm", "03_mnlogit_glm", "04_networks", "05_mnist"}


def test_every_key_result_of_the_first_five_notebooks_has_a_label(smoke_reports):
    records = [json.loads(p.read_text()) for p in sorted(smoke_reports.glob("*.json"))]
    assert LABELLED <= {r["notebook"] for r in records}
    for rec in records:
        if rec["notebook"] in LABELLED:
            unlabelled = set(rec["key_metrics"]) - set(rec.get("metric_labels", {}))
            assert not unlabelled, (rec["notebook"], unlabelled)
            assert all("_" not in label for label in rec["metric_labels"].values()), rec["metric_labels"]
