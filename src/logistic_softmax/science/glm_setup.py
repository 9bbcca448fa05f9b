"""The set-up the two GLM reports share: their data, the fit, its diagnosis, the predictors that can be used, the
predictor the figures follow, and the sentences and tables that describe the data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import glm, interpret
from .data import tables
from .diagnosis import Diagnosis, diagnose
from .fit_agreement import Agreement, agreement

__all__ = ["GlmSetup", "TwoClass", "binary", "multinomial", "two_class"]


@dataclass
class GlmSetup:
    ds: tables.Dataset
    fit: glm.Fit
    diagnosis: Diagnosis
    usable: list[str]  # the predictors not left out as linear combinations of others
    focus: str | None  # the predictor the figures follow
    positive: str | None = None  # the class counted as 1 (binary)
    reference: str | None = None  # the reference class (multinomial)

    @property
    def negative(self) -> str | None:
        return next((c for c in self.ds.classes if c != self.positive), None) if self.positive else None

    def label(self, c: str) -> str:
        """A class label with its name when the data give one: ``"1 (Strong Democrat)"``."""
        name = self.ds.class_name(c)
        return c if name == c else f"{c} ({name})"

    def counts_table(self) -> pd.DataFrame:
        """Each class's count and share, labelled with its name."""
        counts = self.ds.counts.rename(index=self.label)
        return pd.concat([counts, (counts / self.ds.n).rename("share")], axis=1)

    def predictors_table(self) -> pd.DataFrame:
        return self.ds.X[list(self.ds.predictors)].describe().T


def _finish(ds, fit, values: dict[str, Any], **classes) -> GlmSetup:
    usable = [p for p in ds.predictors if p not in fit.aliased]
    quantities = [p for p in usable if ds.term(p).kind == "quantity" and ":" not in p]
    focus = values.get("focus") if values.get("focus") in usable else (
        interpret.strongest_predictor(fit, among=quantities or usable) or (usable[0] if usable else None))
    return GlmSetup(ds, fit, diagnose(fit, ds.codes), usable, focus, **classes)


def binary(values: dict[str, Any], *, maxiter: int = 100) -> GlmSetup:
    """``Logit`` of the data a notebook's parameters name (``positive`` counted as 1; empty: the larger label)."""
    ds = tables.from_params(values, kind="binary")
    pos = values.get("positive") or ds.classes[-1]
    return _finish(ds, glm.fit_logit(ds, pos, maxiter=maxiter), values, positive=pos)


def multinomial(values: dict[str, Any], *, maxiter: int = 100) -> GlmSetup:
    """``MNLogit`` of the data a notebook's parameters name (``reference`` class; empty: the first)."""
    ds = tables.from_params(values, kind="categorical")
    ref = values.get("reference") or ds.classes[0]
    return _finish(ds, glm.fit_mnlogit(ds, ref, maxiter=maxiter), values, reference=ref)


@dataclass
class TwoClass:
    """The same two classes fitted as ``MNLogit`` (the first class the reference) and as ``Logit`` (the second
    counted as 1), with the diagnosis of the ``Logit`` fit and the tolerances of their comparison."""

    pair: list[str]
    ds: tables.Dataset
    mnlogit: glm.Fit
    logit: glm.Fit
    diagnosis: Diagnosis
    agreement: Agreement

    def table(self) -> pd.DataFrame:
        """Coefficients, standard errors, z and p of both fits, side by side."""
        cols = {}
        for what, name in (("params", "coef"), ("bse", "SE"), ("tvalues", "z"), ("pvalues", "p")):
            cols[f"MNLogit {name}"] = getattr(self.mnlogit, what).iloc[:, 0]
            cols[f"Logit {name}"] = getattr(self.logit, what).iloc[:, 0]
        return pd.DataFrame(cols)


def two_class(setup: GlmSetup, pair: list, *, maxiter: int = 100) -> TwoClass:
    """``pair`` of classes (empty: the reference and the largest other class) fitted both ways."""
    pair = [str(c) for c in pair] or [setup.reference, setup.ds.counts.drop(setup.reference).idxmax()]
    sub = setup.ds.subset(pair)
    m2, l2 = glm.fit_mnlogit(sub, pair[0], maxiter=maxiter), glm.fit_logit(sub, pair[1], maxiter=maxiter)
    diagnosis, agree = diagnose(l2, sub.codes), agreement(m2, l2)
    return TwoClass(pair, sub, m2.detached(), l2.detached(), diagnosis, agree)
