"""A model formula, ``passed ~ hours + C(city)``, read against a table: the outcome column and the design matrix.

The right-hand side is read by formulaic (the formula engine of statsmodels 0.15): a text column or ``C(column)`` is
dummy-coded against its first level (or the level named in ``C(city, contr.treatment("Lima"))``), ``x1:x2`` is
an interaction, ``np.log(x)`` a transform. The design keeps formulaic's column names (``C(city)[T.Oslo]``), with
the intercept named ``const`` as in the rest of the package, and :class:`Term` says what each column is, so that a
report can read a dummy's coefficient as "being in Oslo rather than Lima". The left-hand side names the outcome
column, whose values are class labels (numbers or text), as the ``outcome`` parameter does.

Every problem raises :class:`~logistic_softmax.errors.DataError` naming the parameter (``formula``): a syntax
error, an unknown column, a left-hand side that is not one column, a formula without an intercept, a term whose
values are not finite numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import DataError

__all__ = ["Term", "FormulaDesign", "split", "design"]


@dataclass(frozen=True)
class Term:
    """What one design column is: a quantity (``x``, ``np.log(x)``, ``x1:x2``) or one level of a factor."""

    column: str
    kind: str  # "quantity" or "level"
    factor: str | None = None  # for a level: the term that names the factor, e.g. "C(city)" or "city"
    variable: str | None = None  # ... the column of the table it codes, e.g. "city"
    level: str | None = None  # ... its level, e.g. "Oslo"
    reference: str | None = None  # ... the level it is compared with, e.g. "Lima"


@dataclass(frozen=True)
class FormulaDesign:
    """The outcome column, the design (``const`` first) of the rows used, which rows those are, and each column."""

    outcome: str
    X: pd.DataFrame
    rows: np.ndarray  # bool, one per row of the table: used (outcome and every variable present)
    terms: dict[str, Term]


def _formula_error(param: str, formula: str, what: str) -> DataError:
    return DataError(f"parameter '{param}': {what} (the formula was {formula!r}; expected 'outcome ~ predictors', "
                     "e.g. 'passed ~ hours + C(city)')")


def split(formula: str, param: str = "formula"):
    """The parsed formula and its outcome column; a :class:`DataError` for a syntax error or an outcome that is not
    one column."""
    import formulaic

    if "~" not in formula:
        raise _formula_error(param, formula, "no '~' between the outcome and the predictors")
    try:
        parsed = formulaic.Formula(formula)
        lhs_vars = sorted(parsed.lhs.required_variables)
    except Exception as exc:  # formulaic's parser raises several kinds, each with a readable message
        raise _formula_error(param, formula, f"cannot read it as a formula: {str(exc).splitlines()[0]}") from None
    lhs_terms = [str(t) for t in parsed.lhs]
    if len(lhs_vars) != 1 or lhs_terms != [lhs_vars[0]]:
        raise _formula_error(param, formula, f"the left of '~' must be one column, the outcome, got {lhs_terms}")
    if "1" not in [str(t) for t in parsed.rhs]:
        raise _formula_error(param, formula, "the models here always have an intercept: leave out '- 1' and '0 +'")
    return parsed, lhs_vars[0]


def design(frame: pd.DataFrame, formula: str, data: str, param: str = "formula") -> FormulaDesign:
    """Read ``formula`` against ``frame`` (from the file or dataset ``data``, for messages)."""
    import formulaic

    parsed, outcome = split(formula, param)
    needed = sorted(parsed.rhs.required_variables)
    missing = [v for v in [outcome, *needed] if v not in frame.columns]
    if missing:
        raise _formula_error(param, formula, f"column {missing[0]!r} is not in {data}; its columns are "
                             + ", ".join(map(str, frame.columns)))
    for v in [outcome, *needed]:
        if frame[v].isna().all():
            raise DataError(f"parameter '{param}': column {v!r} of {data} is empty: every one of its {len(frame)} "
                            "values is missing")
    rows = frame[[outcome, *needed]].notna().all(axis=1).to_numpy()
    used = frame.loc[rows].reset_index(drop=True)
    try:
        with np.errstate(all="ignore"):  # a transform's NaN or infinity is refused below, naming the term
            mm = formulaic.model_matrix(parsed.rhs, used, na_action="ignore")
    except Exception as exc:
        raise _formula_error(param, formula, f"cannot evaluate it on {data}: {str(exc).splitlines()[0]}") from None
    X = pd.DataFrame(np.asarray(mm, dtype=np.float64), columns=[str(c) for c in mm.columns])
    bad = ~np.isfinite(X.to_numpy())
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        first = int(np.flatnonzero(rows)[np.flatnonzero(bad[:, j])[0]]) + 1
        raise DataError(f"parameter '{param}': the term {X.columns[j]!r} is not a finite number in "
                        f"{int(bad[:, j].sum())} of the rows used (the first is data row {first}); expected finite "
                        "numbers (leave such rows out, or change the transform)")
    X = X.rename(columns={"Intercept": "const"})
    return FormulaDesign(outcome, X, rows, _terms(mm.model_spec, list(X.columns)))


def _terms(spec, columns: list[str]) -> dict[str, Term]:
    """What each design column is, from formulaic's model spec (which factor and level a dummy codes)."""
    terms = {c: Term(c, "quantity") for c in columns if c != "const"}
    contrasts = {str(f): state for f, state in (spec.factor_contrasts or {}).items()}
    for structure in spec.structure:
        factors = [str(f) for f in structure.term.factors]
        if len(factors) != 1 or factors[0] not in contrasts:
            continue  # a quantity, or an interaction (read as the product it is)
        state = contrasts[factors[0]]
        levels = [str(v) for v in state.levels]
        base = getattr(state.contrasts, "base", None)
        reference = str(base) if base not in (None, "UNSET") and str(base) in levels else levels[0]
        variable = next(iter(sorted(structure.term.factors[0].required_variables)), factors[0])
        for col in structure.columns:
            level = col.rsplit("[T.", 1)[1][:-1] if "[T." in col else col.rsplit("[", 1)[-1].rstrip("]")
            terms[col] = Term(col, "level", factors[0], variable, level, reference)
    return terms
