"""Plain data a run produces: tool calls, model turns, trajectories, failures.

Standard library only, so every layer (and a report on another xdist worker) can use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

_JSON_TYPE_NAMES = {
    type(None): "null",
    bool: "boolean",
    int: "number",
    float: "number",
    str: "string",
    list: "array",
}


@dataclass(frozen=True)
class ToolCall:
    """One tool call as the model made it.

    ``arguments`` is the parsed JSON object, or None when ``raw_arguments`` is not valid
    JSON or not an object (then ``parse_error`` says why).
    """

    id: str
    name: str
    arguments: dict[str, Any] | None
    raw_arguments: str
    parse_error: str | None = None

    @classmethod
    def from_model_arguments(cls, call_id: str, name: str, arguments: Any) -> ToolCall:
        """Build a call from arguments as a provider returns them (a string or a dict)."""
        if isinstance(arguments, str):
            raw = arguments
            try:
                parsed = json.loads(raw) if raw.strip() else {}
            except ValueError as exc:
                return cls(call_id, name, None, raw, f"invalid JSON: {exc}")
        else:
            parsed = arguments
            try:
                raw = json.dumps(arguments, ensure_ascii=False)
            except (TypeError, ValueError) as exc:
                return cls(call_id, name, None, repr(arguments), f"not JSON: {exc}")
        if not isinstance(parsed, dict):
            kind = _JSON_TYPE_NAMES.get(type(parsed), type(parsed).__name__)
            return cls(
                call_id, name, None, raw, f"arguments are a JSON {kind}, not an object"
            )
        return cls(call_id, name, parsed, raw)


@dataclass(frozen=True)
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True)
class ModelTurn:
    """One assistant message: its text and the tool calls it made (calls share the turn)."""

    text: str | None
    calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    latency_s: float | None = None
    raw: Any = field(default=None, compare=False, repr=False)
    """The provider's response as received (recorded in cassettes), when there is one."""


@dataclass(frozen=True)
class PlacedCall:
    """A call with its place in the trajectory: ``index`` counts calls across steps."""

    index: int
    step: int
    call: ToolCall


@dataclass(frozen=True)
class Trajectory:
    """Every assistant turn of one trial, in order (single mode has exactly one)."""

    steps: tuple[ModelTurn, ...]

    def placed_calls(self) -> tuple[PlacedCall, ...]:
        placed: list[PlacedCall] = []
        for step_number, turn in enumerate(self.steps):
            for call in turn.calls:
                placed.append(PlacedCall(len(placed), step_number, call))
        return tuple(placed)

    @property
    def final_text(self) -> str | None:
        return self.steps[-1].text if self.steps else None


@dataclass(frozen=True)
class Failure:
    """One failed check: a DESIGN §4 code, a one-line summary and indented detail lines."""

    code: str
    summary: str
    details: tuple[str, ...] = ()
    hint: str | None = None


@dataclass(frozen=True)
class Tool:
    """A tool in canonical form: what every provider's request is built from."""

    name: str
    description: str
    parameters: dict[str, Any]


def render_value(value: Any, limit: int = 80) -> str:
    """A JSON rendering of ``value`` for messages, shortened to ``limit`` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_call(call: ToolCall) -> str:
    """``get_weather(city="Paris", unit="celsius")``; raw text when arguments did not parse."""
    if call.arguments is None:
        raw = call.raw_arguments
        return f"{call.name}(<unparsed: {raw if len(raw) <= 120 else raw[:119] + '…'}>)"
    inner = ", ".join(f"{key}={render_value(v)}" for key, v in call.arguments.items())
    return f"{call.name}({inner})"
