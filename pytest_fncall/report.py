"""Failure text for fncall items: what failed, why, and how to relax the check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .results import Failure, Trajectory, render_call, render_value

INDENT = "    "


def render_failures(
    title: str,
    failures: Sequence[Failure],
    trajectory: Trajectory,
    messages: Sequence[Mapping[str, Any]],
    verbosity: int,
) -> str:
    """The whole failure report of one item, as plain text (survives xdist)."""
    count = f"{len(failures)} check{'s' if len(failures) != 1 else ''} failed"
    lines = [f"fncall: {title}: {count}", ""]
    for failure in failures:
        lines.append(f"{failure.code}: {failure.summary}")
        lines.extend(INDENT + detail for detail in failure.details)
        if failure.hint:
            lines.append(f"{INDENT}to relax: {failure.hint}")
        lines.append("")
    if verbosity > 0:
        lines.append("transcript:")
        lines.extend(INDENT + line for line in transcript(messages, trajectory))
    else:
        lines.append("(-v shows the transcript)")
    return "\n".join(lines)


def transcript(
    messages: Sequence[Mapping[str, Any]], trajectory: Trajectory
) -> list[str]:
    lines = []
    for message in messages:
        content = message.get("content")
        shown = content if isinstance(content, str) else render_value(content, 200)
        lines.append(f"{message.get('role', '?')}: {shown}")
    for step, turn in enumerate(trajectory.steps, start=1):
        label = f"assistant (step {step})" if len(trajectory.steps) > 1 else "assistant"
        if turn.text:
            lines.append(f"{label}: {turn.text}")
        for call in turn.calls:
            lines.append(f"{label} calls {render_call(call)}")
        if not turn.text and not turn.calls:
            lines.append(f"{label}: (empty reply)")
    return lines
