"""The one banner every report's box comes from: the diagnosis of a fit, the training of networks, accuracy targets;
green when sound, orange otherwise, every text escaped."""

import numpy as np
import pandas as pd

from logistic_softmax.notebook import banner
from logistic_softmax.science import diagnosis, glm
from logistic_softmax.science import networks as nw
from logistic_softmax.science.data import tables


def test_a_separated_fit_gets_the_warning_box_with_its_problem(separated_csv):
    ds = tables.from_params({"data": str(separated_csv), "outcome": "group", "predictors": ["x1", "x2"],
                             "reference": ""})
    d = diagnosis.diagnose(glm.fit_mnlogit(ds), ds.codes)
    html = banner.diagnosis(d)._repr_html_()
    assert 'class="diagnosis diagnosis-warning tex2jax_ignore"' in html and "completely separated by x1" in html
    assert not banner.diagnosis(d).ok


def test_a_sound_fit_gets_the_green_box(anes):
    d = diagnosis.diagnose(glm.fit_mnlogit(anes[0], "2"), anes[0].codes)
    b = banner.diagnosis(d)
    assert b.ok and 'class="diagnosis diagnosis-ok tex2jax_ignore"' in b._repr_html_() and "the fit is sound" in repr(b)


def test_a_left_out_predictor_is_named_in_the_box():
    rng = np.random.default_rng(2)
    x1, x2 = rng.normal(size=60), rng.normal(size=60)
    X = pd.DataFrame({"const": 1.0, "x1": x1, "x2": x2, "x3": x1 - x2})
    ds = tables.Dataset("t", "test", "y", ("x1", "x2", "x3"), X, (rng.random(60) < 0.5).astype(int), ("0", "1"), 0)
    d = diagnosis.diagnose(glm.fit_logit(ds, "1"), ds.codes)
    assert d.ok and "x3" in banner.diagnosis(d)._repr_html_()


def test_text_from_a_users_data_stays_text():
    html = banner.Banner(False, "<b>title</b>", "a & b", ["<script>x</script>"], "end")._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;title" in html and "a &amp; b" in html
    assert html.count("<li>") == 1 and html.endswith("end</div>")
    assert "<ul>" not in banner.Banner(True, "t")._repr_html_()


def test_targets_met_and_not_met():
    t = banner.Targets([("layer", 0.93, 0.926)], notes=["a note"])
    assert t.met and "diagnosis-ok" in t._repr_html_() and "a note" in t._repr_html_()
    t = banner.Targets([("layer", 0.93, 0.926), ("net", 0.97, 0.98)])
    assert not t.met and "net: test accuracy 0.9700, target 0.980: not met" in t._repr_html_()


def test_training_status_banner():
    ok = nw.Trajectory(0.5, 0.0, 1e-9, 12, True, False, np.zeros(13), np.zeros(13), np.zeros((2, 3)))
    stopped = nw.Trajectory(0.5, 0.0, 1e-9, 50, False, False, np.zeros(51), np.ones(51), np.zeros((2, 3)))
    status = banner.TrainingStatus({"a": ok}, 50)
    assert status.converged and "converged: true" in status._repr_html_()
    status = banner.TrainingStatus({"a": ok, "b": stopped}, 50, notes=["far away"])
    html = status._repr_html_()
    assert not status.converged and "converged: false" in html and "b: stopped at the maximum of 50" in html
    assert "far away" in html


def test_one_box_for_several_fits_names_the_fit_with_the_problem(separated_csv, anes):
    ds = tables.from_params({"data": str(separated_csv), "outcome": "group", "predictors": ["x1", "x2"]})
    sound = diagnosis.diagnose(glm.fit_mnlogit(anes[0]), anes[0].codes)
    separated = diagnosis.diagnose(glm.fit_mnlogit(ds, maxiter=30), ds.codes)
    b = banner.diagnoses({"anes96": sound, "<i>mine</i>": separated})
    html = b._repr_html_()
    assert not b.ok and "1 of 2 fits have a problem" in html and "diagnosis-warning" in html
    assert "&lt;i&gt;mine&lt;/i&gt;: quasi-complete separation" in html and "<i>" not in html
    assert "anes96" not in html  # a sound fit without notes is not listed
    good = banner.diagnoses({"a": sound, "b": sound})
    assert good.ok and "all 2 fits are sound" in good._repr_html_()
