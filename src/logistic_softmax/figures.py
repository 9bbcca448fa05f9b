"""Figures for the reports. Each function draws one figure and returns it (the notebook assigns it, so the
inline backend shows it once)."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np

from .links import log_sigmoid, naive_log_sigmoid, sigmoid, softmax
from .numerics import overflow_threshold

__all__ = ["style", "softmax_is_sigmoid_of_difference", "naive_loss_overflow", "stackexchange_curves"]

COLORS = {"softmax": "#2b6cb0", "logistic": "#dd6b20", "question": "#9b2c2c", "grey": "#718096"}


def style() -> None:
    """A quiet, readable matplotlib style shared by every report."""
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "figure.figsize": (9, 3.6),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 10,
            "legend.frameon": False,
        }
    )


def softmax_is_sigmoid_of_difference(limit: float = 6.0, n: int = 241):
    """Left: softmax(z1, z2)_1 over the plane; its contours are the lines z1 - z2 = const. Right: softmax values
    for several fixed z2 plotted against z1 - z2 all fall on the one sigmoid curve."""
    style()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4.2))
    g = np.linspace(-limit, limit, n)
    z1, z2 = np.meshgrid(g, g, indexing="xy")
    p = softmax(np.stack([z1, z2], axis=-1), axis=-1)[..., 0]
    im = ax0.imshow(p, origin="lower", extent=(-limit, limit, -limit, limit), cmap="RdBu_r", vmin=0, vmax=1)
    cs = ax0.contour(z1, z2, p, levels=[0.05, 0.25, 0.5, 0.75, 0.95], colors="k", linewidths=0.8)
    ax0.clabel(cs, fmt="%.2f", fontsize=8)
    ax0.set(xlabel="$z_1$", ylabel="$z_2$", title=r"softmax$(z_1, z_2)_1$: contours are lines $z_1 - z_2$ = const")
    ax0.grid(False)
    fig.colorbar(im, ax=ax0, fraction=0.046, pad=0.04)
    d = np.linspace(-2 * limit, 2 * limit, 400)
    ax1.plot(d, sigmoid(d), color=COLORS["logistic"], lw=3, alpha=0.5, label=r"$\sigma(z_1 - z_2)$")
    markers = ["o", "s", "^", "D", "v"]
    for m, fixed in zip(markers, [-4.0, -1.0, 0.0, 2.0, 5.0], strict=True):
        zz1 = np.linspace(fixed - 2 * limit, fixed + 2 * limit, 25)
        pp = softmax(np.stack([zz1, np.full_like(zz1, fixed)], axis=1), axis=1)[:, 0]
        ax1.plot(zz1 - fixed, pp, m, ms=4, ls="none", label=f"softmax, $z_2$ = {fixed:g}")
    ax1.set(xlabel="$z_1 - z_2$", ylabel="probability of class 1", title="every $z_2$ gives the same curve")
    ax1.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def naive_loss_overflow(z_max: float = 1000.0):
    """The loss -log sigmoid(z) for z in [-z_max, 0]: the naive formula becomes inf where exp(-z) overflows."""
    style()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    for ax, dtype in zip(axes, (np.float64, np.float32), strict=True):
        z = np.linspace(-z_max, 0, 2001).astype(dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the overflow is the point of this figure
            naive = -naive_log_sigmoid(z)
        ok = np.isfinite(naive)
        ax.plot(z, -log_sigmoid(z), color=COLORS["softmax"], lw=3, alpha=0.6, label="stable: softplus(-z)")
        ax.plot(z[ok], naive[ok], color=COLORS["question"], lw=1.2, ls="--", label="naive: -log(1/(1+exp(-z)))")
        edge = -overflow_threshold(dtype)
        ax.axvline(edge, color=COLORS["grey"], lw=1, ls=":")
        ax.annotate(
            f"naive = inf\nfor z < {edge:.1f}",
            xy=(edge, float(-edge)),
            xytext=(-z_max * 0.9, float(z_max) * 0.45),
            fontsize=8,
            arrowprops={"arrowstyle": "->", "color": COLORS["grey"]},
        )
        ax.set(xlabel="z", title=f"{np.dtype(dtype).name}: loss of a positive example")
    axes[0].set_ylabel(r"$-\log\sigma(z)$")
    axes[0].legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def stackexchange_curves(x: float, b1: float, b2: float, span: float = 4.0):
    """Probability of the first class against x: the softmax with (b1, b2), the logistic curve with weight b1 - b2
    (identical) and the question's logistic curve with weight b1 (different unless b2 = 0)."""
    style()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    lim = max(span, abs(x) * 1.5)
    xs = np.linspace(-lim, lim, 400)
    p_soft = softmax(np.stack([xs * b1, xs * b2], axis=1), axis=1)[:, 0]
    ax.plot(xs, p_soft, color=COLORS["softmax"], lw=4, alpha=0.45, label=f"softmax([x·{b1:g}, x·{b2:g}])₁")
    ax.plot(
        xs,
        sigmoid(xs * (b1 - b2)),
        color=COLORS["logistic"],
        lw=1.5,
        ls="--",
        label=f"σ(x·(b1 − b2)) = σ(x·{b1 - b2:g})  (the answer, class 1 as success)",
    )
    ax.plot(
        xs, sigmoid(xs * b1), color=COLORS["question"], lw=1.5, ls=":", label=f"σ(x·b1) = σ(x·{b1:g})  (the question)"
    )
    p_question, p_answer = float(sigmoid(x * b1)), float(sigmoid(x * (b1 - b2)))
    ax.axvline(x, color=COLORS["grey"], lw=1, ls=":")
    ax.plot([x], [p_question], "o", color=COLORS["question"], ms=6)
    ax.plot([x], [p_answer], "o", color=COLORS["softmax"], ms=6)
    ax.set(
        xlabel="x",
        ylabel="P(first class | x)",
        ylim=(-0.02, 1.02),
        title=f"the question's point x = {x:g}: {p_question:.4f} vs {p_answer:.4f}",
    )
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig
