"""Plain data a run produces: tool calls, model turns, trajectories, failures.

Standard library only, so every layer (and a report on another xdist worker) can use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_CALLS_PER_TURN = 1000
"""More tool calls than this in one reply is a provider error, not something to judge."""
MAX_ARGUMENT_DEPTH = 64
"""Arguments nested deeper than this are malformed: matching, schema validation,
snapshots and reports all recurse, and a hostile reply must not exhaust the stack."""
MAX_RENDERED_CALL = 300
"""Characters of a call as failure messages show it (``name(arguments)``)."""

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
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
        """Build a call from arguments as a provider returns them (a string or a dict).

        Whatever ``arguments`` is, the result is a call: JSON that does not parse, is not
        an object or is nested deeper than :data:`MAX_ARGUMENT_DEPTH` leaves
        ``arguments`` None and says why in ``parse_error`` (``malformed_args`` later).
        """
        name = valid_text(name)
        if isinstance(arguments, str):
            raw = valid_text(arguments)
        else:
            try:
                raw = json.dumps(arguments, ensure_ascii=False)
            except (TypeError, ValueError) as exc:
                return cls(call_id, name, None, _shown(arguments), f"not JSON: {exc}")
            except RecursionError:
                return cls(call_id, name, None, _TOO_DEEP_RAW, _too_deep())
        try:
            parsed = json.loads(raw) if raw.strip() else {}
        except RecursionError:
            return cls(call_id, name, None, raw, _too_deep())
        except ValueError as exc:
            return cls(call_id, name, None, raw, f"invalid JSON: {exc}")
        if not isinstance(parsed, dict):
            kind = _JSON_TYPE_NAMES.get(type(parsed), type(parsed).__name__)
            return cls(
                call_id, name, None, raw, f"arguments are a JSON {kind}, not an object"
            )
        if not _checked_json(parsed, MAX_ARGUMENT_DEPTH):
            return cls(call_id, name, None, raw, _too_deep())
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
class ToolResult:
    """What a simulated tool sent back for one call (loop mode).

    ``content`` is the text the model receives; ``value`` the structured result it was
    rendered from (a JSON value; ``$from`` reads paths in it), None for plain text.
    ``fault`` names the injected fault (``timeout``, ``malformed``, ...) that produced
    the result, when one did.
    """

    content: str
    is_error: bool = False
    value: Any = None
    fault: str | None = None


@dataclass(frozen=True)
class PlacedCall:
    """A call with its place in the trajectory: ``index`` counts calls across steps,
    ``turn`` counts scripted user turns (0 without ``turns``). ``result`` is what the
    simulated tool answered (loop mode), else None."""

    index: int
    step: int
    call: ToolCall
    result: ToolResult | None = None
    turn: int = 0


@dataclass(frozen=True)
class Trajectory:
    """Every assistant turn of one trial, in order (single mode has exactly one).

    Loop mode adds, by call index, the simulated tool's ``results``; by step, the user
    ``turns`` each step belongs to; the simulated environment's ``initial_state`` and
    ``final_state`` (None without a stateful environment); and ``stopped``: why the loop
    ended early (``"max_steps"``), None when the model answered without a call.
    """

    steps: tuple[ModelTurn, ...]
    results: tuple[ToolResult | None, ...] = ()
    turns: tuple[int, ...] = ()
    initial_state: Any = None
    final_state: Any = None
    stopped: str | None = None

    def placed_calls(self) -> tuple[PlacedCall, ...]:
        placed: list[PlacedCall] = []
        for step_number, turn in enumerate(self.steps):
            user_turn = self.turns[step_number] if step_number < len(self.turns) else 0
            for call in turn.calls:
                index = len(placed)
                result = self.results[index] if index < len(self.results) else None
                placed.append(PlacedCall(index, step_number, call, result, user_turn))
        return tuple(placed)

    @property
    def final_text(self) -> str | None:
        return self.steps[-1].text if self.steps else None

    @property
    def looped(self) -> bool:
        """Whether tools answered (loop mode), rather than calls only being recorded."""
        return bool(self.results) or len(self.steps) > 1


@dataclass(frozen=True)
class Failure:
    """One failed check: a DESIGN §4 code, a one-line summary and indented detail lines.

    ``hidden`` > 0 marks an entry that stands for that many further failures of its
    code, left out of the list (see :func:`limit_per_code`).
    """

    code: str
    summary: str
    details: tuple[str, ...] = ()
    hint: str | None = None
    hidden: int = 0


MAX_FAILURES_PER_CODE = 20
"""Failures of one code listed for one trial; the rest are counted, not listed."""


def limit_per_code(
    failures: Sequence[Failure], limit: int = MAX_FAILURES_PER_CODE
) -> list[Failure]:
    """``failures`` with at most ``limit`` of each code, in order; each code with more
    ends with one entry counting the rest (its ``hidden``), so 5,000 unknown calls make
    a report of 21 entries, not 5,000."""
    shown: dict[str, int] = {}
    hidden: dict[str, int] = {}
    kept: list[Failure] = []
    for failure in failures:
        count = failure.hidden or 1
        if failure.hidden or shown.get(failure.code, 0) >= limit:
            hidden[failure.code] = hidden.get(failure.code, 0) + count
            continue
        shown[failure.code] = shown.get(failure.code, 0) + 1
        kept.append(failure)
    for code, count in hidden.items():
        kept.append(
            Failure(
                code,
                f"... and {count} more {code} failure{'s' if count != 1 else ''} "
                "(not listed)",
                hidden=count,
            )
        )
    return kept


def failure_count(failures: Sequence[Failure]) -> int:
    """How many checks failed, counting those a summary entry stands for."""
    return sum(failure.hidden or 1 for failure in failures)


@dataclass(frozen=True)
class Tool:
    """A tool in canonical form: what every provider's request is built from."""

    name: str
    description: str
    parameters: dict[str, Any]


