"""User strings in sentences, tables and figures stay text: checked against nbconvert's own Markdown renderer, pandas'
HTML and matplotlib's text layout."""

from __future__ import annotations

import html
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

from logistic_softmax.notebook import escaping

matplotlib.use("Agg")

HOSTILE = ["<script>alert(1)</script>", "**bold** _em_ `code`", "$x$ and \\(y\\)", "a & b < c > d \"q\" 'r'",
           "# heading", "- item", "[link](http://x)", "line\nbreak", "Ünïcödé β 🙂"]


def _visible(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


@pytest.mark.parametrize("value", HOSTILE)
def test_a_string_in_a_markdown_sentence_renders_as_its_characters(value):
    from nbconvert.filters.markdown import markdown2html

    for wrap in (escaping.text, escaping.code):
        rendered = markdown2html(f"Class **{wrap(value)}** here.")
        assert _visible(rendered).strip() == f"Class {value} here."
        assert "<script>" not in rendered and "<a " not in rendered and "<em>" not in rendered
        assert 'class="user-text tex2jax_ignore"' in rendered  # MathJax leaves it alone


def test_a_table_escapes_labels_and_text_values_and_keeps_number_formats():
    frame = pd.DataFrame({HOSTILE[0]: [1.23456, 2.0], "note": [HOSTILE[2], "<b>x</b>"]},
                         index=pd.MultiIndex.from_tuples([("<i>k</i>", "a"), ("<i>k</i>", "<u>b</u>")]))
    page = escaping.styled(frame).format(precision=2).to_html()
    assert "<script>" not in page and "<b>" not in page and "<u>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "1.23" in page and "&lt;u&gt;b&lt;/u&gt;" in page
    assert 'class="tex2jax_ignore"' in page
    assert escaping.escaped_frame(pd.Series([1.0], index=["<b>"], name="<s>")).columns[0] == "&lt;s&gt;"


@pytest.mark.parametrize("value", ["price $", "$x$", "a $b$ c $"])
def test_a_figure_shows_dollars_as_dollars(value):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_title(escaping.figure_text(value))
    fig.canvas.draw()  # an odd number of $ would stop mathtext here
    assert ax.title.get_text().replace("\\$", "$") == value
    assert not ax.title._text.count("$") - ax.title._text.count("\\$")  # every $ escaped
    plt.close(fig)
    assert np.isfinite(fig.get_size_inches()).all()
