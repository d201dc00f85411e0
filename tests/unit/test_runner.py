"""run_trials: independent trials, the retry of a failing trial, exclusion, early stop."""

from __future__ import annotations

import asyncio

from pytest_fncall.errors import ProviderError
from pytest_fncall.expectations import Expectation
from pytest_fncall.loader import CaseDefinition
from pytest_fncall.providers.base import ModelRequest
from pytest_fncall.reliability import RepeatPlan
from pytest_fncall.results import Failure, ModelTurn, Trajectory
from pytest_fncall.runner import run_trials, valid_trials

CASE = CaseDefinition(
    id="c",
    line=1,
    messages=({"role": "user", "content": "hi"},),
    tools=(),
    tool_choice="auto",
    settings={},
    expectation=Expectation(),
)


class Model:
    """Numbered calls; calls listed in ``errors`` raise, the others answer ``text``."""

    def __init__(self, errors: set[int] = frozenset()) -> None:
        self.errors = errors
        self.calls = 0

    async def complete(self, request: ModelRequest) -> ModelTurn:
        self.calls += 1
        number = self.calls
        if number in self.errors:
            raise ProviderError(f"call {number} failed")
        await asyncio.sleep(0.005 * number)  # later calls answer later
        return ModelTurn(text=str(number))


def fails_on_even(case: CaseDefinition, trajectory: Trajectory) -> list[Failure]:
    number = int(trajectory.final_text or 0)
    return [Failure("wrong_tool", "even")] if number % 2 == 0 else []


def test_each_trial_asks_the_model_independently():
    model = Model()
    trials = asyncio.run(run_trials(CASE, model, "m", RepeatPlan(n=5), fails_on_even))
    assert model.calls == 5
    assert [trial.passed for trial in trials] == [True, False, True, False, True]


def test_a_trial_whose_provider_fails_twice_is_excluded():
    model = Model(errors={1, 2})  # the first trial's attempt and its retry
    trials = asyncio.run(run_trials(CASE, model, "m", RepeatPlan(n=3), fails_on_even))
    assert trials[0].error == "call 2 failed"
    assert len(valid_trials(trials)) == 2


def test_a_single_trial_is_not_retried_here():
    model = Model(errors={1})  # the provider already retried; the item should error
    (trial,) = asyncio.run(run_trials(CASE, model, "m", RepeatPlan(n=1), fails_on_even))
    assert trial.error == "call 1 failed"
    assert model.calls == 1


def test_early_stop_cancels_trials_once_the_verdict_is_certain():
    model = Model()
    plan = RepeatPlan(n=10, min_pass_rate=0.1, early_stop=True)
    trials = asyncio.run(run_trials(CASE, model, "m", plan, fails_on_even))
    assert 1 <= len(trials) < 10
    assert any(trial.passed for trial in trials)
