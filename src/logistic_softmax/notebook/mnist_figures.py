"""Figures of the MNIST report: digits, weight templates, learning curves, the confusion matrix, mistakes, and the
digit pair's coefficients."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .figures import COLORS, style

__all__ = [
    "digit_grid",
    "weight_templates",
    "learning_curves",
    "confusion_matrix",
    "misclassified",
    "pair_coefficients",
]


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
