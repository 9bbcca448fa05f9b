"""A model formula, ``passed ~ hours + C(city)``, read against a table: the outcome column and the design matrix.

The right-hand side is read by statsmodels' formula API (its formula engine, patsy by default, formulaic with
``SM_FORMULA_ENGINE=formulaic``): a text column or ``C(column)`` is dummy-coded against its first level (or the
level named in ``C(city, Treatment("Lima"))``), ``x1:x2`` is an interaction, ``np.log(x)`` a transform. The design
keeps the engine's column names (``C(city)[T.Oslo]``), with the intercept named ``const`` as in the rest of the
package, and :class:`Term` says what each column is, so that a report can read a dummy's coefficient as "city being
Oslo rather than Lima". The left-hand side names the outcome column, whose values are class labels (numbers or
text), as the ``outcome`` parameter does.

Every problem raises :class:`~logistic_softmax.errors.DataError` naming the parameter (``formula``): a syntax
error, an unknown column, a left-hand side that is not one column, a formula without an intercept, a term whose
values are not finite numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import DataError

__all__ = ["Term", "FormulaDesign", "split", "design", "factor_of"]


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


#: The name of the column of row numbers that stands in for the outcome while statsmodels reads the right-hand side.
_ROW = "logistic_softmax_row_"
_LEVEL = re.compile(r"^(?P<factor>.+)\[T\.(?P<level>.+)\]$")
_QUOTED = re.compile(r"""^(?:Q\(\s*(['"])(?P<q>.+)\1\s*\)|`(?P<b>.+)`)$""")


def factor_of(column: str) -> str | None:
    """The factor whose level a design column codes (``C(city)`` for ``C(city)[T.Oslo]``), or ``None`` for a quantity
    or an interaction."""
    m = _LEVEL.match(column)
    return m.group("factor") if m and ":" not in m.group("factor") else None


def split(formula: str, param: str = "formula") -> tuple[str, str]:
    """The outcome column (the left of ``~``: a column name, or ``Q("a name")``) and the right-hand side."""
    if "~" not in formula:
        raise _formula_error(param, formula, "no '~' between the outcome and the predictors")
    lhs, rhs = (part.strip() for part in formula.split("~", 1))
    quoted = _QUOTED.match(lhs)
    outcome = (quoted.group("q") or quoted.group("b")) if quoted else lhs
    if not outcome or (not quoted and not outcome.isidentifier()):
        raise _formula_error(param, formula, f"the left of '~' must be one column, the outcome, got {lhs!r}")
    if not rhs:
        raise _formula_error(param, formula, "nothing on the right of '~'")
    return outcome, rhs


def _variables(rhs: str, columns) -> list[str]:
    """The table columns a right-hand side names (as a word, or quoted in ``Q("...")``): rows missing one of them
    are left out before the formula is evaluated, so a value a transform cannot take is found, not dropped."""
    quoted = {m[1] for m in re.findall(r"""Q\(\s*(['"])(.+?)\1""", rhs)}
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rhs)) | quoted
    return [c for c in columns if c in words]


def _unknown_name(message: str) -> str | None:
    found = re.search(r"name '([^']+)' is not defined", message)
    return found.group(1) if found else None


def design(frame: pd.DataFrame, formula: str, data: str, param: str = "formula") -> FormulaDesign:
    """Read ``formula`` against ``frame`` (from the file or dataset ``data``, for messages)."""
    from statsmodels.formula import handle_formula_data

    outcome, rhs = split(formula, param)
    if outcome not in frame.columns:
        raise _formula_error(param, formula, f"column {outcome!r} is not in {data}; its columns are "
                             + ", ".join(map(str, frame.columns)))
    if frame[outcome].isna().all():
        raise DataError(f"parameter '{param}': column {outcome!r} of {data} is empty: every one of its {len(frame)} "
                        "values is missing")
    variables = _variables(rhs, frame.columns)
    if outcome in variables:
        raise _formula_error(param, formula, f"the outcome {outcome!r} cannot also be on the right of '~'")
    present = frame[[outcome, *variables]].notna().all(axis=1).to_numpy()
    used = frame.loc[present].assign(**{_ROW: np.flatnonzero(present).astype(np.float64)})
    try:
        with np.errstate(all="ignore"):  # a transform's NaN or infinity is refused below, naming the term
            (endog, exog), _, _ = handle_formula_data(used, None, f"{_ROW} ~ {rhs}", depth=1, missing="drop")
    except Exception as exc:  # the engine's errors come in several kinds, each with a readable message
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        name = _unknown_name(str(exc))
        if name is not None:
            raise _formula_error(param, formula, f"column {name!r} is not in {data}; its columns are "
                                 + ", ".join(map(str, frame.columns))) from None
        raise _formula_error(param, formula, f"cannot read it as a formula on {data}: {message}") from None
    names = [str(c) for c in exog.columns]
    if "Intercept" not in names:
        raise _formula_error(param, formula, "the models here always have an intercept: leave out '- 1' and '0 +'")
    rows = np.zeros(len(frame), dtype=bool)
    rows[np.asarray(endog, dtype=np.float64).ravel().astype(np.int64)] = True
    undefined = present & ~rows  # every variable present, yet a transform gave NaN
    if undefined.any():
        raise DataError(f"parameter '{param}': a term of the formula is undefined (NaN) in {int(undefined.sum())} "
                        f"rows whose variables are all present (the first is data row "
                        f"{int(np.flatnonzero(undefined)[0]) + 1}); expected finite numbers (leave such rows out, or "
                        "change the transform)")
    if not rows.any():
        raise DataError(f"parameter '{param}': no row of {data} has the outcome and every variable of the formula")
    X = pd.DataFrame(np.asarray(exog, dtype=np.float64), columns=names)
    bad = ~np.isfinite(X.to_numpy())
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        first = int(np.flatnonzero(rows)[np.flatnonzero(bad[:, j])[0]]) + 1
        raise DataError(f"parameter '{param}': the term {names[j]!r} is not a finite number in "
                        f"{int(bad[:, j].sum())} of the rows used (the first is data row {first}); expected finite "
                        "numbers (leave such rows out, or change the transform)")
    X = X.rename(columns={"Intercept": "const"})
    X = X[["const", *[c for c in X.columns if c != "const"]]]
    return FormulaDesign(outcome, X, rows, _terms(list(X.columns), frame.loc[rows]))


def _variable(factor: str, columns) -> str | None:
    """The table column a factor expression codes: ``city`` for ``city``, ``C(city)`` or ``C(city, ...)``."""
    inner = re.match(r"^C\(\s*(?:Q\(\s*(['\"])(?P<q>.+?)\1\s*\)|(?P<n>[^,()]+?))\s*(?:,.*)?\)$", factor)
    name = (inner.group("q") or inner.group("n").strip()) if inner else factor
    return name if name in columns else None


def _terms(columns: list[str], used: pd.DataFrame) -> dict[str, Term]:
    """What each design column is: a level of a factor (``factor[T.level]``), compared with the factor's level that
    has no column of its own, or a quantity."""
    terms = {c: Term(c, "quantity") for c in columns if c != "const"}
    by_factor: dict[str, list[tuple[str, str]]] = {}
    for c in terms:
        m = _LEVEL.match(c)
        if m and ":" not in m.group("factor"):
            by_factor.setdefault(m.group("factor"), []).append((c, m.group("level")))
    for factor, cols in by_factor.items():
        variable = _variable(factor, used.columns)
        if variable is None:
            continue
        levels = sorted({str(v) for v in used[variable].unique()}, key=lambda v: (len(v), v))
        rest = [v for v in levels if v not in {lvl for _, lvl in cols}]
        reference = rest[0] if len(rest) == 1 else None
        for col, level in cols:
            terms[col] = Term(col, "level", factor, variable, level, reference)
    return terms