def render_value(value: Any, limit: int = 80) -> str:
    """A JSON rendering of ``value`` for messages, shortened to ``limit`` characters."""
    if isinstance(value, str) and len(value) > limit:
        value = value[:limit]  # no need to encode a long text to show its start
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        text = _shown(value, limit)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_call(call: ToolCall, limit: int = MAX_RENDERED_CALL) -> str:
    """``get_weather(city="Paris", unit="celsius")``; raw text when arguments did not
    parse. At most ``limit`` characters, however many or large the arguments are."""
    name = call.name if len(call.name) <= 80 else call.name[:79] + "…"
    if call.arguments is None:
        raw = call.raw_arguments
        return f"{name}(<unparsed: {raw if len(raw) <= 120 else raw[:119] + '…'}>)"
    parts: list[str] = []
    size = len(name) + 2
    for key, value in call.arguments.items():
        if size > limit:
            break
        shown_key = key if len(key) <= 40 else key[:39] + "…"
        part = f"{shown_key}={render_value(value)}"
        parts.append(part)
        size += len(part) + 2
    text = f"{name}({', '.join(parts)})"
    return text if len(text) <= limit else text[: limit - 2] + "…)"


def valid_text(text: str) -> str:
    """``text`` with lone surrogates (``"\\ud800"`` decodes to one) as U+FFFD, so that it
    can be encoded as UTF-8: written to a file, printed, or sent to an xdist worker."""
    if text.isascii():
        return text
    return _LONE_SURROGATE.sub("\ufffd", text)


def nesting_depth(value: Any, limit: int) -> int:
    """How deeply ``value`` nests lists and dicts (a scalar is 0), counting at most to
    ``limit + 1``; without recursion, so any depth is safe to measure."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            depth += 1
            if depth > limit:
                return depth
            deepest = max(deepest, depth)
            items = node.values() if isinstance(node, dict) else node
            stack.extend(
                (item, depth) for item in items if isinstance(item, (dict, list))
            )
    return deepest


_TOO_DEEP_RAW = "(arguments nested too deeply to show)"


def _too_deep() -> str:
    return f"arguments are nested deeper than {MAX_ARGUMENT_DEPTH} levels"


def _checked_json(value: Any, limit: int) -> bool:
    """Whether ``value`` (decoded JSON that the caller owns) nests at most ``limit``
    levels; replaces lone surrogates in its strings and keys on the way."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    node[index] = valid_text(item)
                elif isinstance(item, (dict, list)):
                    stack.append((item, depth + 1))
            continue
        for key in [key for key in node if valid_text(key) != key]:
            node[valid_text(key)] = node.pop(key)
        for key, item in node.items():
            if isinstance(item, str):
                node[key] = valid_text(item)
            elif isinstance(item, (dict, list)):
                stack.append((item, depth + 1))
    return True


def _shown(value: Any, limit: int = 200) -> str:
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ (python provider) says nothing useful
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"
