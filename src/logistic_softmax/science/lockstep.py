"""Two networks trained side by side on the same data and minibatches, compared after every step.

The forum's networks come in pairs that take the same steps in exact arithmetic: network 0 and network 1 (one
function of the same weights), and network 1 and network 2 when network 1's two units are mapped to their
difference. :func:`run` trains both and measures, at every step,

* the **free-running gap**: how far apart the two trajectories are (after mapping the first network);
* the **one-step gap**: from the first network's state, one step of each network, compared. This tests the claim
  itself ("one step of the first network, mapped, is one step of the second"), whose allowance is the rounding of
  that one step (:func:`logistic_softmax.science.basenet.gradient_error`, :meth:`Optimizer.step_error`).

For plain gradient descent it also propagates a bound on the free-running gap, ``B_{t+1} = rho_t B_t + tau_t``
(:func:`.rounding.propagate`), with ``rho_t`` from the second network's Hessian at its own weights
(first order in the gap) and ``tau_t`` the two steps' rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import basenet as bn
from .optimizers import Optimizer, State
from .rounding import EPS, contraction, propagate

__all__ = ["Mapping", "IDENTITY", "DIFFERENCE", "Lockstep", "run"]


@dataclass(frozen=True)
class Mapping:
    """How the first network's weights and optimiser state become the second's (``"identity"`` or
    ``"difference"``: a two-unit head's ``w1 - w0``, for network 2)."""

    kind: str

    def weights(self, net: bn.Net) -> tuple[np.ndarray, ...]:
        if self.kind == "identity":
            return net.blocks
        return net.blocks[:-1] + (net.W[:, 1:2] - net.W[:, 0:1],)

    def weight_error(self, net: bn.Net) -> tuple[np.ndarray, ...]:
        """Rounding of :meth:`weights` (one subtraction per head weight)."""
        zero = tuple(np.zeros_like(b) for b in net.blocks)
        if self.kind == "identity":
            return zero
        return zero[:-1] + (EPS * np.abs(net.W[:, 1:2] - net.W[:, 0:1]),)

    def carry(self, errors: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """Entrywise errors of the first network's weights, as errors of the mapped weights."""
        if self.kind == "identity":
            return errors
        return errors[:-1] + (errors[-1][:, 1:2] + errors[-1][:, 0:1],)

    def state(self, opt: Optimizer, state: State):
        """The first network's optimiser state for the second network, and its rounding."""
        if self.kind == "identity" or not state.slots[-1]:
            return state, [tuple(np.zeros_like(a) for a in s) for s in state.slots]
        head = state.slots[-1]
        if opt.kind == "momentum":  # the velocity of w1 - w0 is u1 - u0
            u = head[0][:, 1:2] - head[0][:, 0:1]
            mapped, err = (u,), (EPS * np.abs(u),)
        else:  # Adam: w0 and w1 receive -g and g, so their moments are mirror images; the second network's are w1's
            mapped = tuple(a[:, 1:2].copy() for a in head)
            err = tuple(np.zeros_like(a) for a in mapped)
        zero = [tuple(np.zeros_like(a) for a in s) for s in state.slots[:-1]]
        return State(state.t, state.slots[:-1] + (mapped,)), zero + [err]


IDENTITY, DIFFERENCE = Mapping("identity"), Mapping("difference")


@dataclass
class Lockstep:
    """What :func:`run` measured; arrays have one entry per step (``steps + 1`` with the start, where noted)."""

    steps: int
    gap: np.ndarray  # free-running: largest |difference| of the mapped weights, steps + 1
    gap_norm: np.ndarray  # the same in the rate norm ||v / sqrt(rates)||, steps + 1
    bound: np.ndarray | None  # bound on gap_norm (plain gradient descent with Hessians), steps + 1
    bound_slack: np.ndarray | None  # rounding of the mapping itself, added to the bound, steps + 1
    rho: np.ndarray | None  # Lipschitz factor of each step of the second network, steps
    one_step_gap: np.ndarray  # largest |difference| after one step from the same state, steps
    one_step_ratio: np.ndarray  # largest |difference| / allowance of that step, steps
    losses: tuple[np.ndarray, np.ndarray]  # full-batch losses of both networks, steps + 1
    grad_norms: np.ndarray  # full-batch gradient norm of the first network, steps + 1
    first: bn.Net
    second: bn.Net
    diverged: bool = False
    converged: bool = False
    kept: tuple[list, list] | None = None  # both networks' blocks at the steps ``kept_steps``, when asked for
    kept_steps: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    tolerance: float = 0.0

    @property
    def grad_norm(self) -> float:
        """The first network's last recorded full-batch gradient norm."""
        seen = self.grad_norms[np.isfinite(self.grad_norms)]
        return float(seen[-1]) if seen.size else float("nan")

    @property
    def bound_holds(self) -> bool:
        return self.bound is not None and bool(np.all(self.gap_norm <= self.bound + self.bound_slack))


def _largest(a, b) -> float:
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b, strict=True))


