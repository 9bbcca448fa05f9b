"""The forum's networks 0, 1 and 2 (seed 000), trained from one initialisation: the experiments of the networks
report, each returning a small record for the notebook to show and check.

* **network 1**: two softmax units ``z_0 = w_0' a``, ``z_1 = w_1' a`` on the features ``a`` (the inputs, or a shared
  base network's logistic units);
* **network 0**: ``sigmoid(z_1 - z_0)``, a new branch on network 1's own two units: the same weights, the same function;
* **network 2**: one sigmoid unit ``sigmoid(v' a)``, its head started at ``w_1 - w_0``.

**The rule.** Network 1's loss is network 2's at ``v = w_1 - w_0``, so its two units receive the gradients ``-g`` and
``+g`` (``g`` network 2's head gradient) and ``d = w_1 - w_0`` moves by ``-2 eta g`` per step: network 2 follows
network 1 exactly when its head's learning rate is ``2 eta`` and its base's is ``eta``. An L2 penalty ``lambda`` on
network 1 becomes ``lambda / 2`` on network 2's head (``||w_0||^2 + ||w_1||^2 = (||d||^2 + ||s||^2) / 2``) and
``lambda`` on its base; ``s = w_0 + w_1`` never moves without one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import basenet as bn
from . import certificates
from . import lockstep as ls
from . import networks as nw
from .optimizers import Optimizer
from .rounding import EPS

__all__ = [
    "single_unit",
    "minibatches",
    "SumTracker",
    "LinearRule",
    "linear_rule",
    "BaseRule",
    "base_rule",
    "MirrorCheck",
    "mirror_check",
    "OptimizerRow",
    "optimizer_table",
    "head_multiplier_check",
    "PairBase",
    "pair_shared_base",
]


def single_unit(blocks) -> tuple[np.ndarray, ...]:
    """Network 2's start from network 1's blocks: the same base, the head ``w_1 - w_0``."""
    return tuple(blocks[:-1]) + (blocks[-1][:, 1:2] - blocks[-1][:, 0:1],)


def minibatches(n: int, batch_size: int, steps: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Rows of each of ``steps`` minibatch steps: consecutive slices of a fresh permutation every epoch."""
    size = max(1, min(batch_size, n))
    out: list[np.ndarray] = []
    while len(out) < steps:
        order = rng.permutation(n)
        out += [order[i : i + size] for i in range(0, n, size)]
    return out[:steps]


class SumTracker:
    """``s = w_0 + w_1`` of network 1 step by step against what plain gradient descent makes of it (an ``on_step``
    callback of :func:`logistic_softmax.science.lockstep.run`).

    Exactly, ``s_{t+1} = c s_t`` with ``c = 1 - eta lambda`` on the weights and ``c = 1`` on the bias. The computed
    ``s`` departs from that by the two units' rounding of each step (the bounds the runner passes in) and the addition
    ``w_0 + w_1``; ``|c|`` carries earlier departures on. Keeps the largest departure, its largest ratio to that
    allowance, and the norm of the weights' part of ``s`` after every step.
    """

    def __init__(self, head: np.ndarray, eta: float, lam: float):
        self.start = head[:, 0] + head[:, 1]
        self.c = np.full(self.start.size, 1.0 - eta * lam)
        self.c[0] = 1.0
        self.allowance = np.zeros_like(self.start)
        self.last = self.start
        self.drift, self.ratio = 0.0, 0.0
        self.norms = [float(np.linalg.norm(self.start[1:]))]

    def __call__(self, t: int, blocks, errors) -> None:
        W, E = blocks[-1], errors[-1]
        s = W[:, 0] + W[:, 1]
        expected = self.c**t * self.start
        rounding = E[:, 0] + E[:, 1] + EPS * np.abs(s) + 2 * EPS * np.abs(expected)
        self.allowance = np.abs(self.c) * self.allowance + rounding
        gap = np.abs(s - expected)
        self.drift = max(self.drift, float(gap.max()))
        self.ratio = max(self.ratio, float(np.max(gap / np.maximum(self.allowance, 1e-300))))
        self.last = s
        self.norms.append(float(np.linalg.norm(s[1:])))

    @property
    def holds(self) -> bool:
        return self.ratio <= 1.0

    def evidence(self) -> str:
        steps = len(self.norms) - 1
        return f"largest departure {self.drift:.2e} over {steps:,} steps, at most {self.ratio:.2f} of its allowance"


