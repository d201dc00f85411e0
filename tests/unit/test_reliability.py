"""pass^k / pass@k estimators and the repeated-trial verdict."""

from __future__ import annotations

import asyncio
from math import comb

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fncall.providers.limiter import RequestLimiter
from pytest_fncall.reliability import (
    RepeatPlan,
    pass_at_k,
    pass_hat_k,
    reliability_summary,
    unreliable,
)
from pytest_fncall.results import Failure

WRONG = [Failure("wrong_tool", "x")]


def test_estimators_on_known_values():
    assert pass_hat_k(3, 5, 1) == pytest.approx(0.6)
    assert pass_hat_k(3, 5, 2) == pytest.approx(0.3)
    assert pass_hat_k(5, 5, 5) == 1.0
    assert pass_at_k(3, 5, 1) == pytest.approx(0.6)
    assert pass_at_k(3, 5, 3) == 1.0
    assert pass_at_k(0, 5, 5) == 0.0
    with pytest.raises(ValueError, match="k=6 exceeds"):
        pass_hat_k(3, 5, 6)


@given(st.integers(1, 12).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))))
def test_estimators_agree_with_sampling_without_replacement(pair):
    total, passed = pair
    for k in range(1, total + 1):
        assert pass_hat_k(passed, total, k) == pytest.approx(
            comb(passed, k) / comb(total, k)
        )
        assert pass_hat_k(passed, total, k) <= pass_at_k(passed, total, k) + 1e-12


def test_three_of_five_passes_060_and_fails_080():
    trials = [[], WRONG, [], WRONG, []]
    assert unreliable(RepeatPlan(n=5, min_pass_rate=0.6), trials) is None
    failure = unreliable(RepeatPlan(n=5, min_pass_rate=0.8), trials)
    assert failure is not None
    assert failure.code == "unreliable"
    assert failure.summary == "3/5 trials passed; pass^1 0.60 < 0.80"
    assert failure.details == ("trial 2: wrong_tool", "trial 4: wrong_tool")


def test_other_thresholds_and_default():
    trials = [[], WRONG, [], WRONG, []]
    assert unreliable(RepeatPlan(n=5), trials).summary == (  # all must pass by default
        "3/5 trials passed; pass^1 0.60 < 1.00"
    )
    assert unreliable(RepeatPlan(n=5, max_failures=2), trials) is None
    assert unreliable(RepeatPlan(n=5, max_failures=1), trials).summary == (
        "3/5 trials passed; 2 failures > max_failures 1"
    )
    assert unreliable(RepeatPlan(n=5, pass_hat_k=(2, 0.5)), trials).summary == (
        "3/5 trials passed; pass^2 0.30 < 0.50"
    )
    assert unreliable(RepeatPlan(n=5, pass_hat_k=(2, 0.3)), trials) is None


def test_decided_for_early_stop():
    plan = RepeatPlan(n=5, min_pass_rate=0.6)
    assert plan.decided(3, 0)  # 3/5 already reached
    assert plan.decided(0, 3)  # at most 2/5 can pass
    assert not plan.decided(2, 1)


def test_summary_for_reports():
    summary = reliability_summary([True, False, True])
    assert summary["n"] == 3
    assert summary["c"] == 2
    assert summary["pass_hat_k"] == {"1": 0.6667, "2": 0.3333, "3": 0.0}
    assert summary["pass_at_k"]["2"] == 1.0


def test_limiter_bounds_in_flight_and_backs_off_on_429():
    async def scenario() -> tuple[int, float]:
        limiter = RequestLimiter(3)
        peak = 0

        async def request(throttled: bool) -> None:
            nonlocal peak
            await limiter.acquire()
            peak = max(peak, limiter.stats.in_flight)
            await asyncio.sleep(0.01)
            await limiter.release(throttled=throttled)

        await asyncio.gather(*(request(False) for _ in range(12)))
        await request(True)
        return peak, limiter.window

    peak, window = asyncio.run(scenario())
    assert peak == 3
    assert window == 1.5  # halved by the 429