def _rate_norm(blocks, rates) -> float:
    return float(np.sqrt(sum(np.sum(b * b) / r for b, r in zip(blocks, rates, strict=True))))


def _one_step(*, X, y, a, sa, a_next, b, opt_first, opt_second, ga, ea, l2_second, mapping, out):
    """From the first network's state, one step of the second network against the first's own step (mapped);
    appends the largest difference and its largest ratio to the allowance to ``out``; returns the first network's
    step error bounds."""
    err_a, _ = opt_first.step_error(a.blocks, ga, sa, ea)
    b_from_a = b.with_blocks(mapping.weights(a))
    state_from_a, state_err = mapping.state(opt_first, sa)
    in_err = mapping.weight_error(a)
    _, g_forced, e_forced = bn.gradient_and_error(b_from_a, X, y, l2_second, weight_error=in_err)
    forced, _ = opt_second.step(b_from_a.blocks, g_forced, state_from_a)
    forced_err, _ = opt_second.step_error(b_from_a.blocks, g_forced, state_from_a, e_forced, in_err, state_err)
    allowance = [
        x + z + e for x, z, e in zip(mapping.carry(err_a), forced_err, mapping.weight_error(a_next), strict=True)
    ]
    diffs = [np.abs(m - f) for m, f in zip(mapping.weights(a_next), forced, strict=True)]
    if not all(np.isfinite(d).all() and np.isfinite(al).all() for d, al in zip(diffs, allowance, strict=True)):
        return None  # a bound overflowed: this step is beyond what the rounding analysis covers
    out[0].append(max(float(d.max()) for d in diffs))
    out[1].append(max(float(np.max(d / np.maximum(al, 1e-300))) for d, al in zip(diffs, allowance, strict=True)))
    return err_a


