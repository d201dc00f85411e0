"""Failure text for fncall items: what failed, why, and how to relax the check.

Bounded whatever the model did: at most ``MAX_FAILURES_PER_CODE`` failures of one code,
``MAX_DETAILS`` detail lines per failure, ``MAX_LINE`` characters per line and
``MAX_TRANSCRIPT_CALLS`` calls per transcript step are shown, each cut with a note of
what was left out. Credentials found in the environment (see
:mod:`~pytest_fncall.providers.redact`) are replaced by ``***`` in the whole text, and
lone surrogates by U+FFFD, so the text can be printed and sent between xdist workers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from .providers.redact import scrub, secrets_in
from .results import (
    MAX_FAILURES_PER_CODE,
    Failure,
    Trajectory,
    failure_count,
    limit_per_code,
    render_call,
    render_value,
    valid_text,
)

INDENT = "    "
MAX_DETAILS = 25
MAX_LINE = 2000
MAX_TRANSCRIPT_CALLS = 50


def render_failures(
    title: str,
    failures: Sequence[Failure],
    trajectory: Trajectory,
    messages: Sequence[Mapping[str, Any]],
    verbosity: int,
    user_turns: Sequence[str | None] = (),
) -> str:
    """The whole failure report of one item, as plain text (survives xdist)."""
    total = failure_count(failures)
    count = f"{total} check{'s' if total != 1 else ''} failed"
    lines = [f"fncall: {title}: {count}", ""]
    for failure in limit_per_code(failures, MAX_FAILURES_PER_CODE):
        lines.append(f"{failure.code}: {failure.summary}")
        details = failure.details
        if len(details) > MAX_DETAILS:
            more = len(details) - MAX_DETAILS
            details = (*details[:MAX_DETAILS], f"... and {more} more lines")
        lines.extend(INDENT + detail for detail in details)
        if failure.hint:
            lines.append(f"{INDENT}to relax: {failure.hint}")
        lines.append("")
    if verbosity > 0:
        lines.append("transcript:")
        lines.extend(
            INDENT + line for line in transcript(messages, trajectory, user_turns)
        )
    else:
        lines.append("(-v shows the transcript)")
    return safe_text("\n".join(_cut(line, MAX_LINE) for line in lines))


def transcript(
    messages: Sequence[Mapping[str, Any]],
    trajectory: Trajectory,
    user_turns: Sequence[str | None] = (),
) -> list[str]:
    """The conversation: the prompt, then each step's text and calls; in loop mode each
    call's simulated result (``->``) and the scripted user turns."""
    lines = []
    for message in messages:
        content = message.get("content")
        shown = content if isinstance(content, str) else render_value(content, 200)
        lines.append(f"{message.get('role', '?')}: {shown}")
    results: dict[int, list[str]] = {}
    for placed in trajectory.placed_calls():
        if placed.result is not None:
            kind = "error" if placed.result.is_error else "result"
            if placed.result.fault:
                kind += f", injected {placed.result.fault}"
            content = placed.result.content
            shown = content if len(content) <= 200 else content[:199] + "…"
            results.setdefault(placed.step, []).append(f"  -> {kind}: {shown}")
    current_turn = 0
    for step, turn in enumerate(trajectory.steps, start=1):
        user_turn = trajectory.turns[step - 1] if step <= len(trajectory.turns) else 0
        if user_turn != current_turn:
            current_turn = user_turn
            text = user_turns[user_turn] if user_turn < len(user_turns) else None
            lines.append(f"user (turn {user_turn + 1}): {text or '(asked again)'}")
        label = f"assistant (step {step})" if len(trajectory.steps) > 1 else "assistant"
        if turn.text:
            lines.append(f"{label}: {turn.text}")
        shown_results = results.get(step - 1, [])
        for number, call in enumerate(turn.calls[:MAX_TRANSCRIPT_CALLS]):
            lines.append(f"{label} calls {render_call(call)}")
            if number < len(shown_results):
                lines.append(shown_results[number])
        if len(turn.calls) > MAX_TRANSCRIPT_CALLS:
            more = len(turn.calls) - MAX_TRANSCRIPT_CALLS
            lines.append(f"{label} ... and {more} more calls")
        if not turn.text and not turn.calls:
            lines.append(f"{label}: (empty reply)")
    return lines


def safe_text(text: str, environment: Mapping[str, str] | None = None) -> str:
    """``text`` fit to print or write: no credential of ``environment`` (default: the
    process's) and no lone surrogate. The JSON and HTML reports should pass through it
    too (see :func:`~pytest_fncall.providers.redact.scrub_json` for documents)."""
    secrets = secrets_in(os.environ if environment is None else environment)
    return scrub(valid_text(text), secrets)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text) - limit + 1} more characters)"
