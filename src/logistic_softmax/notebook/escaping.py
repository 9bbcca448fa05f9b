"""User data is text, never markup: a class label, a column name or a file name from a user's data shows in a report
as the characters it holds, whatever they are (``<script>``, ``**``, ``$x$``, a backtick).

* In a Markdown sentence, :func:`text` (or :func:`code`, for a name shown in a code font) writes every character
  that is not a letter, digit or space as a numeric character reference inside an element that MathJax skips
  (class ``tex2jax_ignore``): neither the Markdown renderer nor HTML nor MathJax can read anything into it, and the
  reader sees the characters themselves (in the report and in Jupyter alike).
* A table goes through :func:`styled`: every text label and value is HTML-escaped before pandas' Styler, which does
  not escape by itself, and the table is marked for MathJax to skip.
* A figure's text goes through :func:`figure_text`: matplotlib reads ``$...$`` as mathematics (and stops on an odd
  number of ``$``), so each ``$`` is escaped.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

__all__ = ["text", "code", "styled", "escaped_frame", "figure_text"]

#: MathJax 2.7 (tex2jax) leaves the content of elements of this class alone.
NO_MATH = "tex2jax_ignore"


def _references(value: Any) -> str:
    return "".join(c if c.isalnum() or c == " " else f"&#{ord(c)};" for c in str(value))


def text(value: Any) -> str:
    """``value`` as literal text inside a Markdown sentence (HTML that shows exactly its characters)."""
    return f'<span class="user-text {NO_MATH}">{_references(value)}</span>'


def code(value: Any) -> str:
    """``value`` as literal text in a code font inside a Markdown sentence (a column or file name)."""
    return f'<code class="user-text {NO_MATH}">{_references(value)}</code>'


def _escape(value: Any) -> Any:
    return html.escape(value) if isinstance(value, str) else value


def _escape_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([level.map(_escape) for level in index.levels])
    return index.map(_escape)


def escaped_frame(frame: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """A copy of ``frame`` (a Series becomes a one-column frame) whose text labels and text values are
    HTML-escaped; numbers are left as they are, so number formats still apply."""
    out = frame.to_frame() if isinstance(frame, pd.Series) else frame.copy()
    out.index, out.columns = _escape_index(out.index), _escape_index(out.columns)
    for j in range(out.shape[1]):
        col = out.iloc[:, j]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            out.isetitem(j, col.map(_escape))
    return out


def styled(frame: pd.DataFrame | pd.Series):
    """``frame.style`` for a table that shows user data: escaped (:func:`escaped_frame`), and skipped by MathJax."""
    return escaped_frame(frame).style.set_table_attributes(f'class="{NO_MATH}"')


def figure_text(value: Any) -> str:
    """``value`` as literal text in a matplotlib title, label or legend: every ``$`` escaped."""
    return str(value).replace("$", r"\$")
