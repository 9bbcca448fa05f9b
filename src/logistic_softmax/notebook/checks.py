"""Claims made in a report, asserted in code with their numeric evidence shown.

Each function raises :class:`ClaimFailed` when the claim does not hold, so a report cannot render a claim that is
false, and otherwise displays one line of evidence (the largest difference and the tolerance it was held to).
"""

from __future__ import annotations

import numpy as np

from ..errors import ClaimFailed
from ..templating import render_snippet

__all__ = ["ClaimFailed", "check", "check_close", "check_close_unless", "max_abs_diff", "skip"]


class _Evidence:
    """A displayable line of evidence: HTML in the report, plain text elsewhere."""

    def __init__(self, ok: bool | None, claim: str, evidence: str):
        self.ok, self.claim, self.evidence = ok, claim, evidence

    def __repr__(self) -> str:
        mark = {True: "✓", False: "✗", None: "–"}[self.ok]
        return f"{mark} {self.claim}: {self.evidence}"

    def _repr_html_(self) -> str:
        return render_snippet("notebook/claim.html.j2", ok=self.ok, claim=self.claim, evidence=self.evidence)


def _show(obj) -> None:
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        print(repr(obj))
        return
    display(obj)


def check(claim: str, condition, evidence: str = "") -> None:
    """Assert a boolean claim and show ``evidence``; raise :class:`ClaimFailed` if it is false."""
    ok = bool(np.all(condition))
    _show(_Evidence(ok, claim, evidence or ("holds" if ok else "does not hold")))
    if not ok:
        raise ClaimFailed(f"claim does not hold: {claim} ({evidence})")


def _abs_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise ``|a - b|``, with equal infinities counted as no difference (NaN stays NaN)."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(a) & (a == b), 0.0, np.abs(a - b))


def max_abs_diff(actual, expected) -> float:
    """Largest absolute elementwise difference (``nan`` if either side holds a NaN the other does not)."""
    a, b = np.broadcast_arrays(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64))
    if a.size == 0:
        return 0.0
    d = _abs_diff(a, b)
    return float(np.max(d)) if not np.isnan(d).any() else float("nan")


def check_close(claim: str, actual, expected, *, atol=0.0, rtol=0.0) -> float:
    """Assert ``|actual - expected| <= atol + rtol * |expected|`` everywhere; return the max absolute difference.

    ``atol`` and ``rtol`` may be arrays (broadcast against the values) when the attainable accuracy differs per
    element.

    NaN on either side fails the claim (a NaN is never evidence of agreement).
    """
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected, dtype=np.float64)
    a, b = np.broadcast_arrays(a, b)
    n_nan = int(np.isnan(a).sum() + np.isnan(b).sum())
    diff = max_abs_diff(a, b)
    if n_nan:
        ok = False
        evidence = f"{n_nan} NaN value(s) among {a.size} compared"
    else:
        with np.errstate(invalid="ignore"):
            relative = np.where(b == 0, 0.0, rtol * np.abs(b))  # a relative tolerance allows nothing around 0
            ok = bool(np.all(_abs_diff(a, b) <= atol + relative))
        amax, rmax = float(np.max(atol)), float(np.max(rtol))
        rel = f"rtol {rmax:.1e}" if np.ndim(rtol) == 0 else f"rtol up to {rmax:.1e}"
        tol = (f"atol {amax:.1e}" if np.ndim(atol) == 0 else f"atol up to {amax:.1e}") + (
            f" + {rel}·|expected|" if rmax else ""
        )
        evidence = f"max |difference| = {diff:.3e} over {a.size} value(s) (tolerance {tol})"
    _show(_Evidence(ok, claim, evidence))
    if not ok:
        raise ClaimFailed(f"claim does not hold: {claim} ({evidence})")
    return diff


def skip(claim: str, reason: str) -> None:
    """Show that ``claim`` was not checked in this run, and why (e.g. the fit it needs does not exist)."""
    _show(_Evidence(None, claim, reason))


def check_close_unless(reason: str | None, claim: str, actual, expected, *, atol=0.0, rtol=0.0) -> float:
    """:func:`check_close`, or, when ``reason`` is given, :func:`skip` with the reason and the measured difference.

    For claims whose tolerance is only justified under a condition this run does not meet (training converged, a
    stable learning rate): the difference is still shown, and returned, but not asserted.
    """
    if reason is None:
        return check_close(claim, actual, expected, atol=atol, rtol=rtol)
    diff = max_abs_diff(actual, expected)
    skip(claim, f"{reason}; the largest difference is {diff:.3g}")
    return diff