def _opt(kind: str, rate_base: float, rate_head: float, base: bool, **kw) -> Optimizer:
    return Optimizer(kind, (rate_base, rate_head) if base else (rate_head,), **kw)


def _penalty(lam: float, base: bool, head_factor: float = 1.0):
    return (lam, lam * head_factor) if base else lam * head_factor


# -- the linear case -----------------------------------------------------------------------------------------------
@dataclass
class LinearRule:
    """Networks 1 and 2 without a base, trained by gradient descent to a gradient-norm tolerance."""

    exact: ls.Lockstep  # network 1 at eta against network 2 at 2 eta (with the penalty lambda / 2)
    global_rate: nw.Trajectory  # network 2 at eta, its own tolerance
    optimum: np.ndarray | None  # of network 2's loss (Newton), None when it has none
    cert_exact: certificates.Certificate  # for network 1's final w_1 - w_0
    cert_global: certificates.Certificate  # for network 2 at eta, final
    sums: SumTracker


def linear_rule(X, y, start, *, eta: float, l2: float, steps: int, tolerance: float) -> LinearRule:
    """Network 1 (two units, ``start`` d x 2) and network 2 on the design ``X``; see :class:`LinearRule`."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(np.int64)
    net1 = bn.Net("softmax", (np.asarray(start, dtype=np.float64),))
    net2 = bn.Net("sigmoid", single_unit(net1.blocks))
    sums = SumTracker(net1.W, eta, l2)
    exact = ls.run(
        X, y, net1, net2, opt_first=Optimizer("gd", (eta,)), opt_second=Optimizer("gd", (2 * eta,)),
        l2_first=l2, l2_second=l2 / 2, mapping=ls.DIFFERENCE, steps=steps, tolerance=tolerance, keep=1000,
        hessians=True, on_step=sums,
    )
    glob = nw.train_neuron(X, y, net2.W[:, 0], learning_rate=eta, max_steps=steps, tolerance=tolerance, l2=l2 / 2,
                           keep_weights=steps * X.shape[1] <= 4_000_000)
    try:
        optimum = nw.neuron_optimum(X, y, l2 / 2)[0]
    except (RuntimeError, np.linalg.LinAlgError):
        optimum = None
    d_final = exact.first.W[:, 1] - exact.first.W[:, 0]
    return LinearRule(
        exact, glob, optimum, certificates.neuron(X, y, d_final, l2 / 2), certificates.neuron(X, y, glob.final, l2 / 2),
        sums,
    )


# -- a shared base -------------------------------------------------------------------------------------------------
@dataclass
class BaseRule:
    """Networks 0, 1 and 2 on a shared base of logistic units, trained by full-batch gradient descent."""

    net0: ls.Lockstep  # network 1 against network 0, both at eta
    exact: ls.Lockstep  # network 1 against network 2 at 2 eta (head) and eta (base)
    hessian_work: float  # multiply-adds the free-running bounds needed (or would have needed)
    bounded: bool  # whether they were computed (hessian_work within the budget)
    global_rates: dict[str, ls.Lockstep]  # network 1 against network 2 at one rate everywhere: "eta", "2eta"
    sums: SumTracker
    prediction_changes: dict[str, int]  # training rows whose predicted class differs from network 1's
    feature_gap: dict[str, float]  # largest difference between network 1's and network 2's hidden units

    @property
    def exact_rule_max_abs_diff(self) -> float:
        return float(self.exact.gap.max())


#: Multiply-adds allowed for the Hessians of the free-running bounds (about a minute here); above it the bounds are
#: not computed and the report says so (the one-step checks do not need them).
HESSIAN_BUDGET = 2e11


def base_rule(X, y, blocks, *, eta: float, l2: float, steps: int, progress: Callable[[str], None] | None = None):
    """:class:`BaseRule` from network 1's blocks ``(V, W)`` (see :func:`logistic_softmax.science.basenet.init`).

    The free-running bounds need a Hessian of network 2 (and of network 0) at every step, about ``2 n K P^2``
    multiply-adds each (``P`` weights); they are computed when all of them fit :data:`HESSIAN_BUDGET`.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(np.int64)
    net1 = bn.Net("softmax", blocks)
    net0 = bn.Net("difference", blocks)
    net2 = bn.Net("sigmoid", single_unit(blocks))
    gd = Optimizer("gd", (eta, eta))

    def tick(what: str):
        if progress is None:
            return None
        every = max(1, steps // 4)
        return lambda t: progress(f"{what}: step {t:,}/{steps:,}") if t % every == 0 else None

    work = 2.0 * len(X) * steps * (2 * net1.size**2 + net2.size**2)
    bounded = work <= HESSIAN_BUDGET
    common = {"opt_first": gd, "l2_first": l2, "steps": steps}
    zero_one = ls.run(X, y, net1, net0, opt_second=gd, l2_second=l2, hessians=bounded,
                      progress=tick("networks 1 and 0"), **common)
    sums = SumTracker(net1.W, eta, l2)
    exact = ls.run(X, y, net1, net2, opt_second=Optimizer("gd", (eta, 2 * eta)), l2_second=(l2, l2 / 2),
                   mapping=ls.DIFFERENCE, hessians=bounded, on_step=sums, progress=tick("networks 1 and 2"), **common)
    rates = {"eta": eta, "2eta": 2 * eta}
    glob = {
        key: ls.run(X, y, net1, net2, opt_second=Optimizer("gd", (r, r)), l2_second=(l2, l2 / 2),
                    mapping=ls.DIFFERENCE, one_step=False, **common)
        for key, r in rates.items()
    }
    p1 = bn.predict_proba(exact.first, X) > 0.5
    h1 = bn.hidden(exact.first, X)
    changes = {k: int(np.sum((bn.predict_proba(r.second, X) > 0.5) != p1)) for k, r in glob.items()}
    feature_gap = {k: float(np.max(np.abs(bn.hidden(r.second, X) - h1))) for k, r in glob.items()}
    return BaseRule(zero_one, exact, work, bounded, glob, sums, changes, feature_gap)


# -- the rule under other optimisers -------------------------------------------------------------------------------
@dataclass
class MirrorCheck:
    """After one Adam step with an L2 penalty in the gradient, the first moments of network 1's two units: the data
    parts of their gradients are ``-g`` and ``+g`` and cancel, the penalties ``lambda w_0`` and ``lambda w_1`` do
    not, so ``m_0 + m_1 = (1 - beta_1) lambda (w_0 + w_1)`` on the weights and 0 on the bias, not 0 everywhere."""

    actual: np.ndarray
    expected: np.ndarray
    allowance: np.ndarray


def mirror_check(X, y, net: bn.Net, opt: Optimizer, l2, rows) -> MirrorCheck:
    """:class:`MirrorCheck` of one step of ``opt`` (Adam) on the minibatch ``rows``, penalty ``l2`` per block."""
    _, g, e = bn.gradient_and_error(net, X[rows], y[rows], l2)
    state = opt.init(net.blocks)
    _, after = opt.step(net.blocks, g, state)
    _, state_err = opt.step_error(net.blocks, g, state, e)
    m, em = after.slots[-1][0], state_err[-1][0]
    lam = l2[-1] if isinstance(l2, tuple) else l2
    W = net.W
    expected = (1 - opt.beta1) * lam * (W[:, 0] + W[:, 1])
    expected[0] = 0.0
    actual = m[:, 0] + m[:, 1]
    data = (1 - opt.beta1) * (e[-1][:, 0] + e[-1][:, 1])  # the rounding of the two data parts that cancel
    allowance = em[:, 0] + em[:, 1] + data + EPS * (np.abs(actual) + np.abs(expected))
    return MirrorCheck(actual, expected, allowance)


@dataclass
class OptimizerRow:
    key: str  # the name recorded in the run's JSON
    label: str
    expect_exact: bool  # what the theory says for this run
    why: str
    run: ls.Lockstep
    mirror: MirrorCheck | None = None  # for Adam with a coupled penalty: how its moments stop being mirror images

    @property
    def exact(self) -> bool:
        """Did one step of network 1, mapped, equal one step of network 2 within its rounding, at every step?"""
        return bool(self.run.one_step_ratio.size) and bool(np.all(self.run.one_step_ratio <= 1.0))


def optimizer_table(X, y, blocks, *, eta: float, momentum: float, adam_rate: float, l2: float, l2_adam: float,
                    batch_size: int, steps: int, rng: np.random.Generator, gd: ls.Lockstep | None = None):
    """The rule (head ``2 eta``, base ``eta``, head penalty ``lambda / 2``) under each optimiser, on the same
    minibatches for both networks; returns one :class:`OptimizerRow` per optimiser."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(np.int64)
    base = len(blocks) == 2
    net1 = bn.Net("softmax", blocks)
    batches = minibatches(len(X), batch_size, steps, rng)
    pick = batches.__getitem__
    rows: list[OptimizerRow] = []

    def add(key, label, expect, why, net, o1, o2, l2_1, l2_2, batched=True, done=None, mirror=None):
        run = done or ls.run(X, y, net, bn.Net("sigmoid", single_unit(net.blocks)), opt_first=o1, opt_second=o2,
                             l2_first=l2_1, l2_second=l2_2, mapping=ls.DIFFERENCE, steps=steps,
                             batches=pick if batched else None, loss_every=max(1, steps // 250) if batched else 1)
        rows.append(OptimizerRow(key, label, expect, why, run, mirror))

    half = _penalty(l2, base, 0.5)
    add("gd", "gradient descent (full batch)", True, "d moves by −2ηg", net1, _opt("gd", eta, eta, base),
        _opt("gd", eta, 2 * eta, base), l2, half, batched=False, done=gd)
    add("sgd", f"SGD, minibatches of {min(batch_size, len(X))}", True, "each minibatch's loss obeys the rule", net1,
        _opt("gd", eta, eta, base), _opt("gd", eta, 2 * eta, base), l2, half)
    mrate = eta * (1 - momentum)
    add("momentum", f"momentum {momentum:g} (rate {mrate:.3g})", True, "the velocity of d is u₁ − u₀", net1,
        _opt("momentum", mrate, mrate, base, momentum=momentum), _opt("momentum", mrate, 2 * mrate, base,
                                                                        momentum=momentum), l2, half)
    add("adam", f"Adam (rate {adam_rate:g}), no penalty", True, "w₀, w₁ get ∓g: mirror-image moments", net1,
        _opt("adam", adam_rate, adam_rate, base), _opt("adam", adam_rate, 2 * adam_rate, base), 0.0, 0.0)
    s_w = blocks[-1][1:, 0] + blocks[-1][1:, 1]
    a_half = _penalty(l2_adam, base, 0.5)
    adam1 = _opt("adam", adam_rate, adam_rate, base)
    add("adam_l2_coupled", f"Adam, L2 λ = {l2_adam:g} in the gradient", bool(np.all(s_w == 0)),
        "w₀ + w₁ ≠ 0 at the start: w₀, w₁ get −g + λw₀, g + λw₁, no longer mirror images" if np.any(s_w)
        else "w₀ + w₁ = 0 at the start", net1, adam1, _opt("adam", adam_rate, 2 * adam_rate, base), l2_adam, a_half,
        mirror=mirror_check(X, y, net1, adam1, _penalty(l2_adam, base), batches[0]))
    W_sym = blocks[-1].copy()
    d = W_sym[1:, 1] - W_sym[1:, 0]
    W_sym[1:, 0], W_sym[1:, 1] = -d / 2, d / 2
    add("adam_l2_coupled_symmetric", f"Adam, L2 λ = {l2_adam:g} in the gradient, started at w₀ = −w₁", True,
        "w₀ + w₁ = 0 stays 0: the moments stay mirror images", net1.with_blocks(tuple(blocks[:-1]) + (W_sym,)),
        _opt("adam", adam_rate, adam_rate, base), _opt("adam", adam_rate, 2 * adam_rate, base), l2_adam, a_half)
    decay = (l2_adam, l2_adam) if base else (l2_adam,)
    add("adamw", f"AdamW, decoupled decay {l2_adam:g}", True, "d decays by 2η·(λ/2) = ηλ", net1,
        _opt("adamw", adam_rate, adam_rate, base, decay=decay),
        _opt("adamw", adam_rate, 2 * adam_rate, base, decay=decay[:-1] + (l2_adam / 2,)), 0.0, 0.0)
    return rows

def head_multiplier_check(X, y, blocks, *, eta: float, adam_rate: float, momentum: float, l2: float, rows):
    """One step of network 2 from its start with its head written ``v = c v~``, against the rule's head rate.

    Returns, for each claim, ``(v after the step with the multiplier, v after the step at the rule's rate,
    allowance)``: with ``c = sqrt(2)`` and one global rate, gradient descent and momentum give the head rate ``2 eta``;
    Adam with ``c = 2`` (and ``eps`` doubled) gives Adam at head rate ``2 eta``. The allowance is both steps' rounding
    (:meth:`Optimizer.step_error`) and that of ``c`` and of the products by it.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(np.int64)
    net2 = bn.Net("sigmoid", single_unit(blocks))
    _, grads, errors = bn.gradient_and_error(net2, X[rows], y[rows], _penalty(l2, len(blocks) == 2, 0.5))
    v, g, e = net2.W, grads[-1], errors[-1]
    out = {}
    for kind, c, rate, hyper, name in (
        ("gd", np.sqrt(2.0), eta, {}, "gradient descent"),
        ("momentum", np.sqrt(2.0), eta * (1 - momentum), {"momentum": momentum}, "momentum"),
        ("adam", 2.0, adam_rate, {}, "Adam"),
    ):
        eps_scale = c if kind == "adam" else 1.0
        scaled = Optimizer(kind, (rate,), eps=1e-8 * eps_scale, **hyper)
        rule = Optimizer(kind, (2 * rate,), **hyper)
        (tilde,), _ = scaled.step((v / c,), (c * g,), scaled.init([v]))
        (direct,), _ = rule.step((v,), (g,), rule.init([v]))
        (e_tilde,), _ = scaled.step_error((v / c,), (c * g,), scaled.init([v]), (c * e,), (EPS * np.abs(v / c),))
        (e_direct,), _ = rule.step_error((v,), (g,), rule.init([v]), (e,))
        got = c * tilde
        allow = c * e_tilde + e_direct + 2 * EPS * np.abs(got)
        label = f"{name}: one global rate with the head written √2·ṽ moves the head as the rule's rate 2η does"
        if kind == "adam":
            label = "Adam: a head multiplier scales the step by c, so c = 2 (ε doubled) gives the rule's 2η"
        out[label] = (got, direct, allow)
    return out


# -- MNIST: the shared base on images ------------------------------------------------------------------------------
@dataclass
class PairBase:
    """Two digits on a 784 -> hidden logistic base, network 1 (softmax head) and network 2 (sigmoid head)."""

    exact: ls.Lockstep  # network 2 at 2 eta (head) / eta (base), same minibatches
    global_rate: bn.Net  # network 2 at eta everywhere, trained alone on the same minibatches, at the end
    global_rate_gap: float  # its largest |difference| from network 1's final base and w1 - w0
    test_accuracy: dict[str, float]  # network 1, network 2 (rule), network 2 (one rate)
    prediction_changes: int  # test images whose predicted digit differs between network 1 and network 2 (one rate)
    rule_prediction_changes: int  # the same for network 2 under the rule


def _train_alone(X, y, net: bn.Net, opt: Optimizer, batches, steps: int, progress) -> bn.Net:
    """The free-running steps of :func:`lockstep.run`'s second network, for one network (stops where they stop)."""
    state = opt.init(net.blocks)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(steps):
            loss, g = bn.value_and_gradient(net, X[batches[t]], y[batches[t]])
            if not (np.isfinite(loss) and all(np.isfinite(x).all() for x in g)):
                return net
            blocks, state = opt.step(net.blocks, g, state)
            net = net.with_blocks(blocks)
            if progress is not None:
                progress(t + 1)
    return net


def pair_shared_base(X, y, Xt, yt, *, hidden: int, eta: float, momentum: float, epochs: int, batch_size: int,
                     rng: np.random.Generator, progress: Callable[[str], None] | None = None) -> PairBase:
    """Train network 1 and network 2 on the pair's images (``y`` 0/1) in float64 from one initialisation. Network 2
    at one rate is trained alone: network 1's steps beside it would be those it takes beside network 2 by the rule."""
    X = np.column_stack([np.ones(len(X)), np.asarray(X, dtype=np.float64)])
    Xt = np.column_stack([np.ones(len(Xt)), np.asarray(Xt, dtype=np.float64)])
    y, yt = np.asarray(y).astype(np.int64), np.asarray(yt).astype(np.int64)
    blocks = bn.init(X.shape[1] - 1, hidden, 2, rng)
    per_epoch = -(-len(X) // max(1, min(batch_size, len(X))))
    steps = epochs * per_epoch
    batches = minibatches(len(X), batch_size, steps, rng)
    rate = eta * (1 - momentum)
    net1, net2 = bn.Net("softmax", blocks), bn.Net("sigmoid", single_unit(blocks))
    o1 = Optimizer("momentum", (rate, rate), momentum=momentum)

    def tick(what):
        if progress is None:
            return None
        return lambda t: progress(f"{what}: epoch {t // per_epoch}/{epochs}") if t % per_epoch == 0 else None

    exact = ls.run(X, y, net1, net2, opt_second=Optimizer("momentum", (rate, 2 * rate), momentum=momentum),
                   opt_first=o1, mapping=ls.DIFFERENCE, steps=steps, batches=batches.__getitem__,
                   loss_every=per_epoch, progress=tick("shared base, head 2η"))
    glob = _train_alone(X, y, net2, o1, batches, exact.steps, tick("shared base, one rate"))
    mapped = ls.DIFFERENCE.weights(exact.first)
    gap = max(float(np.max(np.abs(a - b))) for a, b in zip(mapped, glob.blocks, strict=True))
    p1, p2, pg = (bn.predict_proba(net, Xt) > 0.5 for net in (exact.first, exact.second, glob))
    acc = {"network 1": float(np.mean(p1 == yt)), "network 2 (rule)": float(np.mean(p2 == yt)),
           "network 2 (one rate)": float(np.mean(pg == yt))}
    return PairBase(exact, glob, gap, acc, int(np.sum(pg != p1)), int(np.sum(p2 != p1)))
