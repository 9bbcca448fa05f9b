"""Gradient-based optimisers for networks stored as blocks of weights, each block with its own learning rate.

``"gd"``
    ``w <- w - rate g``: full-batch gradient descent, or SGD when the gradients come from minibatches;
``"momentum"``
    heavy-ball momentum, ``u <- mu u - rate g``, ``w <- w + u``;
``"adam"``
    Adam (Kingma and Ba, 2015) with bias correction; an L2 penalty, if any, is part of ``g`` (coupled);
``"adamw"``
    Adam with decoupled weight decay (Loshchilov and Hutter, 2019): ``w <- w - rate (m_hat / (sqrt(v_hat) + eps)
    + decay w)``, biases (row 0) not decayed.

An optimiser is a pure function of the weights, the gradients and its state: :meth:`Optimizer.step` returns new
arrays. :meth:`Optimizer.step_error` carries bounds on the errors of its inputs (weights, gradients, state) and its own
rounding through one step, to first order in ``eps``, so that two runs equal in exact arithmetic can be compared
within a derived allowance (:mod:`logistic_softmax.science.rounding`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .rounding import EPS

__all__ = ["KINDS", "Optimizer", "State"]

KINDS = ("gd", "momentum", "adam", "adamw")


@dataclass(frozen=True)
class State:
    """Steps taken so far and, per block, the optimiser's arrays (none, the velocity, or Adam's two moments)."""

    t: int
    slots: tuple[tuple[np.ndarray, ...], ...]


def _no_bias(block: np.ndarray) -> np.ndarray:
    out = np.array(block, copy=True)
    out[0] = 0.0
    return out


@dataclass(frozen=True)
class Optimizer:
    kind: str
    rates: tuple[float, ...]
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    decay: tuple[float, ...] = field(default=())  # decoupled weight decay per block ("adamw")

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {self.kind!r}")
        rates = tuple(float(r) for r in self.rates)
        if not rates or any(not np.isfinite(r) or r <= 0 for r in rates):
            raise ValueError(f"rates: expected positive learning rates, got {self.rates}")
        object.__setattr__(self, "rates", rates)
        decay = tuple(float(d) for d in self.decay) or (0.0,) * len(rates)
        if len(decay) != len(rates) or any(d < 0 for d in decay):
            raise ValueError(f"decay: expected one non-negative value per block, got {self.decay}")
        if self.kind != "adamw" and any(decay):
            raise ValueError("decay: decoupled weight decay belongs to 'adamw'; put an L2 penalty in the loss")
        object.__setattr__(self, "decay", decay)
        if not 0 <= self.momentum < 1 or not 0 <= self.beta1 < 1 or not 0 <= self.beta2 < 1 or self.eps <= 0:
            raise ValueError("momentum, beta1, beta2: expected values in [0, 1); eps: expected a positive number")

    def init(self, blocks) -> State:
        """The state before the first step: zero velocity or zero moments."""
        n_slots = {"gd": 0, "momentum": 1, "adam": 2, "adamw": 2}[self.kind]
        return State(0, tuple(tuple(np.zeros_like(b, dtype=np.float64) for _ in range(n_slots)) for b in blocks))

    def step(self, blocks, grads, state: State) -> tuple[tuple[np.ndarray, ...], State]:
        """One update of every block; returns the new blocks and the new state."""
        t = state.t + 1
        new_blocks, new_slots = [], []
        for w, g, slot, rate, decay in zip(blocks, grads, state.slots, self.rates, self.decay, strict=True):
            if self.kind == "gd":
                new_blocks.append(w - rate * g)
                new_slots.append(())
            elif self.kind == "momentum":
                u = self.momentum * slot[0] - rate * g
                new_blocks.append(w + u)
                new_slots.append((u,))
            else:
                m = self.beta1 * slot[0] + (1 - self.beta1) * g
                v = self.beta2 * slot[1] + (1 - self.beta2) * g * g
                m_hat, v_hat = m / (1 - self.beta1**t), v / (1 - self.beta2**t)
                s = rate * m_hat / (np.sqrt(v_hat) + self.eps)
                if decay:
                    s = s + rate * decay * _no_bias(w)
                new_blocks.append(w - s)
                new_slots.append((m, v))
        return tuple(new_blocks), State(t, tuple(new_slots))

    def step_error(self, blocks, grads, state: State, grad_error, weight_error=None, state_error=None):
        """Bounds on the errors of the new blocks and the new state after :meth:`step`, to first order in ``eps``.

        ``grad_error``, ``weight_error`` and ``state_error`` bound the errors already in the inputs (``None``: exact).
        Each operation of the update adds at most ``eps`` times its result; errors in the inputs pass through the
        update's derivatives (for Adam, through ``m_hat / (sqrt(v_hat) + eps)``, the only non-linear part). Adam's
        bias corrections ``1 - beta**t`` are taken as the constants they are computed to be: two runs compared step by
        step compute them identically.
        """
        zero = [np.zeros_like(b, dtype=np.float64) for b in blocks]
        weight_error = zero if weight_error is None else weight_error
        state_error = [tuple(np.zeros_like(a) for a in s) for s in state.slots] if state_error is None else state_error
        t = state.t + 1
        out_w, out_s = [], []
        for w, g, slot, rate, decay, eg, ew, es in zip(
            blocks, grads, state.slots, self.rates, self.decay, grad_error, weight_error, state_error, strict=True
        ):
            aw, ag = np.abs(w), np.abs(g)
            if self.kind == "gd":
                out_w.append(ew + rate * eg + 2 * EPS * (aw + rate * ag))
                out_s.append(())
            elif self.kind == "momentum":
                au = np.abs(slot[0])
                eu = self.momentum * es[0] + rate * eg + 3 * EPS * (self.momentum * au + rate * ag)
                u_abs = self.momentum * au + rate * ag
                out_w.append(ew + eu + EPS * (aw + u_abs))
                out_s.append((eu,))
            else:
                b1, b2 = self.beta1, self.beta2
                m = b1 * slot[0] + (1 - b1) * g
                v = b2 * slot[1] + (1 - b2) * g * g
                em = b1 * es[0] + (1 - b1) * eg + 3 * EPS * (b1 * np.abs(slot[0]) + (1 - b1) * ag)
                ev = b2 * es[1] + 2 * (1 - b2) * ag * eg + 4 * EPS * (b2 * slot[1] + (1 - b2) * g * g)
                c1, c2 = 1 - b1**t, 1 - b2**t
                m_hat, v_hat, em_hat, ev_hat = np.abs(m) / c1, v / c2, em / c1, ev / c2
                root = np.sqrt(v_hat)
                den = root + self.eps
                d_root = ev_hat / (np.sqrt(v_hat + ev_hat) + root + 1e-300)  # sqrt(v + e) - sqrt(v), exactly
                s_abs = rate * m_hat / den
                es_step = rate * (em_hat / den + m_hat * d_root / den**2) + 7 * EPS * s_abs
                if decay:
                    dw = rate * decay * _no_bias(aw)
                    es_step = es_step + rate * decay * _no_bias(ew) + 2 * EPS * dw
                    s_abs = s_abs + dw
                out_w.append(ew + es_step + EPS * (aw + s_abs))
                out_s.append((em, ev))
        return tuple(out_w), tuple(out_s)
