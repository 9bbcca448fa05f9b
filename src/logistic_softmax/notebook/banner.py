"""The box at the top of a report: one banner for the diagnosis of a fit, the training of networks, and accuracy
targets. Every text in it is escaped: a label or column name from a user's data stays text."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..templating import render_snippet

__all__ = ["Banner", "diagnosis", "diagnoses", "TrainingStatus", "Targets"]


@dataclass
class Banner:
    """A green box when ``ok``, an orange one otherwise: a bold title, a sentence, a list, a closing sentence."""

    ok: bool
    title: str
    lead: str = ""
    items: list[str] = field(default_factory=list)
    footer: str = ""

    def _repr_html_(self) -> str:
        return render_snippet("notebook/banner.html.j2", ok=self.ok, title=self.title, lead=self.lead,
                              items=self.items, footer=self.footer)

    def __repr__(self) -> str:
        return " ".join(filter(None, [self.title, self.lead, "; ".join(self.items), self.footer]))


def diagnosis(d) -> Banner:
    """The banner of a :class:`logistic_softmax.science.diagnosis.Diagnosis`."""
    if d.ok:
        return Banner(True, "Diagnosis: the fit is sound.", d.summary() + ".", d.notes())
    return Banner(
        False,
        "Diagnosis: this fit has a problem, and the numbers that depend on it are not estimates.",
        "",
        d.problems + d.notes(),
        "Sections that need a finite maximum-likelihood estimate say so below and show what they can.",
    )


@dataclass
class TrainingStatus:
    """Whether every network of a report met its gradient-norm tolerance. ``runs`` maps a name to anything with
    ``converged``, ``diverged``, ``steps``, ``grad_norm`` and ``tolerance`` (a trajectory or a lockstep run)."""

    runs: dict
    max_steps: int
    notes: list[str] = field(default_factory=list)  # e.g. how far a network that stopped early is from the MLE

    @property
    def converged(self) -> bool:
        return all(t.converged for t in self.runs.values())

    def rows(self) -> list[str]:
        out = []
        for name, t in self.runs.items():
            if t.converged:
                state = f"converged after {t.steps:,} steps"
            elif t.diverged:
                state = f"diverged at step {t.steps:,}: the loss or gradient overflowed (learning rate too large)"
            else:
                state = f"stopped at the maximum of {t.steps:,} steps, not converged"
            out.append(f"{name}: {state} (gradient norm {t.grad_norm:.2e}, tolerance {t.tolerance:.0e})")
        return out

    def banner(self) -> Banner:
        if self.converged:
            lead = f"Every network met its gradient-norm tolerance within {self.max_steps:,} steps."
            return Banner(True, "Training: converged: true.", lead, self.rows() + self.notes)
        lead = (
            f"Some networks stopped before meeting their tolerance (at most {self.max_steps:,} steps). The identities "
            "that hold at every step are still checked; the comparisons that need an optimum show how far from it "
            "training ended."
        )
        return Banner(False, "Training: converged: false.", lead, self.rows() + self.notes)

    def _repr_html_(self) -> str:
        return self.banner()._repr_html_()

    def __repr__(self) -> str:
        return repr(self.banner())


@dataclass
class Targets:
    """Accuracies against their targets (met or not, never asserted: how far training gets depends on the
    parameters)."""

    rows: list[tuple[str, float, float]]  # (what, accuracy reached, target)
    notes: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return all(value >= target for _, value, target in self.rows)

    def lines(self) -> list[str]:
        return [
            f"{what}: test accuracy {value:.4f}, target {target:.3f}: {'met' if value >= target else 'not met'}"
            for what, value, target in self.rows
        ]

    def banner(self) -> Banner:
        title = "Accuracy targets: met." if self.met else "Accuracy targets: not met with these parameters."
        return Banner(self.met, title, "", self.lines() + self.notes)

    def _repr_html_(self) -> str:
        return self.banner()._repr_html_()

    def __repr__(self) -> str:
        return repr(self.banner())


def diagnoses(named: dict) -> Banner:
    """One banner for several fits: ``named`` maps a description of each fit to its
    :class:`logistic_softmax.science.diagnosis.Diagnosis`. Green when every fit is sound; otherwise each problem is
    listed with the fit it belongs to."""
    notes = [f"{name}: {note}" for name, d in named.items() for note in d.notes()]
    bad = {name: d for name, d in named.items() if not d.ok}
    if not bad:
        return Banner(True, f"Diagnosis: all {len(named)} fits are sound.",
                      "Each found its maximum-likelihood estimate, with finite standard errors.", notes)
    problems = [f"{name}: {p}" for name, d in bad.items() for p in d.problems]
    return Banner(
        False,
        f"Diagnosis: {len(bad)} of {len(named)} fits have a problem, and the numbers that depend on them are not "
        "estimates.",
        "",
        problems + notes,
        "Sections that need a finite maximum-likelihood estimate say so below and show what they can.",
    )
