"""Every valid parameter set renders: parameter sets drawn by hypothesis from each notebook's declared types and
ranges, each run through the real runner, which must write a report in which no claim failed.

What is drawn: sizes (training images, epochs, steps, grid points, draws) from the bottom of their ranges up to
:data:`SIZE_CAPS`, so that each run is short; every other value from its whole declared range, its ends included;
text and list values from the classes and columns of the default data (:data:`CHOICES`).

How many: ``make test`` draws :data:`EXAMPLES` parameter set per notebook (one; hypothesis runs derandomised, and
its first draw is the simplest set: every number at the bottom of its range, the first of each choice, one
predictor), which covers the lower ends; ``make fuzz`` sets ``FUZZ_EXAMPLES`` (20 by default) to draw more,
across the ranges up to their upper ends.
"""

from __future__ import annotations

import json
import math
import os

import pytest
from helpers import COMMITTED
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from logistic_softmax import errors
from logistic_softmax.notebook.params import Parameter, read_schema
from logistic_softmax.runner import execute, plan

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))

#: The largest value drawn for the parameters that set how long a run takes.
SIZE_CAPS = {
    "01_sigmoid_softmax": {"grid_points": 41, "xb_points": 6},
    "02_logit_glm": {"maxiter": 200},
    "03_mnlogit_glm": {"maxiter": 200},
    "04_networks": {"epochs": 3000, "base_units": 12, "base_steps": 200, "optimizer_steps": 60},
    "05_mnist": {"n_train": 2000, "hidden_units": 24, "epochs": 2, "softmax_epochs": 2, "pair_epochs": 1,
                 "pca_components": 30, "max_steps": 30},
    "06_penalties_and_separation": {"images": 80, "components": 12, "gd_steps": 3000, "mle_iterations": 30},
    "07_random_utility": {"n_draws": 20000, "observations": 5, "maxiter": 200, "n_train": 2000,
                          "pca_components": 30},
}


def _subset(items, *, min_size=1):
    return st.lists(st.sampled_from(items), min_size=min_size, max_size=len(items), unique=True)


ANES_CLASSES = [str(c) for c in range(7)]
#: Text and list parameters: values that name real classes and columns of the default data (the data files stay).
CHOICES = {
    "02_logit_glm": {
        "predictors": _subset(["GPA", "TUCE", "PSI"]),
        "positive": st.sampled_from(["", "0", "1"]),
    },
    "03_mnlogit_glm": {
        "predictors": _subset(["logpopul", "selfLR", "age", "educ", "income"]),
        "reference": st.sampled_from([""] + ANES_CLASSES),
        "pair": st.one_of(st.just([]), _subset(ANES_CLASSES, min_size=2).map(lambda v: v[:2])),
    },
    "04_networks": {
        "predictors": _subset(["GPA", "TUCE", "PSI"]),
        "positive": st.sampled_from(["", "0", "1"]),
        "layer_predictors": _subset(["logpopul", "selfLR", "age", "educ", "income"]),
        "layer_reference": st.sampled_from([""] + ANES_CLASSES),
    },
    "05_mnist": {"digits": st.lists(st.integers(0, 9), min_size=2, max_size=2, unique=True)},
    "06_penalties_and_separation": {
        "predictors": _subset(["logpopul", "selfLR", "age", "educ", "income"]),
        "reference": st.sampled_from([""] + ANES_CLASSES),
        "binary_predictors": _subset(["GPA", "TUCE", "PSI"]),
        "binary_positive": st.sampled_from(["", "0", "1"]),
        "digits": st.lists(st.integers(0, 9), min_size=2, max_size=2, unique=True),
    },
    "07_random_utility": {
        "predictors": _subset(["logpopul", "selfLR", "age", "educ", "income"]),
        "pair": st.one_of(st.just([]), _subset(ANES_CLASSES, min_size=2).map(lambda v: v[:2])),
    },
}


#: Parameters whose valid values depend on another's: ``focus`` must be one of the predictors drawn.
DEPENDENT = {"focus": lambda values: st.sampled_from([""] + list(values["predictors"]))}


def parameter_sets(stem: str, schema) -> st.SearchStrategy:
    """Whole parameter sets: each independent value from :func:`strategy`, then the dependent ones."""
    free = [p for p in schema.parameters if p.name not in DEPENDENT]
    independent = st.fixed_dictionaries({p.name: strategy(stem, p) for p in free})

    @st.composite
    def complete(draw):
        values = draw(independent)
        for p in schema.parameters:
            if p.name in DEPENDENT:
                values[p.name] = draw(DEPENDENT[p.name](values))
        return values

    return complete()


def strategy(stem: str, p: Parameter) -> st.SearchStrategy:
    """Values of ``p`` allowed by its declaration (and, for sizes, by :data:`SIZE_CAPS`)."""
    if p.name in CHOICES.get(stem, {}):
        return CHOICES[stem][p.name]
    if p.choices is not None:
        return st.sampled_from(list(p.choices))
    if p.base == "bool":
        return st.booleans()
    if p.base in ("int", "float") and p.low is not None:
        high = min(p.high, SIZE_CAPS.get(stem, {}).get(p.name, p.high))
        if p.base == "int":
            lo = math.ceil(p.low) if p.low_closed else math.floor(p.low) + 1
            hi = math.floor(high) if p.high_closed or high < p.high else math.ceil(high) - 1
            return st.integers(int(lo), int(hi))
        return st.floats(p.low, high, exclude_min=not p.low_closed, exclude_max=not p.high_closed and high == p.high,
                         allow_nan=False, allow_infinity=False)
    return st.just(p.default)  # data files, outcome columns: the notebook's own


@pytest.mark.notebook
@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem)
def test_every_valid_parameter_set_renders(path, tmp_path_factory):
    schema = read_schema(path)
    values = parameter_sets(path.stem, schema)

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck))
    @given(values)
    def renders(drawn):
        out = tmp_path_factory.mktemp(path.stem)
        spec = plan.checked_spec(path, schema, drawn)
        try:
            record = execute.run(spec, out)
        except errors.RunError as exc:
            pytest.fail(f"{path.stem} failed with valid parameters {drawn!r}: {exc}")
        page = (out / record["html"]).read_text(encoding="utf-8")
        assert record["status"] == "ok" and 'class="claim claim-failed ' not in page, drawn
        assert json.loads((out / f"{spec.name}.json").read_text())["parameters"] == spec.parameters

    renders()
