"""One JSON-ready record per fncall item: what reports (terminal, JSON, HTML) are made of.

A record travels on the pytest report (``report.fncall_record``), so it crosses from
pytest-xdist workers to the controller like the rest of the report; nothing is global.
Shape (DESIGN §5, extra fields welcome)::

    {"nodeid", "file", "case", "model", "outcome": "passed|failed|error|skipped",
     "xfail": reason | None, "failures": [{"code", "message", "details"}],
     "trials": [{"passed", "steps": [{"text", "calls": [{"name", "arguments",
                 "raw_arguments", "result": {"content", "is_error", "fault"} | None}]}],
                 loop mode: "stopped", "final_state"}],
     "usage": {"input_tokens", "output_tokens"}, "latency_s", "error": message | None,
     "reliability": {"n", "c", "pass_hat_k": {"1": ...}, "pass_at_k": {...}} | None,
     "messages": [the prompt, OpenAI format], "expect": [expected patterns, as text],
     "perturbation": the variant's name (``perturb:``) | None for the original case}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .results import Failure, Trajectory

RECORD_ATTRIBUTE = "fncall_record"


def trial_record(trajectory: Trajectory, passed: bool) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [
        {"text": turn.text, "calls": []} for turn in trajectory.steps
    ]
    for placed in trajectory.placed_calls():
        call, result = placed.call, placed.result
        steps[placed.step]["calls"].append(
            {
                "name": call.name,
                "arguments": call.arguments,
                "raw_arguments": call.raw_arguments,
                # single mode: calls are recorded, not executed
                "result": None
                if result is None
                else {
                    "content": result.content,
                    "is_error": result.is_error,
                    "fault": result.fault,
                },
            }
        )
    record: dict[str, Any] = {"passed": passed, "steps": steps}
    if trajectory.looped:
        record["stopped"] = trajectory.stopped
        record["final_state"] = trajectory.final_state
    return record


def case_record(
    *,
    nodeid: str,
    file: str,
    case: str,
    model: str | None,
    outcome: str,
    failures: Sequence[Failure],
    trajectories: Sequence[tuple[Trajectory, bool]],
    xfail: str | None = None,
    error: str | None = None,
    reliability: dict[str, Any] | None = None,
    messages: Sequence[Mapping[str, Any]] = (),
    expect: Sequence[str] = (),
    perturbation: str | None = None,
) -> dict[str, Any]:
    """The record of one item once its outcome is known."""
    input_tokens = output_tokens = 0
    counted = False
    latency = 0.0
    timed = False
    for trajectory, _ in trajectories:
        for turn in trajectory.steps:
            if (
                turn.usage.input_tokens is not None
                or turn.usage.output_tokens is not None
            ):
                counted = True
                input_tokens += turn.usage.input_tokens or 0
                output_tokens += turn.usage.output_tokens or 0
            if turn.latency_s is not None:
                timed = True
                latency += turn.latency_s
    return {
        "nodeid": nodeid,
        "file": file,
        "case": case,
        "model": model,
        "perturbation": perturbation,
        "outcome": outcome,
        "xfail": xfail,
        "failures": [
            {"code": f.code, "message": f.summary, "details": list(f.details)}
            for f in failures
        ],
        "trials": [trial_record(t, passed) for t, passed in trajectories],
        "usage": {
            "input_tokens": input_tokens if counted else None,
            "output_tokens": output_tokens if counted else None,
        },
        "latency_s": round(latency, 4) if timed else None,
        "error": error,
        "reliability": reliability,
        "messages": [dict(message) for message in messages],
        "expect": list(expect),
    }
