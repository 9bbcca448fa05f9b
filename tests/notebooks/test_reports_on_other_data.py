"""Reports on other data and with unusual values: CSV files with text labels, separated outcomes, training stopped
early, one predictor. Each renders; what does not hold is said, not asserted. (The Logit report on a CSV with text
labels and a linearly dependent column is checked on the hostile data of test_user_data_is_text.py.)"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from logistic_softmax.runner import cli


def run_once(tmp_path, notebook: str, assignments: str) -> dict:
    out = tmp_path / "reports"
    assert cli.main(["run", "--notebook", notebook, "--set", assignments, "--reports", str(out)]) == 0
    (path,) = out.glob(f"{notebook}--*.json")
    rec = json.loads(path.read_text())
    rec["page"] = (out / rec["html"]).read_text()
    return rec


@pytest.mark.notebook
def test_softmax_report_explains_separation_instead_of_failing(tmp_path, separated_csv):
    rec = run_once(tmp_path, "03_mnlogit_glm", f"data={separated_csv} outcome=group predictors=[x1,x2] reference=low")
    m = rec["metrics"]
    assert m["separation"] is True and m["converged"] is False and m["reference"] == "low"
    page = rec["page"]
    text = page[page.index("<main"):]  # the report's text (the contents, before it, list the sections too)
    assert text.index("diagnosis-warning") < text.index("1. Why the link")  # the diagnosis opens the report
    assert (
        "class &#x27;high&#x27; is completely separated by x1" in page
        or "class 'high' is completely separated by x1" in page
    )
    assert 'class="claim claim-skipped ' in page and 'class="claim claim-failed ' not in page
    assert set(m["mnlogit_params"]) == {"high", "mid"}  # labels, not statsmodels' 0, 1


@pytest.mark.notebook
def test_networks_report_on_separated_data_stopped_early_says_so(tmp_path, separated_csv):
    frame = pd.read_csv(separated_csv)
    frame["high"] = (frame["group"] == "high").astype(int)
    frame.to_csv(separated_csv, index=False)
    rec = run_once(
        tmp_path,
        "04_networks",
        f"data={separated_csv} outcome=high predictors=[x1,x2] layer_data={separated_csv} layer_outcome=group "
        "layer_predictors=[x1,x2] epochs=200 base_steps=50 optimizer_steps=20",
    )
    m, page = rec["metrics"], rec["page"]
    assert m["converged"] is False and m["separation"] is True
    text = page[page.index("<main"):]  # the report's text (the contents, before it, list the sections too)
    assert text.index("converged: false") < text.index("1. The two networks")  # said at the top
    assert "stopped at the maximum of 200 steps" in page
    assert m["exact_rule_max_abs_diff"] < 1e-12  # the every-step identities hold whatever the parameters
    assert 'class="claim claim-skipped ' in page and 'class="claim claim-failed ' not in page


@pytest.mark.notebook
def test_one_predictor_and_one_newton_step_render_and_say_not_converged(tmp_path):
    """One predictor and one Newton step: the report renders, says it did not converge, and no claim fails. (Few
    steps: the separated-data run above; a small subsample and few epochs: the smoke run of 05_mnist.)"""
    rec = run_once(tmp_path / "b", "02_logit_glm", "predictors=[GPA] maxiter=1")
    assert rec["metrics"]["converged"] is False and set(rec["metrics"]["logit_params"]) == {"const", "GPA"}
    assert 'class="claim claim-failed ' not in rec["page"]


@pytest.mark.notebook
def test_classes_named_yes_no_and_on_are_taken_as_written(tmp_path):
    """``pair=[yes,no]`` means the classes yes and no, as the same text would in the parameters cell (YAML 1.1 read
    them as booleans); ``reference=on`` is the class on."""
    rng = np.random.default_rng(8)
    x1, x2 = rng.normal(size=300), rng.normal(size=300)
    scores = np.c_[np.zeros(300), x1, -x1 + x2]
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    y = np.array(["no", "yes", "on"])[[rng.choice(3, p=row) for row in p]]
    csv = tmp_path / "answers.csv"
    pd.DataFrame({"answer": y, "x1": x1, "x2": x2}).to_csv(csv, index=False)
    values = f"data={csv} outcome=answer predictors=[x1,x2] pair=[yes,no] reference=on"
    rec = run_once(tmp_path, "03_mnlogit_glm", values)
    m, page = rec["metrics"], rec["page"]
    assert rec["parameters"]["pair"] == ["yes", "no"] and m["reference"] == "on"
    assert ('Classes <strong><span class="user-text tex2jax_ignore">yes</span></strong> (reference) and '
            '<strong><span class="user-text tex2jax_ignore">no</span></strong>') in page
    assert np.isfinite(m["k2_max_abs_diff_vs_logit"])  # the two-class claims were checked, not skipped
    assert "two-class MNLogit = Logit: params" in page and 'class="claim claim-failed ' not in page


@pytest.mark.notebook
def test_a_formula_with_a_categorical_predictor_is_read_as_statsmodels_reads_it(tmp_path):
    """``formula='passed ~ hours + C(city)'`` on a CSV with a text column: the report's coefficients are those of
    statsmodels' own formula API on the same file (the same design, dummy-coded against Lima), and the sentences
    read the dummies as levels."""
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(12)
    city, hours = rng.choice(["Lima", "Oslo", "Pune"], 150), rng.uniform(0, 10, 150).round(1)
    passed = np.where(rng.random(150) < 1 / (1 + np.exp(-(hours - 5) / 2 - (city == "Oslo"))), "yes", "no")
    csv = tmp_path / "cities.csv"
    pd.DataFrame({"hours": hours, "city": city, "passed": passed}).to_csv(csv, index=False)
    rec = run_once(tmp_path, "02_logit_glm", f"data={csv} formula='passed ~ hours + C(city)'")
    frame = pd.read_csv(csv).assign(y=lambda f: (f["passed"] == "yes").astype(int))
    ref = smf.logit("y ~ hours + C(city)", frame).fit(disp=0)
    params = pd.Series(rec["metrics"]["logit_params"])
    assert set(params.index) == {"const", "hours", "C(city)[T.Oslo]", "C(city)[T.Pune]"}
    # both stop when a Newton step moves no coefficient by more than 1e-8; Newton's steps shrink quadratically, so
    # each is within about that of the optimum, and of the other within twice it
    np.testing.assert_allclose(params.rename({"const": "Intercept"})[ref.params.index], ref.params, rtol=0, atol=2e-8)
    page = rec["page"]
    words = " ".join(re.sub(r"<[^>]+>", "", page).split())
    assert "being Oslo rather than Lima multiplies the odds that passed = yes by" in words
    assert 'class="claim claim-failed ' not in page