def run(
    X,
    y,
    first: bn.Net,
    second: bn.Net,
    *,
    opt_first: Optimizer,
    opt_second: Optimizer,
    l2_first=0.0,
    l2_second=0.0,
    mapping: Mapping = IDENTITY,
    steps: int,
    batches: Callable[[int], np.ndarray] | None = None,
    tolerance: float = 0.0,
    hessians: bool = False,
    keep: int = 0,
    loss_every: int = 1,
    one_step: bool = True,
    on_step: Callable[[int, tuple, tuple], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Lockstep:
    """Train ``first`` and ``second`` side by side for ``steps`` steps (see the module docstring).

    ``batches(t)`` gives the rows of step ``t`` (``None``: full-batch gradient descent); both networks get the same
    ones. The full-batch losses (and the first network's gradient norm) are recorded every ``loss_every`` steps (NaN
    in between). Training stops early when that gradient norm falls below ``tolerance`` (``converged``), or when a
    loss or gradient stops being finite (``diverged``). ``hessians`` (plain gradient descent only) computes the second
    network's Hessian at every step for the free-running bound. ``keep`` (a number of points) keeps both networks'
    blocks at evenly spaced steps, at most ``2 * keep`` of them. ``on_step(t, blocks, errors)`` is called after each
    step with the first network's new blocks and the bounds on their rounding. ``one_step=False`` leaves out the
    one-step comparison (and every rounding bound): the two networks are only trained and their free-running gap
    measured.
    """
    if hessians and not one_step:
        raise ValueError("hessians: the free-running bound needs the rounding bounds of the one-step comparison")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if hessians and (opt_second.kind != "gd" or opt_first.kind != "gd"):
        raise ValueError("hessians: the free-running bound is derived for plain gradient descent only")
    rates = opt_second.rates
    rate_vector = None
    a, b = first, second
    sa, sb = opt_first.init(a.blocks), opt_second.init(b.blocks)
    gap, gap_norm, slack, rho, one_gap, one_ratio, tau = [], [], [], [], [], [], []
    la, lb, gn = [], [], []
    kept = ([a.blocks], [b.blocks]) if keep else None
    kept_steps = [0]
    stride = 1
    diverged = converged = False

    def measure(a: bn.Net, b: bn.Net) -> None:
        mapped = mapping.weights(a)
        gap.append(_largest(mapped, b.blocks))
        gap_norm.append(_rate_norm([m - w for m, w in zip(mapped, b.blocks, strict=True)], rates))
        slack.append(_rate_norm(mapping.weight_error(a), rates))

    measure(a, b)
    t = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while True:
            rows = batches(t) if batches is not None and t < steps else None
            Xb, yb = (X, y) if rows is None else (X[rows], y[rows])
            if one_step:
                loss_a, ga, ea = bn.gradient_and_error(a, Xb, yb, l2_first)
            else:
                loss_a, ga = bn.value_and_gradient(a, Xb, yb, l2_first)
            if hessians:
                loss_b, gb, eb = bn.gradient_and_error(b, Xb, yb, l2_second)
            else:
                loss_b, gb = bn.value_and_gradient(b, Xb, yb, l2_second)
            if t % loss_every == 0 or t == steps:
                if rows is not None:
                    loss_a, full_a = bn.value_and_gradient(a, X, y, l2_first)
                    loss_b = bn.loss(b, X, y, l2_second)
                else:
                    full_a = ga
                la.append(loss_a)
                lb.append(loss_b)
                gn.append(float(np.sqrt(sum(np.sum(g * g) for g in full_a))))
            else:
                la.append(np.nan)
                lb.append(np.nan)
                gn.append(np.nan)
            finite = all(np.isfinite(g).all() for g in ga + gb) and np.isfinite(loss_a) and np.isfinite(loss_b)
            if not finite:
                diverged = True
                break
            if tolerance and gn[-1] < tolerance:
                converged = True
                break
            if t == steps:
                break
            a_next, sa_next = opt_first.step(a.blocks, ga, sa)
            if not all(np.isfinite(w).all() for w in a_next):  # the step overflowed: stop before comparing it
                diverged = True
                break
            a_next_net = a.with_blocks(a_next)
            if one_step:
                err_a = _one_step(X=Xb, y=yb, a=a, sa=sa, a_next=a_next_net, b=b, opt_first=opt_first,
                                  opt_second=opt_second, ga=ga, ea=ea, l2_second=l2_second, mapping=mapping,
                                  out=(one_gap, one_ratio))
                if err_a is None:
                    diverged = True
                    break
                if on_step is not None:
                    on_step(t + 1, a_next, err_a)
            # the free-running steps
            if hessians:
                if rate_vector is None:
                    rate_vector = np.concatenate([np.full(blk.size, r) for blk, r in zip(b.blocks, rates, strict=True)])
                rho.append(contraction(bn.hessian(b, Xb, yb, l2_second), rate_vector))
                err_b, _ = opt_second.step_error(b.blocks, gb, sb, eb)
                tau.append(_rate_norm(mapping.carry(err_a), rates) + _rate_norm(err_b, rates))
            b_next, sb = opt_second.step(b.blocks, gb, sb)
            a, sa, b = a_next_net, sa_next, b.with_blocks(b_next)
            t += 1
            measure(a, b)
            if keep and t % stride == 0:
                kept[0].append(a.blocks)
                kept[1].append(b.blocks)
                kept_steps.append(t)
                if len(kept_steps) > 2 * keep:  # thin to every other kept step, and keep half as often
                    kept = (kept[0][::2], kept[1][::2])
                    kept_steps = kept_steps[::2]
                    stride *= 2
            if progress is not None:
                progress(t)
    return Lockstep(
        steps=t,
        gap=np.array(gap),
        gap_norm=np.array(gap_norm),
        bound=propagate(np.asarray(rho), np.asarray(tau)) if hessians else None,
        bound_slack=np.array(slack) if hessians else None,
        rho=np.array(rho) if hessians else None,
        one_step_gap=np.array(one_gap),
        one_step_ratio=np.array(one_ratio),
        losses=(np.array(la), np.array(lb)),
        grad_norms=np.array(gn),
        first=a,
        second=b,
        diverged=diverged,
        converged=converged,
        kept=kept,
        kept_steps=np.array(kept_steps) if keep else None,
        tolerance=tolerance,
    )
