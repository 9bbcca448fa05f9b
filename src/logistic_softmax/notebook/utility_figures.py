"""Figures of the random-utility report: simulated choices against the softmax, the Gumbel difference and maximum
against their laws, the row sums of one-vs-rest probabilities, and one-vs-rest log-odds against the softmax's."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..science.monte_carlo import frequency_tolerance
from ..science.random_utility import gumbel_pdf, logistic_pdf
from .escaping import figure_text
from .figures import COLORS, style

__all__ = ["simulated_choices", "ovr_sums", "log_odds_against_rest"]


def simulated_choices(table, n_draws: int, delta_each: float, differences, maxima, location: float):
    """Left: every simulated frequency minus its softmax probability, against that probability, inside the band
    the Monte Carlo bound allows. Middle: the difference of two Gumbel draws against the logistic density. Right: the
    largest of one case's utilities against the Gumbel density with location logsumexp(v)."""
    style()
    fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(13, 3.9))
    p = np.linspace(0, 1, 401)
    band = frequency_tolerance(p, n_draws, delta_each)
    ax0.fill_between(p, -band, band, color=COLORS["grey"], alpha=0.2, label=f"allowed (δ/M = {delta_each:.1e})")
    ax0.plot(table["softmax(v)"], table["frequency"] - table["softmax(v)"], "o", ms=4, color=COLORS["softmax"],
             label="simulated − softmax")
    ax0.axhline(0, color="k", lw=0.8)
    ax0.set(xlabel="softmax(v)ₖ", ylabel="frequency − softmax(v)ₖ", title=f"{n_draws:,} draws per case")
    ax0.legend(fontsize=8, loc="lower left")
    x = np.linspace(-8, 8, 400)
    ax1.hist(differences, bins=120, range=(-8, 8), density=True, color=COLORS["grey"], alpha=0.6, label="ε₁ − ε₂")
    ax1.plot(x, logistic_pdf(x), color=COLORS["logistic"], lw=2, label="logistic density σ(x)(1 − σ(x))")
    ax1.set(xlabel="x", title="difference of two Gumbel draws", ylim=(0, 0.33))
    ax1.legend(fontsize=8, loc="upper left")
    lo, hi = location - 3, location + 7
    x = np.linspace(lo, hi, 400)
    ax2.hist(maxima, bins=120, range=(lo, hi), density=True, color=COLORS["grey"], alpha=0.6, label="maxₖ (vₖ + εₖ)")
    ax2.plot(x, gumbel_pdf(x, location), color=COLORS["softmax"], lw=2,
             label=f"Gumbel, location logsumexp(v) = {location:.3g}")
    ax2.set(xlabel="largest utility", title="the maximum is Gumbel again", ylim=(0, 0.5))
    ax2.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def ovr_sums(sums: dict):
    """One histogram per data set of the row sums of the one-vs-rest probabilities, with the line at one."""
    style()
    fig, axes = plt.subplots(1, len(sums), figsize=(5 * len(sums), 3.6), squeeze=False)
    for ax, (name, s) in zip(axes[0], sums.items(), strict=True):
        s = np.asarray(s, dtype=np.float64)
        span = (min(s.min(), 0.99), max(s.max(), 1.01))  # at least [0.99, 1.01]: sums of two classes are all 1
        ax.hist(s, bins=60, range=span, color=COLORS["logistic"], alpha=0.75)
        ax.axvline(1.0, color="k", lw=1.2, ls="--", label="1 (every softmax row)")
        ax.set(xlabel="Σₖ σ(xᵢᵀβₖ) over the one-vs-rest models", ylabel="observations",
               title=f"{figure_text(name)}: {s.min():.3g} to {s.max():.3g}")
        ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def log_odds_against_rest(pairs: dict):
    """For every observation and class, the one-vs-rest log-odds ``x' beta_k`` against the softmax's log-odds of the
    class against the rest, ``z_k - logsumexp_{j != k} z_j``; ``pairs`` maps a data set's name to the two arrays."""
    style()
    fig, axes = plt.subplots(1, len(pairs), figsize=(5 * len(pairs), 4.0), squeeze=False)
    for ax, (name, (ovr, soft)) in zip(axes[0], pairs.items(), strict=True):
        ovr, soft = np.asarray(ovr, dtype=np.float64), np.asarray(soft, dtype=np.float64)
        keep = np.isfinite(ovr) & np.isfinite(soft)
        ax.plot(soft[keep], ovr[keep], ".", ms=2, alpha=0.3, color=COLORS["softmax"])
        if keep.any():
            lo, hi = np.quantile(np.r_[soft[keep], ovr[keep]], [0.001, 0.999])
            ax.plot([lo, hi], [lo, hi], color="k", lw=1, ls="--", label="equal")
            ax.set(xlim=(lo, hi), ylim=(lo, hi))
            ax.legend(fontsize=8, loc="upper left")
        ax.set(xlabel="softmax: zₖ − logsumexp of the others", ylabel="one-vs-rest: xᵀβₖ",
               title=f"{figure_text(name)}: log-odds of a class against the rest")
    fig.tight_layout()
    return fig
