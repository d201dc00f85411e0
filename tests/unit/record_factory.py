"""Item records for report tests, built the way the plugin builds them (real result objects)."""

from __future__ import annotations

from typing import Any

from pytest_fncall.records import case_record
from pytest_fncall.results import Failure, ModelTurn, ToolCall, Trajectory, Usage

A = "scripted/a.yaml"
B = "scripted/b.yaml"


def turn(
    *calls: tuple[str, Any],
    text: str | None = None,
    tokens: tuple[int, int] | None = None,
    latency: float | None = 0.5,
) -> ModelTurn:
    return ModelTurn(
        text,
        tuple(
            ToolCall.from_model_arguments(f"call_{n}", name, arguments)
            for n, (name, arguments) in enumerate(calls)
        ),
        usage=Usage(*tokens) if tokens else Usage(),
        latency_s=latency,
    )


def record(
    case: str,
    model: str | None = A,
    outcome: str = "passed",
    *,
    codes: tuple[str, ...] = (),
    steps: tuple[ModelTurn, ...] | None = None,
    file: str = "weather.fncall.yaml",
    xfail: str | None = None,
    error: str | None = None,
    tokens: tuple[int, int] | None = None,
    latency: float | None = 0.5,
    trials: int = 1,
) -> dict[str, Any]:
    """The record of ``case`` against ``model``; ``codes`` become its failures."""
    failures = [
        Failure(code, f"{code} in {case}", (f"detail of {code}",)) for code in codes
    ]
    if steps is None:
        steps = (
            turn(("get_weather", {"city": "Paris"}), tokens=tokens, latency=latency),
        )
    ran = outcome != "error" and not (outcome == "skipped" and xfail is None)
    trajectories = [(Trajectory(steps), not codes)] * trials if ran else []
    name = f"{case}[{model}]" if model else case
    return case_record(
        nodeid=f"{file}::{name}",
        file=file,
        case=case,
        model=model,
        outcome=outcome,
        failures=failures,
        trajectories=trajectories,
        xfail=xfail,
        error=error,
    )
