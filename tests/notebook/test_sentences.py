"""The sentences that read a fit: a quantity, a level of a factor against its reference, an interaction; every user
string in them escaped."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from helpers import SPECTOR

from logistic_softmax.notebook import sentences
from logistic_softmax.science import glm_setup, interpret
from logistic_softmax.science.data.formulas import Term


def _plain(markdown: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markdown))


@pytest.fixture(scope="module")
def ratios():
    setup = glm_setup.binary({**SPECTOR, "focus": ""})
    return setup, interpret.ratio_table(setup.fit, 0.05).droplevel("class")


def test_a_quantity_multiplies_the_odds_by_exp_beta(ratios):
    setup, t = ratios
    gpa = _plain(sentences.effect_sentence("GPA", t.loc["GPA"], 0.05, "the odds of a pass"))
    r = np.exp(setup.fit.params.loc["GPA"].iloc[0])
    assert f"multiplies the odds of a pass by {r:.3g}" in gpa and f"raises them by {100 * (r - 1):,.0f}%" in gpa
    assert "includes 1" not in gpa and gpa.startswith("One more unit of GPA")
    assert "includes 1" in sentences.effect_sentence("TUCE", t.loc["TUCE"], 0.05, "the odds")
    lower = sentences.effect_sentence("x", t.loc["GPA"].replace(t.loc["GPA", "exp(coef)"], 0.5), 0.05, "the odds")
    assert "lowers them by 50%" in lower


def test_a_level_is_read_against_its_reference_and_an_interaction_as_a_product(ratios):
    _, t = ratios
    term = Term("C(city)[T.<Oslo>]", "level", "C(city)", "city", "<Oslo>", "Lima")
    level = _plain(sentences.effect_sentence(term.column, t.loc["PSI"], 0.05, "the odds", term=term))
    assert level.startswith("city being <Oslo> rather than Lima multiplies the odds by")
    inter = _plain(sentences.effect_sentence("GPA:PSI", t.loc["PSI"], 0.05, "the odds"))
    assert inter.startswith("The interaction GPA:PSI: one more unit of the product")
    main = _plain(sentences.effect_sentence("GPA", t.loc["GPA"], 0.05, "the odds", columns=["GPA", "GPA:PSI"]))
    assert "the variables it interacts with at 0" in main
    assert "<Oslo>" not in sentences.effect_sentence(term.column, t.loc["PSI"], 0.05, "x", term=term)


def test_the_data_sentence_escapes_every_name():
    setup = glm_setup.binary({**SPECTOR, "focus": ""})
    text = sentences.data_sentence(setup)
    assert _plain(text).startswith("Data: the statsmodels dataset spector, 32 observations. Outcome GRADE")
    assert "left out" not in text  # spector has no missing value
