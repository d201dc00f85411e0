"""Run one case against one model and judge it; knows nothing of pytest.

Single mode: one request, one assistant turn; its calls are recorded, not executed.
"""

from __future__ import annotations

import time
from dataclasses import replace

from .loader import CaseDefinition
from .providers import ModelRequest, Provider
from .results import Failure, Trajectory
from .verdict import evaluate


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
    """Ask the model once; provider problems raise :class:`~pytest_fncall.errors.ProviderError`."""
    started = time.perf_counter()
    turn = await provider.complete(build_request(case, model))
    if turn.latency_s is None:
        turn = replace(turn, latency_s=time.perf_counter() - started)
    return Trajectory((turn,))


def judge(case: CaseDefinition, trajectory: Trajectory) -> list[Failure]:
    """Every failed check of the trajectory (empty when the case passes)."""
    return evaluate(case.expectation, trajectory, case.tools)
