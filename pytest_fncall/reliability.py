"""Repeated trials: the plan, the τ-bench estimators pass^k and pass@k, and the verdict.

pass^k = C(c, k) / C(n, k) is the chance that k trials drawn from the n run all pass;
pass@k = 1 - C(n - c, k) / C(n, k) that at least one of them does (c of n passed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

from .results import Failure


@dataclass(frozen=True)
class RepeatPlan:
    """How many trials, and the bar the passing share must clear (all must pass by default)."""

    n: int = 1
    min_pass_rate: float | None = None
    max_failures: int | None = None
    pass_hat_k: tuple[int, float] | None = None  # (k, min)
    early_stop: bool = False

    @property
    def min_valid_trials(self) -> int:
        return self.pass_hat_k[0] if self.pass_hat_k else 1

    def passes(self, passed: int, total: int) -> bool:
        if self.max_failures is not None:
            return total - passed <= self.max_failures
        if self.pass_hat_k is not None:
            k, minimum = self.pass_hat_k
            return pass_hat_k(passed, total, k) >= minimum - 1e-12
        rate = 1.0 if self.min_pass_rate is None else self.min_pass_rate
        return passed / total >= rate - 1e-12

    def decided(self, passed: int, failed: int) -> bool:
        """Whether the remaining trials can no longer change the verdict."""
        remaining = self.n - passed - failed
        return self.passes(passed, self.n) or not self.passes(
            passed + remaining, self.n
        )

    def shortfall(self, passed: int, total: int) -> str:
        """``3/5 trials passed; pass^1 0.60 < 0.80`` (the line of an ``unreliable`` failure)."""
        head = f"{passed}/{total} trials passed"
        if self.max_failures is not None:
            return (
                f"{head}; {total - passed} failures > max_failures {self.max_failures}"
            )
        if self.pass_hat_k is not None:
            k, minimum = self.pass_hat_k
            return (
                f"{head}; pass^{k} {pass_hat_k(passed, total, k):.2f} < {minimum:.2f}"
            )
        rate = 1.0 if self.min_pass_rate is None else self.min_pass_rate
        return f"{head}; pass^1 {passed / total:.2f} < {rate:.2f}"


def pass_hat_k(passed: int, total: int, k: int) -> float:
    if k > total:
        raise ValueError(f"k={k} exceeds the {total} trials")
    return comb(passed, k) / comb(total, k)


def pass_at_k(passed: int, total: int, k: int) -> float:
    if k > total:
        raise ValueError(f"k={k} exceeds the {total} trials")
    return 1.0 - comb(total - passed, k) / comb(total, k)


def reliability_summary(passes: Sequence[bool]) -> dict[str, object]:
    """``{"n", "c", "pass_hat_k": {"1": ..}, "pass_at_k": {..}}`` for reports."""
    total, passed = len(passes), sum(passes)
    ks = range(1, total + 1)
    return {
        "n": total,
        "c": passed,
        "pass_hat_k": {str(k): round(pass_hat_k(passed, total, k), 4) for k in ks},
        "pass_at_k": {str(k): round(pass_at_k(passed, total, k), 4) for k in ks},
    }


def unreliable(
    plan: RepeatPlan, trial_failures: Sequence[Sequence[Failure]], skipped: int = 0
) -> Failure | None:
    """The ``unreliable`` failure over the valid trials, or None when the plan is met."""
    total = len(trial_failures)
    passed = sum(1 for failures in trial_failures if not failures)
    if plan.passes(passed, total):
        return None
    lines = [
        f"trial {number}: {', '.join(dict.fromkeys(f.code for f in failures))}"
        for number, failures in enumerate(trial_failures, start=1)
        if failures
    ]
    if skipped:
        lines.append(
            f"({skipped} trial(s) ended in provider errors and were not counted)"
        )
    if total < plan.n - skipped:
        lines.append(f"(early stop: {plan.n - total - skipped} trial(s) not run)")
    return Failure(
        "unreliable",
        plan.shortfall(passed, total),
        tuple(lines),
        "repeat: {n, min_pass_rate | max_failures | pass_hat_k} sets the bar "
        "(README.md#repeated-trials)",
    )
