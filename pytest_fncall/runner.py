"""Run one case against one model and judge it; knows nothing of pytest.

Single mode: one request, one assistant turn; its calls are recorded, not executed.
Loop mode (a case with simulated tools): see :mod:`.loop`. Repeated trials run
concurrently (the request limiter of the run bounds them).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .errors import ProviderError
from .loader import CaseDefinition
from .loop import run_loop
from .loop_verdict import judge_loop
from .perturb_provider import perturbing
from .providers import ModelRequest, Provider
from .reliability import RepeatPlan
from .results import Failure, Trajectory
from .verdict import evaluate

Judge = Callable[[CaseDefinition, Trajectory], list[Failure]]


@dataclass(frozen=True)
class Trial:
    """One trial: its trajectory and failures, or the provider error that ended it."""

    trajectory: Trajectory | None
    failures: tuple[Failure, ...] = ()
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures

    @property
    def ran(self) -> Trajectory:
        """The trajectory of a trial that ran (not one that ended in a provider error)."""
        if self.trajectory is None:
            raise ValueError(f"the trial ended in a provider error: {self.error}")
        return self.trajectory


def build_request(case: CaseDefinition, model: str, step: int = 0) -> ModelRequest:
    return ModelRequest(
        model=model,
        case_id=case.id,
        messages=case.messages,
        tools=case.tools,
        tool_choice=case.tool_choice,
        settings=case.settings,
        step=step,
    )


async def run_case(case: CaseDefinition, provider: Provider, model: str) -> Trajectory:
    """One trial; provider problems raise :class:`~pytest_fncall.errors.ProviderError`.
    A perturbed variant asks through :mod:`.perturb_provider` (calls come back in
    canonical names)."""
    provider = perturbing(provider, case.perturbation)
    if case.loop is not None:
        return await run_loop(
            case.loop,
            case_id=case.id,
            model=model,
            provider=provider,
            messages=case.messages,
            tools=case.tools,
            tool_choice=case.tool_choice,
            settings=case.settings,
        )
    started = time.perf_counter()
    turn = await provider.complete(build_request(case, model))
    if turn.latency_s is None:
        turn = replace(turn, latency_s=time.perf_counter() - started)
    return Trajectory((turn,))


def judge(case: CaseDefinition, trajectory: Trajectory) -> list[Failure]:
    """Every failed check of the trajectory (empty when the case passes)."""
    if case.loop is not None:
        return judge_loop(
            case.loop, case.expectation, case.checks, trajectory, case.tools
        )
    failures = evaluate(case.expectation, trajectory, case.tools)
    if case.checks is not None:
        failures.extend(case.checks.failures(trajectory))
    return failures


async def run_trials(
    case: CaseDefinition,
    provider: Provider,
    model: str,
    plan: RepeatPlan,
    judge_trial: Judge = judge,
) -> list[Trial]:
    """Run ``plan.n`` independent trials; with several, a trial whose provider fails (after
    the provider's own retries) is tried once more, and excluded if it fails again.

    With ``plan.early_stop``, trials not yet finished are cancelled once the verdict
    cannot change. Results come back in the order the trials were started.
    """

    attempts = 1 if plan.n == 1 else 2

    async def one_trial() -> Trial:
        error = ""
        for _ in range(attempts):
            try:
                trajectory = await run_case(case, provider, model)
            except ProviderError as exc:
                error = str(exc)
                continue
            return Trial(trajectory, tuple(judge_trial(case, trajectory)))
        return Trial(None, error=error)

    if plan.n == 1:
        return [await one_trial()]  # its provider error makes the item an error
    tasks = [asyncio.ensure_future(one_trial()) for _ in range(plan.n)]
    if not plan.early_stop:
        return list(await asyncio.gather(*tasks))
    passed = failed = 0
    try:
        for finished in asyncio.as_completed(tasks):
            trial = await finished
            if trial.error is None:
                passed += trial.passed
                failed += not trial.passed
            if plan.decided(passed, failed):
                break
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return [
        task.result()
        for task in tasks
        if task.done() and not task.cancelled() and task.exception() is None
    ]


def valid_trials(trials: Sequence[Trial]) -> list[Trial]:
    return [trial for trial in trials if trial.error is None]
