"""Run one trial in loop mode: the model calls, simulated tools answer, the model goes on.

Each assistant message with calls is followed by one tool message per call, answered by
the trial's own simulated world and sent back in OpenAI form (``role: tool`` with the
model's own ``tool_call_id``); each provider turns that history into its wire format.
The loop ends when the model answers without a call, after ``max_steps`` assistant
messages, or when a call hits ``on_unmatched: fail``. Scripted user turns (``turns``)
each run such a loop in the same conversation.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from .loop_plan import LoopPlan, ToolWorld
from .providers import ModelRequest, Provider
from .providers.base import ERROR_FLAG
from .results import ModelTurn, Tool, ToolCall, ToolResult, Trajectory

STOPPED_MAX_STEPS = "max_steps"
STOPPED_UNMATCHED = "unmatched"


async def run_loop(
    plan: LoopPlan,
    *,
    case_id: str,
    model: str,
    provider: Provider,
    messages: tuple[dict[str, Any], ...],
    tools: tuple[Tool, ...],
    tool_choice: str | dict[str, str],
    settings: dict[str, Any],
) -> Trajectory:
    world = plan.simulation.start()
    initial_state = world.state()
    history = list(messages)
    steps: list[ModelTurn] = []
    results: list[ToolResult | None] = []
    turn_of_step: list[int] = []
    stopped: str | None = None
    user_turns = plan.turns or (None,)
    for turn_index, user_turn in enumerate(user_turns):
        if user_turn is not None and user_turn.user is not None:
            history.append({"role": "user", "content": user_turn.user})
        while stopped is None:
            request = ModelRequest(
                model=model,
                case_id=case_id,
                messages=tuple(history),
                tools=tools,
                # a named or required choice would force a call at every step
                tool_choice=tool_choice
                if not steps or tool_choice == "none"
                else "auto",
                settings=settings,
                step=len(steps),
            )
            turn = await _timed(provider, request)
            steps.append(turn)
            turn_of_step.append(turn_index)
            if not turn.calls:
                break
            history.append(_assistant_message(turn))
            for call in turn.calls:
                result = world.execute(call)
                results.append(result)
                history.append(_tool_message(call, result))
            stopped = _stop_reason(world, len(steps), plan.max_steps)
        if stopped is not None:
            break
    return Trajectory(
        steps=tuple(steps),
        results=tuple(results),
        turns=tuple(turn_of_step),
        initial_state=initial_state,
        final_state=world.state(),
        stopped=stopped,
    )


def _stop_reason(world: ToolWorld, steps: int, max_steps: int) -> str | None:
    if world.unmatched is not None:
        return STOPPED_UNMATCHED
    if steps >= max_steps:
        return STOPPED_MAX_STEPS
    return None


async def _timed(provider: Provider, request: ModelRequest) -> ModelTurn:
    started = time.perf_counter()
    turn = await provider.complete(request)
    if turn.latency_s is None:
        turn = replace(turn, latency_s=time.perf_counter() - started)
    return turn


def _assistant_message(turn: ModelTurn) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": turn.text,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.raw_arguments},
            }
            for call in turn.calls
        ],
    }


def _tool_message(call: ToolCall, result: ToolResult) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "tool",
        "tool_call_id": call.id,
        "name": call.name,
        "content": result.content,
    }
    if result.is_error:
        message[ERROR_FLAG] = True
    return message
