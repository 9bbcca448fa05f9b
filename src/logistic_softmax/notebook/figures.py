"""Figures for the reports: the shared style, and the figures of the link-function and GLM reports. Each function
draws one figure and returns it (the notebook assigns it, so the inline backend shows it once). The networks' figures
are in :mod:`.network_figures`, the MNIST report's in :mod:`.mnist_figures`."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np

from ..science.links import log_sigmoid, naive_log_sigmoid, sigmoid, softmax
from ..science.numerics import overflow_threshold
from .escaping import figure_text

__all__ = [
    "style",
    "softmax_is_sigmoid_of_difference",
    "naive_loss_overflow",
    "stackexchange_curves",
    "logit_profile",
    "class_probabilities",
    "COLORS",
    "SHOWN_MAX",
    "SCATTER_MAX",
]

#: Values above this are not drawn on a log axis (matplotlib overflows computing its limits near float64's max).
SHOWN_MAX = 1e100

#: The most observations drawn as points in a figure; above it a seeded random sample of this many is drawn.
SCATTER_MAX = 2000

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


def logit_profile(x, band, x_obs, y_obs, *, focus: str, positive: str, level: str):
    """Left: fitted P(positive) against ``focus`` with its interval, and the observed 0/1 outcomes (jittered a
    little vertically; at most :data:`SCATTER_MAX` of them, drawn at random). Right: the same fit on the log-odds
    scale, where it is a straight line.

    ``band`` holds the columns of :func:`logistic_softmax.science.interpret.linear_predictor_band` at the points ``x``.
    """
    style()
    focus, positive = figure_text(focus), figure_text(positive)  # a user's names: text, not mathtext
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4.0))
    rng = np.random.default_rng(0)  # which points are drawn and their jitter only: never changes a number
    x_obs, y_obs, n = np.asarray(x_obs), np.asarray(y_obs), len(y_obs)
    label = "observed (0 or 1)"
    if n > SCATTER_MAX:  # a point per observation would hide the curve and cost seconds to draw
        keep = np.sort(rng.choice(n, size=SCATTER_MAX, replace=False))
        x_obs, y_obs, label = x_obs[keep], y_obs[keep], f"observed (0 or 1), a random {SCATTER_MAX:,} of {n:,}"
    jitter = rng.uniform(-0.03, 0.03, size=len(y_obs))
    ax0.fill_between(x, band["p low"], band["p high"], color=COLORS["logistic"], alpha=0.2, label=f"{level} interval")
    ax0.plot(x, band["p"], color=COLORS["logistic"], lw=2, label="fitted probability")
    ax0.scatter(x_obs, y_obs + jitter, s=14, color=COLORS["grey"], alpha=0.7, label=label)
    ax0.set(xlabel=focus, ylabel=f"P({positive})", title="probability scale: an S-curve", ylim=(-0.08, 1.08))
    ax0.legend(loc="upper left", fontsize=8)
    ax1.fill_between(
        x, band["eta low"], band["eta high"], color=COLORS["softmax"], alpha=0.2, label=f"{level} interval"
    )
    ax1.plot(x, band["eta"], color=COLORS["softmax"], lw=2, label="fitted log-odds")
    ax1.set(xlabel=focus, ylabel=f"log-odds of {positive}", title="log-odds scale: a straight line")
    ax1.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def class_probabilities(x, probs, *, focus: str, reference: str, names=None):
    """Predicted probability of every class against ``focus`` (other predictors at their means), as stacked bands.

    ``probs`` is a DataFrame with one column per class, in the class order; ``names`` maps labels to long names.
    """
    style()
    names = names or {}
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    cmap = plt.get_cmap("coolwarm", probs.shape[1])
    focus, shown = figure_text(focus), {c: figure_text(c) for c in probs.columns}  # a user's names: text, not mathtext
    labels = [f"{shown[c]}: {figure_text(names[c])}" if c in names and names[c] != c else shown[c]
              for c in probs.columns]
    ax0.stackplot(x, probs.to_numpy().T, colors=[cmap(i) for i in range(probs.shape[1])], labels=labels, alpha=0.9)
    ax0.set(xlabel=focus, ylabel="probability (stacked)", title="class probabilities sum to 1", ylim=(0, 1))
    ax0.set_xlim(x[0], x[-1])
    for i, c in enumerate(probs.columns):
        ls = "--" if c == reference else "-"
        label = f"{shown[c]} (reference)" if c == reference else shown[c]
        ax1.plot(x, probs[c], color=cmap(i), lw=2, ls=ls, label=label)
    ax1.set(xlabel=focus, ylabel="probability", title="each class on its own")
    ax1.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    fig.legend(
        *ax0.get_legend_handles_labels(),
        loc="lower center",
        ncol=min(4, probs.shape[1]),
        fontsize=8,
        bbox_to_anchor=(0.4, -0.02),
    )
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig
