"""Figures of the report on penalties and separation: the penalised fits under every reference class, gradient
descent's direction and norm on separable data, the data in the plane, and the maximum-likelihood iterates beside
Firth's estimate."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .escaping import figure_text
from .figures import COLORS, style

__all__ = ["reference_gaps", "direction", "norm_growth", "plane", "mle_path"]

_FLOOR = 1e-18  # exact zeros are drawn here on a log axis


def reference_gaps(classes, centred, allowance, ridge):
    """Per reference class: the largest |difference| between its fit's probabilities and the softmax optimum's, for
    the centred penalty (with its allowance) and for ridge (log scale)."""
    style()
    fig, ax = plt.subplots(figsize=(9, 3.6))
    x = np.arange(len(classes))
    ax.bar(x - 0.2, np.maximum(centred, _FLOOR), width=0.4, color=COLORS["softmax"], label="centred penalty")
    ax.bar(x + 0.2, np.maximum(ridge, _FLOOR), width=0.4, color=COLORS["logistic"], label="ridge")
    ax.scatter(x - 0.2, np.maximum(allowance, _FLOOR), marker="_", s=400, color="k", zorder=3,
               label="allowance of the centred fits (certified)")
    ax.set_yscale("log")
    ax.set_xticks(x, [figure_text(c) for c in classes], rotation=20 if len(classes) > 4 else 0,
                  ha="right" if len(classes) > 4 else "center")
    ax.set(xlabel="reference class", ylabel="largest |Δ probability|",
           title="each reference's fit against the softmax optimum")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def direction(steps, cosines, lower):
    """Left: the cosine between gradient descent's weights and the max-margin vector against the step (log scale),
    with the derived lower bound (the normalised-margin ratio) where it is positive. Right: one minus the cosine."""
    style()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.8))
    t, cos, low = np.asarray(steps), np.asarray(cosines), np.asarray(lower)
    keep = t > 0
    ax0.semilogx(t[keep], cos[keep], color=COLORS["softmax"], lw=2, label="cos(w_t, w*)")
    pos = keep & (low > 0)
    ax0.semilogx(t[pos], low[pos], color=COLORS["grey"], ls="--", lw=1.4,
                 label="lower bound: normalised margin / max margin")
    ax0.set(xlabel="gradient-descent step t", ylabel="cosine", title="the direction turns to the SVM's",
            ylim=(min(0.0, float(cos[keep].min(initial=0.0))), 1.02))
    ax0.legend(fontsize=8, loc="lower right")
    gap = np.maximum(1.0 - cos[keep], 1e-16)
    ax1.loglog(t[keep], gap, color=COLORS["softmax"], lw=2)
    ax1.set(xlabel="gradient-descent step t", ylabel="1 − cosine", title="slowly: the theorem's rate is 1 / log t")
    fig.tight_layout()
    return fig


def norm_growth(steps, norms, w_star_norm: float, rate_lower, loss_lower):
    """||w_t|| against log t: the iterates, the theorem's slope ``||w*|| log t`` (dashed), and the two lower bounds
    the report derives (from the rate, and from the loss of the iterate itself)."""
    style()
    fig, ax = plt.subplots(figsize=(9, 3.8))
    t = np.asarray(steps, dtype=np.float64)
    keep = t > 0
    ax.semilogx(t[keep], np.asarray(norms)[keep], color=COLORS["softmax"], lw=2.2, label="||w_t||")
    ax.semilogx(t[keep], w_star_norm * np.log(t[keep]), color=COLORS["grey"], ls="--", lw=1.2,
                label=f"||w*|| log t  (||w*|| = {w_star_norm:.3g})")
    ax.semilogx(t[keep], np.asarray(loss_lower)[keep], color=COLORS["logistic"], ls=":", lw=1.6,
                label="lower bound from the iterate's loss")
    ax.semilogx(t[keep], np.asarray(rate_lower)[keep], color=COLORS["question"], ls="-.", lw=1.4,
                label="lower bound from the rate B_t")
    ax.set(xlabel="gradient-descent step t (log scale)", ylabel="||w_t||",
           title="the weights grow without bound, like log t")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def plane(X, y, w_svm, iterates: dict, *, names, classes):
    """Two-predictor data with the constant as an ordinary coordinate: the points, the SVM's line
    ``w0 + w1 x1 + w2 x2 = 0`` and gradient descent's lines at a few steps."""
    style()
    fig, ax = plt.subplots(figsize=(6.4, 5.0))
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    for label, color, marker in ((0, COLORS["softmax"], "o"), (1, COLORS["logistic"], "s")):
        pts = X[y == label]
        ax.scatter(pts[:, 1], pts[:, 2], s=12, color=color, marker=marker, alpha=0.7,
                   label=f"class {figure_text(classes[label])}")
    xs = np.linspace(X[:, 1].min(), X[:, 1].max(), 50)
    lo, hi = X[:, 2].min(), X[:, 2].max()
    pad = 0.1 * (hi - lo + 1e-12)

    def line(w, **kw):
        if abs(w[2]) > 1e-12 * np.abs(w).max():
            ys = -(w[0] + w[1] * xs) / w[2]
            ok = (ys > lo - pad) & (ys < hi + pad)
            ax.plot(xs[ok], ys[ok], **kw)

    shades = plt.cm.Greys(np.linspace(0.35, 0.75, max(len(iterates), 1)))
    for (label, w), shade in zip(iterates.items(), shades, strict=False):
        line(np.asarray(w), color=shade, lw=1, ls="--", label=label)
    line(np.asarray(w_svm), color="k", lw=2, label="hard-margin SVM")
    ax.set(xlabel=figure_text(names[0]), ylabel=figure_text(names[1]), ylim=(lo - pad, hi + pad),
           title="separable data: the SVM's line and gradient descent's")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def mle_path(path, logliks, names, firth_params):
    """Left: each coefficient over the maximum-likelihood Newton iterations (running off), Firth's estimate dashed
    in the same colour. Right: minus the log-likelihood of the iterates (log scale), falling towards 0."""
    style()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.8))
    path = np.asarray(path)
    it = np.arange(len(path))
    colors = plt.cm.tab10(np.arange(path.shape[1]) % 10)
    for j, color in enumerate(colors):
        ax0.plot(it, path[:, j], color=color, lw=1.6, label=figure_text(names[j]))
        ax0.axhline(firth_params[j], color=color, lw=1, ls="--")
    ax0.set(xlabel="Newton iteration", ylabel="coefficient", title="maximum likelihood runs off; Firth (dashed) stays")
    if path.shape[1] <= 12:
        ax0.legend(fontsize=7, ncol=3)
    ll = -np.asarray(logliks, dtype=np.float64)
    ax1.semilogy(it, np.maximum(ll, 1e-300), color=COLORS["question"], lw=2)
    ax1.set(xlabel="Newton iteration", ylabel="−log-likelihood", title="the likelihood creeps up to its supremum 1")
    fig.tight_layout()
    return fig
