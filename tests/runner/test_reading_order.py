"""The reading order of the reports (by notebook file name) and the links from a report to the one before and after
it: to the neighbour's default report where it exists, else to the neighbour's entry in the index."""

from __future__ import annotations

from helpers import COMMITTED, NOTEBOOKS, make_notebook

from logistic_softmax.runner.reading_order import (
    neighbour_links,
    number_of,
    reading_order,
    report_links,
    rewrite_report_links,
)


def _notebook(folder, stem, title):
    path = make_notebook(folder / f"{stem}.ipynb", "a: int = 1  # a\n")
    text = path.read_text().replace("# A tiny report", f"# {title}")
    path.write_text(text)
    return path


def test_the_committed_notebooks_are_read_in_the_order_of_their_names():
    assert reading_order(NOTEBOOKS) == COMMITTED == sorted(COMMITTED, key=lambda p: p.name)
    assert [number_of(p.stem) for p in COMMITTED] == [f"{i:02d}" for i in range(1, len(COMMITTED) + 1)]
    assert number_of("tiny") == ""


def test_links_to_the_neighbours(tmp_path):
    notebooks, reports = tmp_path / "notebooks", tmp_path / "reports"
    reports.mkdir()
    a = _notebook(notebooks, "01_first", "The first")
    b = _notebook(notebooks, "02_second", "The *second*")
    c = _notebook(notebooks, "10_tenth", "The tenth")
    (reports / "01_first.html").write_text("page")  # only the first has a default report
    assert neighbour_links(a, reports) == [None, {"stem": "02_second", "number": "02", "title": "The *second*",
                                                  "href": "index.html#02_second"}]
    before, after = neighbour_links(b, reports)
    assert before["href"] == "01_first.html" and after["href"] == "index.html#10_tenth"
    assert neighbour_links(b, reports, coming={"10_tenth"})[1]["href"] == "10_tenth.html"
    assert neighbour_links(c, reports)[1] is None
    # a notebook named outside the folder's order has no neighbours
    assert neighbour_links(tmp_path / "elsewhere.ipynb", reports) == [None, None]


def test_a_markdown_link_to_another_report_leads_to_its_page_or_its_index_entry(tmp_path):
    notebooks, reports = tmp_path / "notebooks", tmp_path / "reports"
    reports.mkdir()
    a = _notebook(notebooks, "01_first", "The first")
    _notebook(notebooks, "02_second", "The second")
    _notebook(notebooks, "03_third", "The third")
    text = a.read_text().replace(
        "With math:", "See [the second](02_second.html#a-section), [the third](03_third.html), [x](x.html). With math:")
    a.write_text(text)
    (reports / "03_third.html").write_text("page")
    links = report_links(a, reports)
    assert links == {"02_second": "index.html#02_second", "03_third": "03_third.html"}  # x.html is no report
    assert report_links(a, reports, coming={"02_second"})["02_second"] == "02_second.html"
    source = "See [the second](02_second.html#a-section), [the third](03_third.html), [x](x.html)."
    assert rewrite_report_links(source, links) == \
        "See [the second](index.html#02_second), [the third](03_third.html), [x](x.html)."
