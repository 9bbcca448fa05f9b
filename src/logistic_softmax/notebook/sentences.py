"""Sentences in Markdown that describe a run's data: every label, column and file name in them is a user's string,
written with :func:`~logistic_softmax.notebook.escaping.text` so that it shows as text and never as markup."""

from __future__ import annotations

from .escaping import code, text

__all__ = ["data_sentence", "class_label"]


def class_label(setup, c: str) -> str:
    """A class label, with its name when the data give one, as text for a Markdown sentence."""
    return text(setup.label(c))


def data_sentence(setup) -> str:
    """Where the data of a :class:`~logistic_softmax.science.glm_setup.GlmSetup` come from, how many rows were used
    and what the outcome is, in one Markdown sentence."""
    ds = setup.ds
    dropped = f" ({ds.n_dropped} rows with a missing value left out)" if ds.n_dropped else ""
    lead = f"Data: {text(ds.description)}, {ds.n} observations{dropped}. Outcome {code(ds.outcome)}"
    if setup.positive is not None:
        pos, neg = setup.positive, setup.negative
        return (f"{lead}: **{text(pos)}** ({text(ds.class_name(pos))}) is coded 1, {text(neg)} "
                f"({text(ds.class_name(neg))}) is 0.")
    return f"{lead} with {ds.K} classes; the reference class is **{class_label(setup, setup.reference)}**."
