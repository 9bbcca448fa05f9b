"""Figures for the reports. Each function draws one figure and returns it (the notebook assigns it, so the
inline backend shows it once)."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np

from .links import log_sigmoid, naive_log_sigmoid, sigmoid, softmax
from .numerics import overflow_threshold

__all__ = [
    "style",
    "softmax_is_sigmoid_of_difference",
    "naive_loss_overflow",
    "stackexchange_curves",
    "logit_profile",
    "class_probabilities",
    "network_diagrams",
    "weight_paths",
    "loss_curves",
    "sum_decay",
    "digit_grid",
    "weight_templates",
    "learning_curves",
    "confusion_matrix",
    "misclassified",
    "pair_coefficients",
]

#: Values above this are not drawn on a log axis (matplotlib overflows computing its limits near float64's max).
_SHOWN_MAX = 1e100

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
    little vertically). Right: the same fit on the log-odds scale, where it is a straight line.

    ``band`` holds the columns of :func:`logistic_softmax.interpret.linear_predictor_band` at the points ``x``.
    """
    style()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4.0))
    rng = np.random.default_rng(0)  # jitter only: it moves points by at most 0.03 and never changes a number
    jitter = rng.uniform(-0.03, 0.03, size=len(y_obs))
    ax0.fill_between(x, band["p low"], band["p high"], color=COLORS["logistic"], alpha=0.2, label=f"{level} interval")
    ax0.plot(x, band["p"], color=COLORS["logistic"], lw=2, label="fitted probability")
    ax0.scatter(x_obs, np.asarray(y_obs) + jitter, s=14, color=COLORS["grey"], alpha=0.7, label="observed (0 or 1)")
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
    labels = [f"{c}: {names[c]}" if c in names and names[c] != c else str(c) for c in probs.columns]
    ax0.stackplot(x, probs.to_numpy().T, colors=[cmap(i) for i in range(probs.shape[1])], labels=labels, alpha=0.9)
    ax0.set(xlabel=focus, ylabel="probability (stacked)", title="class probabilities sum to 1", ylim=(0, 1))
    ax0.set_xlim(x[0], x[-1])
    for i, c in enumerate(probs.columns):
        ls = "--" if c == reference else "-"
        ax1.plot(x, probs[c], color=cmap(i), lw=2, ls=ls, label=f"{c} (reference)" if c == reference else str(c))
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


