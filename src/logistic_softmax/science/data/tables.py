"""Data for the reports: a statsmodels dataset or a CSV file, an outcome and numeric predictors.

The GLM and network notebooks share one convention for their data parameters, and :func:`from_params` reads them:

``data``
    the name of a dataset bundled with statsmodels (``spector``, ``anes96``, ...) or the path of a CSV file
    (relative to the folder ``make`` runs in);
``outcome``
    the outcome column: two classes for logistic regression, two or more for softmax regression;
``predictors``
    the numeric predictor columns (a constant is added);
``formula``
    a model formula, ``passed ~ hours + C(city)`` (empty: ``outcome ~ predictors``): when given, it names the
    outcome and the design, and ``outcome`` and ``predictors`` are not used (:mod:`.formulas`);
``positive``
    for a binary outcome, the label counted as 1 (empty: the larger of the two labels);
``reference``
    for a categorical outcome, the reference category (empty: the first in sorted order);
``pair``
    two classes of a categorical outcome, compared on their own (empty: chosen by the notebook);
``focus``
    one of the predictors, used by figures and tests that look at one predictor (empty: the first).

Optional text parameters are empty strings rather than ``None``: papermill's parameter inspector (``papermill
--help-notebook``) cannot read a ``str | None`` annotation.

Every problem with these raises :class:`~logistic_softmax.errors.DataError`, with one message naming the parameter
or file and what was expected. The runner calls :func:`from_params` (through
:func:`logistic_softmax.notebook.preflight.preflight`) before any kernel starts, so bad data stops a run before
anything is written.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import DataError
from . import formulas

__all__ = [
    "Dataset",
    "MAX_CLASSES",
    "CLASS_NAMES",
    "load_frame",
    "label_of",
    "from_params",
    "statsmodels_datasets",
    "SEPARATORS",
    "sniff_separator",
]

#: Categorical outcomes with more classes than this are refused: a numeric column given as the outcome by mistake
#: would otherwise become hundreds of classes.
MAX_CLASSES = 20

#: Readable names of the classes of the bundled datasets' outcomes, from the statsmodels dataset notes.
CLASS_NAMES = {
    ("spector", "GRADE"): {"0": "grade not improved", "1": "grade improved"},
    ("anes96", "PID"): {
        "0": "Strong Democrat",
        "1": "Weak Democrat",
        "2": "Independent-Democrat",
        "3": "Independent-Independent",
        "4": "Independent-Republican",
        "5": "Weak Republican",
        "6": "Strong Republican",
    },
    ("anes96", "vote"): {"0": "Clinton", "1": "Dole"},
}


@functools.cache
def statsmodels_datasets() -> tuple[str, ...]:
    """Names of the datasets bundled with statsmodels that load offline as one table."""
    import statsmodels.datasets as smd

    names = []
    for name in dir(smd):
        mod = getattr(smd, name)
        if not name.startswith("_") and hasattr(mod, "load_pandas") and hasattr(mod, "NOTE"):
            names.append(name)
    return tuple(sorted(names))


def load_frame(data: str, param: str = "data") -> tuple[pd.DataFrame, str]:
    """Load ``data`` (a statsmodels dataset name or a CSV path); return the table and a one-line description in
    plain text (which names the file: a report shows it escaped)."""
    if data in statsmodels_datasets():
        import statsmodels.datasets as smd

        frame = getattr(smd, data).load_pandas().data
        return frame.copy(), f"the statsmodels dataset {data}"
    path = Path(data).expanduser()
    if path.suffix.lower() != ".csv" and not path.exists():
        raise DataError(
            f"parameter '{param}': expected a statsmodels dataset ({', '.join(statsmodels_datasets())}) "
            f"or the path of a CSV file, got {data!r}"
        )
    if not path.is_file():
        raise DataError(f"parameter '{param}': CSV file {path} not found (relative paths start at {Path.cwd()})")
    sep = sniff_separator(path, param)
    try:
        frame = pd.read_csv(path, sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"parameter '{param}': {path} is not a readable CSV file: {exc}") from None
    if frame.empty:
        raise DataError(f"parameter '{param}': CSV file {path} has no rows")
    if sep == ",":
        return frame, f"the CSV file {path}"
    converted = _decimal_commas(frame)
    how = f"the CSV file {path} (read as separated by {SEPARATORS[sep]}" + (
        f"; {', '.join(converted)} read with a decimal comma)" if converted else ")")
    return frame, how


#: The separators a CSV file may use, with their names; a file is read with the one its header line uses most.
SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
_DECIMAL_COMMA = r"^\s*[+-]?\d+(,\d+)?([eE][+-]?\d+)?\s*$"


def sniff_separator(path: Path, param: str = "data") -> str:
    """The separator of a CSV file: the one of :data:`SEPARATORS` that its header line holds most often (a comma
    when it holds none, a file of one column)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = fh.readline()
    except UnicodeDecodeError as exc:
        raise DataError(f"parameter '{param}': {path} is not a readable CSV file: {exc}") from None
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


