"""Sentences in Markdown that describe a run's data: every label, column and file name in them is a user's string,
written with :func:`~logistic_softmax.notebook.escaping.text` so that it shows as text and never as markup."""

from __future__ import annotations

from .escaping import code, text

__all__ = ["data_sentence", "class_label", "effect_sentence"]


def class_label(setup, c: str) -> str:
    """A class label, with its name when the data give one, as text for a Markdown sentence."""
    return text(setup.label(c))


def data_sentence(setup) -> str:
    """Where the data of a :class:`~logistic_softmax.science.glm_setup.GlmSetup` come from, how many rows were used
    and what the outcome is, in one Markdown sentence."""
    ds = setup.ds
    dropped = f" ({ds.n_dropped} rows with a missing value left out)" if ds.n_dropped else ""
    model = (f" Model formula {code(ds.formula)}: {len(ds.predictors)} design columns besides the constant "
             f"({', '.join(code(c) for c in ds.predictors)}).") if ds.formula else ""
    lead = f"Data: {text(ds.description)}, {ds.n} observations{dropped}.{model} Outcome {code(ds.outcome)}"
    if setup.positive is not None:
        pos, neg = setup.positive, setup.negative
        return (f"{lead}: **{text(pos)}** ({text(ds.class_name(pos))}) is coded 1, {text(neg)} "
                f"({text(ds.class_name(neg))}) is 0.")
    return f"{lead} with {ds.K} classes; the reference class is **{class_label(setup, setup.reference)}**."


def _times(r: float) -> str:
    return f"{r:.3g}"


def _interacting(column: str, columns) -> bool:
    return any(c != column and column in c.split(":") for c in columns)


def effect_sentence(column: str, row, alpha: float, what: str, *, term=None, columns=()) -> str:
    """One plain sentence for one row of :func:`~logistic_softmax.science.interpret.ratio_table` (``exp(coef)``
    with its interval): what one more unit of a quantity, or one level of a factor rather than its reference level
    (``term``, a :class:`~logistic_softmax.science.data.formulas.Term`), does to ``what`` (the odds, already
    written for Markdown). ``columns`` are the design's columns, to say when an interaction qualifies the effect."""
    r, lo, hi = row["exp(coef)"], row["ci low"], row["ci high"]
    pct = 100 * abs(r - 1)
    shown = f"{pct:,.0f}%" if pct >= 100 else f"{pct:.3g}%"
    change = f"raises them by {shown}" if r >= 1 else f"lowers them by {shown}"
    ratio = f"{_times(r)} ({100 * (1 - alpha):g}% CI {_times(lo)} to {_times(hi)}), that is, it {change}"
    sig = "" if (lo > 1 or hi < 1) else "; the interval includes 1, so the data are also consistent with no effect"
    if term is not None and term.kind == "level":
        return (f"{text(term.variable)} being {text(term.level)} rather than {text(term.reference)} multiplies {what} "
                f"by {ratio}, the other predictors held fixed{sig}.")
    if ":" in column:
        return (f"The interaction {code(column)}: one more unit of the product multiplies {what} by {ratio}, on top of "
                f"the main effects (the effect of each of its variables depends on the value of the other){sig}.")
    held = ("the other predictors held fixed, and the variables it interacts with at 0"
            if _interacting(column, columns) else "the other predictors held fixed")
    return f"One more unit of {text(column)} multiplies {what} by {ratio}, {held}{sig}."
