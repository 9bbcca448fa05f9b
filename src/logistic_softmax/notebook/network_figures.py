"""Figures of the networks report: the networks drawn, their weight paths, losses, and the gaps between networks
that take the same steps in exact arithmetic."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .escaping import figure_text
from .figures import COLORS, SHOWN_MAX, style

__all__ = [
    "network_diagrams",
    "forum_diagram",
    "weight_paths",
    "loss_curves",
    "sum_decay",
    "gap_curves",
]


def _node(ax, xy, text, color, r=0.32):
    ax.add_patch(plt.Circle(xy, r, facecolor="white", edgecolor=color, lw=1.6, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=9, zorder=4)


def _inputs(ax, names, x=0.0, top=None):
    labels = ["1"] + [str(n) for n in names]
    top = (len(labels) - 1) / 2 if top is None else top
    ys = [top - i for i in range(len(labels))]
    for y, lab in zip(ys, labels, strict=True):
        _node(ax, (x, y), figure_text(lab if len(lab) <= 6 else lab[:5] + "…"), COLORS["grey"], r=0.38)
    return ys


def network_diagrams(neuron_inputs, layer_inputs, classes, *, reference: str | None = None):
    """Left: logistic regression as one neuron (affine map, then sigmoid). Right: softmax regression as one layer
    of K neurons (one affine map each), then the softmax over the layer."""
    style()
    k = len(classes)
    rows = max(len(neuron_inputs) + 1, len(layer_inputs) + 1, k)
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 0.5 * rows + 1.4))
    ys = _inputs(ax0, neuron_inputs)
    _node(ax0, (3.0, 0.0), "z", COLORS["logistic"], r=0.4)
    for y in ys:
        ax0.annotate("", xy=(2.6, 0.0), xytext=(0.4, y), arrowprops={"arrowstyle": "->", "color": COLORS["grey"]})
    ax0.text(1.5, ys[0] + 0.1, "$b, w_1, \\dots, w_p$", fontsize=9, ha="center")
    ax0.annotate("", xy=(4.6, 0.0), xytext=(3.4, 0.0), arrowprops={"arrowstyle": "->"})
    ax0.text(4.0, 0.15, "$\\sigma$", ha="center", fontsize=11)
    ax0.text(4.7, 0.0, "$p = \\sigma(z)$", va="center", fontsize=10)
    ax0.set_title("logistic regression: one neuron", fontsize=10)
    ys = _inputs(ax1, layer_inputs)
    zs = [(k - 1) / 2 - i for i in range(k)]
    for i, (z, c) in enumerate(zip(zs, classes, strict=True)):
        _node(ax1, (3.0, z), f"$z_{{{i}}}$", COLORS["softmax"], r=0.36)
        shown = figure_text(c) + (", reference" if c == reference else "")  # a user's label: text, not mathtext
        ax1.text(5.1, z, f"$p_{{{i}}}$  ({shown})", va="center")
        for y in ys:
            ax1.plot([0.4, 2.64], [y, z], color=COLORS["grey"], lw=0.5, alpha=0.6)
    ax1.add_patch(plt.Rectangle((3.8, zs[-1] - 0.4), 0.9, zs[0] - zs[-1] + 0.8, facecolor="#ebf4ff", edgecolor="k"))
    ax1.text(4.25, 0.0, "softmax", rotation=90, ha="center", va="center", fontsize=9)
    ax1.set_title(f"softmax regression: one layer of {k} neurons", fontsize=10)
    for ax in (ax0, ax1):
        ax.set_aspect("equal")
        ax.set_xlim(-0.6, 7.6)
        ax.set_ylim(-rows / 2 - 0.1, rows / 2 + 0.1)
        ax.axis("off")
    fig.tight_layout()
    return fig


def weight_paths(paths: dict, *, coords: tuple[int, int], names, optimum=None, net1=None):
    """Gradient-descent paths in the plane of two weights (indices ``coords``, labelled by ``names``).

    ``paths`` maps a label to a (steps + 1) x d array of weights; the first path is drawn thick, the others on top.
    ``net1`` = (w0 path, w1 path) adds a second panel with the two softmax units' own weights.
    """
    style()
    i, j = coords
    names = [figure_text(n) for n in names]  # a user's column names: text, not mathtext
    ncols = 2 if net1 is not None else 1
    fig, axes = plt.subplots(1, ncols, figsize=(5.4 * ncols, 4.6), squeeze=False)
    ax = axes[0, 0]
    styles = [
        {"color": COLORS["softmax"], "lw": 5, "alpha": 0.35},
        {"color": COLORS["logistic"], "lw": 1.5, "marker": "o", "ms": 2.5, "markevery": 0.03},
        {"color": COLORS["question"], "lw": 1.2, "ls": "--"},
    ]
    for (label, W), st in zip(paths.items(), styles, strict=False):
        W = np.asarray(W)
        ax.plot(W[:, i], W[:, j], label=f"{label} ({len(W) - 1} steps)", **st)
    start = np.asarray(next(iter(paths.values())))[0]
    ax.plot(start[i], start[j], "s", color="k", ms=6, label="common start")
    if optimum is not None:
        ax.plot(optimum[i], optimum[j], "*", color="k", ms=13, label="optimum", zorder=5)
    ax.set(xlabel=f"weight of {names[i]}", ylabel=f"weight of {names[j]}", title="the logistic weight w (or w1 - w0)")
    ax.legend(fontsize=8)
    if net1 is not None:
        ax = axes[0, 1]
        w0, w1 = (np.asarray(a) for a in net1)
        ax.plot(w0[:, i], w0[:, j], color=COLORS["softmax"], lw=1.5, label="network 1: unit 0, $w_0$")
        ax.plot(w1[:, i], w1[:, j], color=COLORS["logistic"], lw=1.5, label="network 1: unit 1, $w_1$")
        mid = (w0 + w1) / 2
        ax.plot(
            mid[:, i],
            mid[:, j],
            "x",
            color="k",
            ms=7,
            markevery=[0, len(mid) - 1],
            label="$(w_0 + w_1)/2$, start and end",
        )
        for w in (w0, w1):
            ax.plot(w[0, i], w[0, j], "s", color="k", ms=5)
            ax.plot(w[-1, i], w[-1, j], "o", color="k", ms=5)
        ax.set(
            xlabel=f"weight of {names[i]}", ylabel=f"weight of {names[j]}", title="the two units move as mirror images"
        )
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def loss_curves(curves: dict, *, floor: dict | None = None, title: str = "loss during training"):
    """Loss minus its optimum against the step (log scale), one line per network; ``floor`` maps labels to the
    optimum subtracted (default: each curve's own minimum, with the last point left out)."""
    style()
    fig, ax = plt.subplots(figsize=(9, 3.6))
    styles = [
        {"color": COLORS["softmax"], "lw": 4, "alpha": 0.4},
        {"color": COLORS["logistic"], "lw": 1.5},
        {"color": COLORS["question"], "lw": 1.2, "ls": "--"},
        {"color": COLORS["grey"], "lw": 1.2, "ls": ":"},
    ]
    for (label, losses), st in zip(curves.items(), styles, strict=False):
        losses = np.asarray(losses)
        best = (floor or {}).get(label, float(np.min(losses)))
        gap = losses - best
        steps = np.arange(len(losses))
        keep = (gap > 0) & (gap < SHOWN_MAX)  # a diverged run's overflowing losses are left off the axis
        ax.semilogy(steps[keep], gap[keep], label=label, **st)
    ax.set(xlabel="gradient-descent step", ylabel="loss − optimum", title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def sum_decay(curves: dict):
    """||w0 + w1|| of network 1 against the step, one line per penalty (log scale); 0 is drawn at the bottom."""
    style()
    fig, ax = plt.subplots(figsize=(9, 3.4))
    colors = (COLORS["softmax"], COLORS["logistic"], COLORS["question"])
    for (label, norms), color in zip(curves.items(), colors, strict=False):
        norms = np.asarray(norms)
        keep = norms < SHOWN_MAX
        ax.semilogy(np.arange(len(norms))[keep], np.maximum(norms[keep], 1e-300), color=color, lw=2, label=label)
    ax.set(xlabel="gradient-descent step", ylabel="$\\|w_0 + w_1\\|$", title="what an L2 penalty does to $w_0 + w_1$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def forum_diagram(inputs: int, hidden: int):
    """The forum's figure: one base network (inputs, then ``hidden`` logistic units) under three heads: network 1's
    two softmax units, network 0's new branch sigmoid(z_1 - z_0) on those same units, network 2's one sigmoid unit."""
    style()
    fig, ax = plt.subplots(figsize=(10, 4.6))
    ys_in = np.linspace(-1.6, 1.6, min(inputs, 6) + 1)
    ys_h = np.linspace(-1.9, 1.9, min(hidden, 8))
    for y in ys_in:
        _node(ax, (0.0, y), "", COLORS["grey"], r=0.16)
    for y in ys_h:
        _node(ax, (2.0, y), "σ", COLORS["grey"], r=0.2)
        for yi in ys_in:
            ax.plot([0.16, 1.8], [yi, y], color=COLORS["grey"], lw=0.4, alpha=0.5)
    ax.text(0.0, 2.35, f"inputs\n(1 + {inputs})", ha="center", fontsize=9)
    ax.text(2.0, 2.35, f"shared base\n({hidden} logistic units)", ha="center", fontsize=9)
    units = {"z0": (4.2, 1.6), "z1": (4.2, 0.6), "z": (4.2, -1.8)}
    for (key, (x, y)), color in zip(units.items(), (COLORS["softmax"], COLORS["softmax"], COLORS["logistic"]),
                                    strict=True):
        _node(ax, (x, y), {"z0": "$z_0$", "z1": "$z_1$", "z": "$z$"}[key], color, r=0.28)
        for yh in ys_h:
            ax.plot([2.2, x - 0.28], [yh, y], color=color, lw=0.4, alpha=0.5)
    ax.add_patch(plt.Rectangle((5.5, 0.25), 0.8, 1.7, facecolor="#ebf4ff", edgecolor="k"))
    ax.text(5.9, 1.1, "softmax", rotation=90, ha="center", va="center", fontsize=9)
    for key in ("z0", "z1"):
        x, y = units[key]
        ax.annotate("", xy=(5.5, y), xytext=(x + 0.28, y), arrowprops={"arrowstyle": "->"})
        ax.annotate("", xy=(5.45, -0.55), xytext=(x + 0.2, y - 0.2),
                    arrowprops={"arrowstyle": "->", "color": COLORS["question"]})
    _node(ax, (5.75, -0.55), "$-$", COLORS["question"], r=0.28)
    ax.text(6.5, 1.1, "network 1: $p = \\mathrm{softmax}(z_0, z_1)_1$", va="center", fontsize=9)
    ax.text(6.15, -0.55, "network 0: $p = \\sigma(z_1 - z_0)$, a new branch on network 1's units",
            va="center", fontsize=9)
    ax.annotate("", xy=(5.4, -1.8), xytext=(4.5, -1.8), arrowprops={"arrowstyle": "->"})
    ax.text(5.5, -1.8, "network 2: $p = \\sigma(z)$, its head started at $w_1 - w_0$", va="center", fontsize=9)
    ax.set_xlim(-0.5, 12.0)
    ax.set_ylim(-2.4, 2.9)
    ax.axis("off")
    fig.tight_layout()
    return fig


def gap_curves(curves: dict, *, bounds: dict | None = None, title: str, ylabel: str = "largest |difference|"):
    """Gaps between two networks against the step (log scale), one line per comparison; ``bounds`` maps some of the
    labels to a derived bound drawn dashed in the same colour. Exact zeros are drawn at the bottom of the axis."""
    style()
    fig, ax = plt.subplots(figsize=(9, 3.6))
    colors = [COLORS["softmax"], COLORS["logistic"], COLORS["question"], COLORS["grey"]]
    floor = np.finfo(np.float64).eps * 1e-3
    for (label, gap), color in zip(curves.items(), colors, strict=False):
        gap = np.asarray(gap, dtype=np.float64)
        steps = np.arange(len(gap))
        keep = np.isfinite(gap) & (gap < SHOWN_MAX)
        ax.semilogy(steps[keep], np.maximum(gap[keep], floor), color=color, lw=1.6, label=label)
        if bounds and label in bounds:
            b = np.asarray(bounds[label], dtype=np.float64)
            ok = np.isfinite(b) & (b < SHOWN_MAX)
            ax.semilogy(np.arange(len(b))[ok], np.maximum(b[ok], floor), color=color, lw=1.2, ls="--",
                        label=f"{label}: derived bound")
    ax.set(xlabel="step", ylabel=ylabel, title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