def _decimal_commas(frame: pd.DataFrame) -> list[str]:
    """Convert, in place, the text columns of a file not separated by commas whose every value is a number written
    with a decimal comma (``1,5``), as such files often are; return their names."""
    converted = []
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        text = col.dropna().astype(str)
        if len(text) and text.str.contains(",").any() and text.str.match(_DECIMAL_COMMA).all():
            frame[name] = pd.to_numeric(col.str.replace(",", ".", regex=False))
            converted.append(str(name))
    return converted


def label_of(value: Any) -> str:
    """The text label of an outcome value: ``3.0`` becomes ``"3"``, strings stay as they are."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Dataset:
    """An outcome coded 0..K-1 and a design matrix with a leading constant, ready for statsmodels and the networks."""

    name: str
    description: str
    outcome: str
    predictors: tuple[str, ...]
    X: pd.DataFrame  # n x (1 + p): "const" then the predictors, float64
    codes: np.ndarray  # n, int: index into classes
    classes: tuple[str, ...]  # labels in sorted order of the original values
    n_dropped: int  # rows dropped for a missing value in the outcome or a predictor
    terms: dict[str, formulas.Term] = field(default_factory=dict)  # what each design column is, from a formula
    formula: str = ""  # the formula that made the design, if one did

    def term(self, column: str) -> formulas.Term:
        """What a design column is: a level of a factor, or a quantity."""
        return self.terms.get(column) or formulas.Term(column, "quantity")

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def K(self) -> int:
        return len(self.classes)

    @property
    def counts(self) -> pd.Series:
        return pd.Series(np.bincount(self.codes, minlength=self.K), index=list(self.classes), name="count")

    def class_name(self, label: str) -> str:
        """A readable name for a class label (the label itself when none is known)."""
        return CLASS_NAMES.get((self.name, self.outcome), {}).get(label, label)

    def binary(self, positive: str) -> np.ndarray:
        """The outcome as 0/1 floats, 1 for the class ``positive``."""
        return (self.codes == self.classes.index(positive)).astype(np.float64)

    def without(self, predictor: str) -> Dataset:
        """The same data with one predictor left out (for a nested model)."""
        rest = tuple(p for p in self.predictors if p != predictor)
        return Dataset(
            self.name,
            self.description,
            self.outcome,
            rest,
            self.X.drop(columns=predictor),
            self.codes,
            self.classes,
            self.n_dropped,
            {c: t for c, t in self.terms.items() if c != predictor},
            self.formula,
        )

    def subset(self, labels: list[str]) -> Dataset:
        """The rows whose class is in ``labels``, recoded to those classes (in the order of ``self.classes``)."""
        keep = [c for c in self.classes if c in labels]
        idx = [self.classes.index(c) for c in keep]
        rows = np.isin(self.codes, idx)
        recode = np.full(self.K, -1, dtype=np.int64)
        recode[idx] = np.arange(len(idx))
        codes = recode[self.codes[rows]]
        X = self.X.loc[rows].reset_index(drop=True)
        return Dataset(self.name, self.description, self.outcome, self.predictors, X, codes, tuple(keep), 0,
                       self.terms, self.formula)


def _numeric_predictors(frame: pd.DataFrame, predictors: list[str], data: str, param: str = "predictors",
                        outcome: str = "outcome") -> None:
    if not predictors:
        raise DataError(f"parameter '{param}': expected at least one predictor column, got an empty list")
    dupes = sorted({p for p in predictors if predictors.count(p) > 1})
    if dupes:
        raise DataError(f"parameter '{param}': each column may appear once, {', '.join(dupes)} appears twice")
    for p in predictors:
        if p not in frame.columns:
            raise DataError(f"parameter '{param}': column {p!r} is not in {data}; {_columns(frame)}")
        col = frame[p]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            example = ", ".join(repr(v) for v in col.dropna().astype(str).unique()[:3])
            raise DataError(
                f"parameter '{param}': column {p!r} of {data} must be numeric, it holds text such as {example} "
                f"(to use it as a categorical predictor, give a formula instead of the lists, e.g. "
                f"{param.replace('predictors', 'formula')}='{outcome} ~ ... + C({p})'; or leave it out)"
            )
    if "const" in predictors:
        raise DataError(f"parameter '{param}': 'const' is added by the model itself; leave it out of the list")


def from_params(values: dict[str, Any], *, kind: str | None = None, prefix: str = "") -> Dataset:
    """Load and check the dataset that a notebook's parameters (``data``, ``outcome``, ...) describe.

    ``kind`` is ``"binary"`` (exactly two classes), ``"categorical"`` (2 to :data:`MAX_CLASSES` classes) or
    ``None``, which means binary when the parameters include ``positive`` and categorical otherwise.
    ``prefix`` reads a second set of data parameters from the same notebook (``layer_data``, ``layer_outcome``,
    ... for ``prefix="layer_"``); the messages name the prefixed parameters.
    """

    def key(role: str) -> str:
        return prefix + role

    data = values[key("data")]
    formula = str(values.get(key("formula")) or "").strip()
    if kind is None:
        kind = "binary" if key("positive") in values else "categorical"
    frame, description = load_frame(data, key("data"))
    if formula:
        fd = formulas.design(frame, formula, data, key("formula"))
        outcome, predictors, X, terms = fd.outcome, [c for c in fd.X.columns if c != "const"], fd.X, fd.terms
        y, n_dropped = frame.loc[fd.rows, outcome], int((~fd.rows).sum())
    else:
        outcome, predictors, terms = values[key("outcome")], [str(p) for p in values[key("predictors")]], {}
        X, y, n_dropped = _columns_as_given(frame, outcome, predictors, data, prefix)
    values_sorted = sorted(y.unique(), key=_sort_key)
    classes = tuple(label_of(v) for v in values_sorted)
    if len(set(classes)) != len(classes):
        raise DataError(f"parameter '{key('outcome')}': the values of {outcome!r} give duplicate labels {classes}")
    if len(classes) < 2:
        raise DataError(
            f"parameter '{key('outcome')}': column {outcome!r} has one class ({classes[0]!r}) in the rows used; "
            "a model of class probabilities needs at least two"
        )
    if kind == "binary" and len(classes) != 2:
        raise DataError(
            f"parameter '{key('outcome')}': logistic regression needs exactly two classes, {outcome!r} has "
            f"{len(classes)} ({_show(classes)}); use the softmax-regression notebook or pick a two-class column"
        )
    if kind == "categorical" and len(classes) > MAX_CLASSES:
        raise DataError(
            f"parameter '{key('outcome')}': column {outcome!r} has {len(classes)} distinct values, more than the "
            f"{MAX_CLASSES} classes this notebook supports; is it a measurement rather than a category?"
        )
    for pname in ("positive", "reference"):
        given = values.get(key(pname))
        if given not in (None, "") and str(given) not in classes:
            raise DataError(
                f"parameter '{key(pname)}': expected one of the classes of {outcome!r} ({_show(classes)}), "
                f"got {given!r}"
            )
    pair = values.get(key("pair")) or []
    if pair and (len(pair) != 2 or str(pair[0]) == str(pair[1]) or not {str(c) for c in pair} <= set(classes)):
        raise DataError(
            f"parameter '{key('pair')}': expected two different classes of {outcome!r} ({_show(classes)}), got {pair!r}"
        )
    focus = values.get(key("focus"))
    if focus not in (None, "") and focus not in predictors:
        raise DataError(
            f"parameter '{key('focus')}': expected one of the predictors ({', '.join(predictors)}), got {focus!r}"
        )
    index = {v: i for i, v in enumerate(values_sorted)}
    codes = y.map(index).to_numpy(dtype=np.int64)
    name = data if data in statsmodels_datasets() else Path(data).stem
    return Dataset(name, description, outcome, tuple(predictors), X, codes, classes, n_dropped, terms, formula)


def _columns_as_given(frame: pd.DataFrame, outcome: str, predictors: list[str], data: str, prefix: str):
    """The design (with its constant), the outcome and the count of rows left out, from ``outcome`` and
    ``predictors`` named one by one."""
    if outcome not in frame.columns:
        raise DataError(f"parameter '{prefix}outcome': column {outcome!r} is not in {data}; {_columns(frame)}")
    if outcome in predictors:
        raise DataError(f"parameter '{prefix}predictors': the outcome {outcome!r} cannot also be a predictor")
    _numeric_predictors(frame, predictors, data, prefix + "predictors", outcome)
    _present_and_finite(frame, outcome, predictors, data, prefix)
    used = frame[[outcome, *predictors]]
    complete = used.notna().all(axis=1)
    used = used.loc[complete]
    if used.empty:
        raise DataError(f"parameter '{prefix}data': no row of {data} has the outcome and every predictor present")
    return _with_constant(used, predictors), used[outcome], int((~complete).sum())


def _present_and_finite(frame: pd.DataFrame, outcome: str, predictors: list[str], data: str, prefix: str) -> None:
    """Refuse a column with no value at all, and a predictor with an infinite value (a model of finite numbers
    cannot use it, and the fit would fail in a linear-algebra routine with no word of which column)."""
    for name, param in ((outcome, "outcome"), *((p, "predictors") for p in predictors)):
        if frame[name].isna().all():
            raise DataError(
                f"parameter '{prefix}{param}': column {name!r} of {data} is empty: every one of its {len(frame)} "
                f"values is missing (expected {'class labels' if param == 'outcome' else 'numbers'})"
            )
    for name in predictors:
        values = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.isinf(values)
        if bad.any():
            first = int(np.argmax(bad))
            raise DataError(
                f"parameter '{prefix}predictors': column {name!r} of {data} holds {int(bad.sum())} infinite "
                f"value(s), the first {values[first]:+g} in data row {first + 1}; expected finite numbers "
                "(leave such rows out, or replace the values)"
            )


def _with_constant(used: pd.DataFrame, predictors: list[str]) -> pd.DataFrame:
    """The design in one float64 block, ``const`` first, filled column by column: ``X.to_numpy()`` is then a view of
    it, not a copy, and statsmodels' fits share it."""
    A = np.empty((len(used), len(predictors) + 1), order="F")
    A[:, 0] = 1.0
    for k, p in enumerate(predictors, start=1):
        A[:, k] = used[p].to_numpy(dtype=np.float64)
    return pd.DataFrame(A, columns=["const", *predictors], copy=False)


def _columns(frame: pd.DataFrame) -> str:
    return "its columns are " + ", ".join(map(str, frame.columns))


def _sort_key(v: Any) -> tuple:
    return (0, float(v), "") if isinstance(v, (int, float, np.integer, np.floating)) else (1, 0.0, str(v))


def _show(classes: tuple[str, ...]) -> str:
    shown = ", ".join(repr(c) for c in classes[:8])
    return shown + (", ..." if len(classes) > 8 else "")