def _node(ax, xy, text, color, r=0.32):
    ax.add_patch(plt.Circle(xy, r, facecolor="white", edgecolor=color, lw=1.6, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=9, zorder=4)


def _inputs(ax, names, x=0.0, top=None):
    labels = ["1"] + [str(n) for n in names]
    top = (len(labels) - 1) / 2 if top is None else top
    ys = [top - i for i in range(len(labels))]
    for y, lab in zip(ys, labels, strict=True):
        _node(ax, (x, y), lab if len(lab) <= 6 else lab[:5] + "…", COLORS["grey"], r=0.38)
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
        ax1.text(5.1, z, f"$p_{{{i}}}$" + (f"  ({c}, reference)" if c == reference else f"  ({c})"), va="center")
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
        keep = (gap > 0) & (gap < _SHOWN_MAX)  # a diverged run's overflowing losses are left off the axis
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
        keep = norms < _SHOWN_MAX
        ax.semilogy(np.arange(len(norms))[keep], np.maximum(norms[keep], 1e-300), color=color, lw=2, label=label)
    ax.set(xlabel="gradient-descent step", ylabel="$\\|w_0 + w_1\\|$", title="what an L2 penalty does to $w_0 + w_1$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# -- MNIST ----------------------------------------------------------------------------------------------------------
def _image(ax, pixels, *, cmap="gray_r", vmin=0.0, vmax=1.0):
    ax.imshow(np.asarray(pixels).reshape(28, 28), cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)


def digit_grid(images, labels, *, per_class: int = 8):
    """The first ``per_class`` training images of each digit, one row per digit (one mosaic image: drawing 80 small
    axes would take seconds)."""
    style()
    labels = np.asarray(labels)
    gap, step = 2, 28 + 2
    mosaic = np.full((10 * step - gap, per_class * step - gap), np.nan)  # NaN: the white gaps
    for d in range(10):
        for j, row in enumerate(np.flatnonzero(labels == d)[:per_class]):
            mosaic[d * step : d * step + 28, j * step : j * step + 28] = np.asarray(images[row]).reshape(28, 28)
    cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
    fig, ax = plt.subplots(figsize=(per_class * 0.75, 10 * 0.75))
    ax.imshow(mosaic, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks(np.arange(10) * step + 13.5, labels=[str(d) for d in range(10)], fontsize=11)
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title("training images, one row per digit")
    fig.tight_layout(pad=0.2)
    return fig


def weight_templates(W, *, title: str):
    """The 784 weights of each class as a 28 x 28 image: red pixels raise that class's score, blue ones lower it."""
    style()
    W = np.asarray(W, dtype=np.float64)
    lim = float(np.abs(W).max()) or 1.0
    fig, axes = plt.subplots(1, W.shape[1], figsize=(W.shape[1] * 1.05, 1.7))
    for k, ax in enumerate(np.atleast_1d(axes)):
        _image(ax, W[:, k], cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(str(k))
    fig.suptitle(title, y=1.02)
    return fig


def learning_curves(histories: dict, *, targets: dict | None = None):
    """Cross-entropy (left) and accuracy (right) after every epoch, on the training and test sets of each model."""
    style()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 3.8))
    colors = [COLORS["softmax"], COLORS["logistic"], COLORS["question"]]
    for (name, h), color in zip(histories.items(), colors, strict=False):
        epochs = np.arange(1, h.epochs + 1)
        for split, ls in (("train", "--"), ("test", "-")):
            if split in h.loss:
                ax0.plot(epochs, h.loss[split], ls, color=color, label=f"{name}, {split}")
                ax1.plot(epochs, h.accuracy[split], ls, color=color, label=f"{name}, {split}")
    for name, value in (targets or {}).items():
        ax1.axhline(value, color=COLORS["grey"], lw=0.8, ls=":")
        ax1.annotate(f"target {name}: {value:.3f}", (1, value), fontsize=8, color=COLORS["grey"], va="bottom")
    ax0.set(xlabel="epoch", ylabel="mean cross-entropy", yscale="log", title="loss")
    ax1.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    lo = min(min(h.accuracy.get("test", [1.0])) for h in histories.values())
    ax1.set_ylim(max(0.0, min(lo, 0.9) - 0.01), 1.0)
    ax1.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def confusion_matrix(counts, *, title: str):
    """Rows: true digit; columns: predicted digit; each cell the number of test images, shaded by row share."""
    style()
    counts = np.asarray(counts)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(5.6, 5.0))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.grid(False)
    K = counts.shape[0]
    for i in range(K):
        for j in range(K):
            if counts[i, j]:
                ax.text(
                    j,
                    i,
                    str(counts[i, j]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if share[i, j] > 0.5 else "black",
                )
    ax.set(xticks=range(K), yticks=range(K), xlabel="predicted digit", ylabel="true digit", title=title)
    fig.tight_layout()
    return fig


def misclassified(images, labels, probs, *, count: int = 24, per_row: int = 8):
    """Test images the network gets wrong, the most confident mistakes first: true digit, predicted digit and the
    two largest predicted probabilities under each image."""
    style()
    probs = np.asarray(probs)
    pred = probs.argmax(axis=1)
    wrong = np.flatnonzero(pred != np.asarray(labels))
    wrong = wrong[np.argsort(-probs[wrong, pred[wrong]], kind="stable")][:count]
    rows = max(1, int(np.ceil(len(wrong) / per_row)))
    fig, axes = plt.subplots(rows, per_row, figsize=(per_row * 1.35, rows * 2.2), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong, strict=False):
        ax.axis("on")
        _image(ax, images[i])
        top = np.argsort(-probs[i])[:2]
        ax.set_title(f"true {labels[i]}, said {pred[i]}", fontsize=8)
        ax.set_xlabel(f"p({top[0]})={probs[i, top[0]]:.2f}\np({top[1]})={probs[i, top[1]]:.2f}", fontsize=7)
    fig.suptitle("misclassified test images, most confident first", y=1.0)
    fig.tight_layout(pad=0.3, h_pad=1.2)
    return fig


def pair_coefficients(beta, difference, beta_pixels, *, digits: tuple[int, int]):
    """Left: statsmodels' Logit coefficients against the two-class softmax's w1 - w0, one point per coefficient.
    Right: the Logit coefficients of the components mapped back to the 28 x 28 pixels."""
    style()
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4.0), gridspec_kw={"width_ratios": [1.4, 1]})
    beta, difference = np.asarray(beta), np.asarray(difference)
    lim = float(np.abs(np.concatenate([beta, difference])).max()) * 1.08
    ax0.plot([-lim, lim], [-lim, lim], color=COLORS["grey"], lw=0.8)
    ax0.scatter(beta, difference, s=16, color=COLORS["softmax"], zorder=3)
    ax0.set(
        xlabel=r"Logit $\hat\beta_j$",
        ylabel=r"softmax $w_{1j} - w_{0j}$",
        title=f"digit {digits[1]} vs {digits[0]}: one point per coefficient",
        xlim=(-lim, lim),
        ylim=(-lim, lim),
    )
    ax0.set_aspect("equal")
    vmax = float(np.abs(beta_pixels).max()) or 1.0
    _image(ax1, beta_pixels, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    ax1.set_title(f"the coefficients in pixel space\n(red: evidence for {digits[1]}, blue: for {digits[0]})")
    fig.tight_layout()
    return fig
