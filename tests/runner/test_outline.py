"""A notebook's title, first sentence and section headings: the sentence ends where a reader would say it ends, and
every heading's id is the one nbconvert gives it in the page."""

from __future__ import annotations

import re

import nbformat
import pytest
from helpers import COMMITTED

from logistic_softmax.runner import outline


@pytest.mark.parametrize("paragraph, sentence", [
    ("One. Two.", "One."),
    ("Ends with no full stop", "Ends with no full stop"),
    ("It uses e.g. a grid, i.e. points. Then more.", "It uses e.g. a grid, i.e. points."),
    ("The value $0.5. X$ stays whole. Next.", "The value $0.5. X$ stays whole."),
    ("Call `np.float. Now` here. Next.", "Call `np.float. Now` here."),
    ("Accuracy is 92.6 % here. Next.", "Accuracy is 92.6 % here."),
    ("Lines\nare   joined. Next.", "Lines are joined."),
    ("A question? An answer.", "A question?"),
    ("It says \"why?\" and then stops. Next.", "It says \"why?\" and then stops."),
])
def test_first_sentence(paragraph, sentence):
    assert outline.first_sentence(paragraph) == sentence


def test_the_first_sentence_of_every_committed_notebook():
    """Written by hand from each notebook's opening paragraph (an independent reading of the same text)."""
    expected = {
        "01_sigmoid_softmax": "With two classes, the softmax of two logits is the sigmoid of their difference.",
        "02_logit_glm": "Logistic regression is the generalized linear model of a Bernoulli outcome with its canonical "
                        "link.",
        "04_networks": "A logistic regression is a neural network with one neuron: an affine map of the inputs "
                       "followed by the sigmoid.",
    }
    for nb in COMMITTED:
        found = outline.intro_of_file(nb)
        assert found.title and found.sentence.endswith((".", "?", "!")), nb.stem
        assert len(found.sentence) <= len(" ".join(nbformat.read(nb, 4).cells[0].source.split("\n\n", 1)[1].split()))
        if nb.stem in expected:
            assert found.sentence == expected[nb.stem]


def test_inline_markdown_becomes_segments_and_math_stays_text():
    assert outline.inline_segments("fits `Logit` *twice*, **both** with $a*b$ and 2*3*4") == [
        ("text", "fits "), ("code", "Logit"), ("text", " "), ("em", "twice"), ("text", ", "), ("strong", "both"),
        ("text", " with $a*b$ and 2*3*4")]


def test_a_notebook_without_a_title_or_text():
    assert outline.intro([]).title == "" and outline.intro([]).sentence == ""
    cells = [{"cell_type": "code", "source": "x = 1"}, {"cell_type": "markdown", "source": ["No title. Here."]}]
    found = outline.intro(cells)
    assert found.title == "" and found.sentence == "No title."


def test_heading_ids_are_the_ids_nbconvert_gives_them():
    from nbconvert import HTMLExporter

    source = ("# Title\n\nText.\n\n## 3. One model: `Logit` and *GLM*\n\n### Why $\\beta = -(b_1 - b_2)$ fixes it\n\n"
              "```\n# a comment in code, not a heading\n```\n\n## 2. The data → ready")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
    found = outline.headings(nb.cells)
    body, _ = HTMLExporter().from_notebook_node(nb)
    page_ids = re.findall(r'<h[1-6] id="([^"]+)"', body)
    assert [h.id for h in found] == [h.replace("&amp;", "&") for h in page_ids]
    assert [h.level for h in found] == [1, 2, 3, 2]
    assert found[1].segments == [("text", "3. One model: "), ("code", "Logit"), ("text", " and "), ("em", "GLM")]
    assert found[2].text == "Why $\\beta = -(b_1 - b_2)$ fixes it"
