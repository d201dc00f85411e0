"""Judge a loop-mode trajectory: the case's expectation over every step, how the loop
ended, the loop checks (reply, state, recover, identical calls) and each user turn's
own expectation over that turn's steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .expectations import Expectation
from .loop import STOPPED_MAX_STEPS, STOPPED_UNMATCHED
from .loop_checks import LoopChecks
from .loop_plan import LoopPlan
from .results import Failure, Tool, Trajectory, limit_per_code, render_call
from .verdict import evaluate

_MAX_STEPS_HINT = (
    "if the task needs more steps, raise `max_steps` (README.md#loop-mode)"
)


def judge_loop(
    plan: LoopPlan,
    expectation: Expectation,
    checks: LoopChecks | None,
    trajectory: Trajectory,
    tools: Sequence[Tool],
) -> list[Failure]:
    failures = evaluate(expectation, trajectory, tools)
    failures.extend(_stop_failures(plan, trajectory))
    if checks is not None:
        failures.extend(checks.failures(trajectory))
    for number, user_turn in enumerate(plan.turns):
        part = turn_part(trajectory, number)
        found: list[Failure] = []
        if user_turn.expectation is not None:
            found.extend(_turn_only(evaluate(user_turn.expectation, part, tools)))
        if user_turn.checks is not None:
            found.extend(user_turn.checks.failures(part))
        failures.extend(
            replace(failure, summary=f"turn {number + 1}: {failure.summary}")
            for failure in found
        )
    return limit_per_code(failures)


def _stop_failures(plan: LoopPlan, trajectory: Trajectory) -> list[Failure]:
    if trajectory.stopped == STOPPED_MAX_STEPS:
        last = trajectory.steps[-1]
        return [
            Failure(
                "max_steps",
                f"the model was still calling tools after {plan.max_steps} steps "
                f"(max_steps: {plan.max_steps})",
                tuple(f"last step: {render_call(call)}" for call in last.calls[:5]),
                _MAX_STEPS_HINT,
            )
        ]
    if trajectory.stopped == STOPPED_UNMATCHED:
        placed = trajectory.placed_calls()[-1]
        answer = placed.result.content if placed.result is not None else ""
        return [
            Failure(
                "unexpected_call",
                f"call #{placed.index + 1} {placed.call.name} matched no mock rule, "
                "and the mocks say `on_unmatched: fail`; the trial stopped there",
                (f"actual:   {render_call(placed.call)}", f"answer:   {answer[:200]}"),
                "add a mock rule (or a `default:`) that answers this call, or drop "
                "`on_unmatched: fail` (README.md#mocks)",
            )
        ]
    return []


def _turn_only(failures: list[Failure]) -> list[Failure]:
    """A turn's check of the implicit rules would repeat the whole case's: drop them."""
    implicit = {
        "malformed_args",
        "schema_violation",
        "missing_required",
        "unexpected_param",
        "unknown_tool",
    }
    return [failure for failure in failures if failure.code not in implicit]


def turn_part(trajectory: Trajectory, turn: int) -> Trajectory:
    """The steps (and their calls' results) of one user turn, as a trajectory."""
    steps = []
    results = []
    call_index = 0
    for step_number, step in enumerate(trajectory.steps):
        in_turn = (
            trajectory.turns[step_number] == turn
            if step_number < len(trajectory.turns)
            else turn == 0
        )
        for _ in step.calls:
            if in_turn:
                results.append(
                    trajectory.results[call_index]
                    if call_index < len(trajectory.results)
                    else None
                )
            call_index += 1
        if in_turn:
            steps.append(step)
    return Trajectory(
        steps=tuple(steps),
        results=tuple(results),
        turns=(turn,) * len(steps),
        initial_state=trajectory.initial_state,
        final_state=trajectory.final_state,
        stopped=trajectory.stopped,
    )
