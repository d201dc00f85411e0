"""Loop-mode checks: the final reply, the final state, recovery from faults, loops.

:func:`compile_loop_checks` compiles ``expect``'s ``reply``, ``state``, ``recover`` and
``max_identical_calls`` at collection, resolving tool names and compiling matchers and
regexes; a mistake raises :class:`LoopCheckError` with its key path inside ``expect``.
:meth:`LoopChecks.failures` then evaluates one trial's trajectory, every check, listing
each failure with its code (``reply_mismatch``, ``state_mismatch``, ``no_recovery``,
``loop_detected``).

Bounded for any trajectory: regexes run under :func:`.regex_guard.regex_check`'s
limits, texts and calls are shortened in messages, and at most ``MAX_FAILURES_PER_CODE``
failures of one code are listed (the rest are counted in one entry).

State checks live in :mod:`.loop_checks_state`, recovery in :mod:`.loop_checks_recover`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .loop_checks_base import (
    MAX_SHOWN_TEXT,
    LoopCheckError,
    call_numbers,
    canonical,
    final_reply,
    no_reply_line,
    shown_text,
)
from .loop_checks_recover import RecoverCheck, compile_recover
from .loop_checks_state import StateChecks, compile_state
from .matcher_values import render
from .regex_guard import regex_check, regex_problem
from .results import Failure, PlacedCall, Trajectory, limit_per_code, render_call
from .spec_checks import Recover, Reply, StateCheck

__all__ = ["LoopCheckError", "LoopChecks", "compile_loop_checks"]

_CONTAINS_HINT: Final = (
    "contains / not_contains compare case-insensitively with commas removed; "
    "use regex for anything finer (README.md#final-reply)"
)
_REGEX_HINT: Final = (
    "regex / not_regex search anywhere in the reply (Python re.search); "
    "start the pattern with (?i) to ignore case (README.md#final-reply)"
)
_LOOP_HINT: Final = (
    "raise max_identical_calls if repeating this exact call is expected "
    "(README.md#identical-calls)"
)


def _normal(text: str) -> str:
    return text.replace(",", "").casefold()


def _excerpt(text: str, needle: str) -> str | None:
    """The reply (commas removed) around the first occurrence of ``needle``."""
    plain = text.replace(",", "")
    found = re.search(re.escape(needle.replace(",", "")), plain, re.IGNORECASE)
    if found is None:
        return None
    start, end = max(0, found.start() - 40), min(len(plain), found.end() + 40)
    before, after = "…" * (start > 0), "…" * (end < len(plain))
    return before + " ".join(plain[start:end].split()) + after


@dataclass(frozen=True)
class ReplyChecks:
    contains: tuple[str, ...] = ()
    not_contains: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    not_regex: tuple[str, ...] = ()

    def describe(self) -> list[str]:
        return [
            *(f"reply contains {render(text)}" for text in self.contains),
            *(f"reply does not contain {render(text)}" for text in self.not_contains),
            *(f"reply matches regex {render(pattern)}" for pattern in self.regex),
            *(f"reply does not match regex {render(p)}" for p in self.not_regex),
        ]

    def failures(self, trajectory: Trajectory) -> list[Failure]:
        text = final_reply(trajectory)
        if text is None:
            wanted = [
                *(f"contains {render(t)}" for t in self.contains),
                *(f"matches regex {render(p)}" for p in self.regex),
            ]
            if not wanted:
                return []  # nothing said, nothing forbidden said
            return [
                Failure(
                    "reply_mismatch",
                    "the model gave no final reply "
                    f"(expected one that {' and '.join(wanted)})",
                    (no_reply_line(trajectory),),
                )
            ]
        reply = (f"reply:    {shown_text(text)}",)
        failures: list[Failure] = []
        normal = _normal(text)
        for needle in self.contains:
            if _normal(needle) not in normal:
                summary = f"the final reply does not contain {render(needle)}"
                failures.append(
                    Failure("reply_mismatch", summary, reply, _CONTAINS_HINT)
                )
        for needle in self.not_contains:
            if _normal(needle) in normal:
                summary = (
                    f"the final reply contains {render(needle)}, which it must not"
                )
                near = _excerpt(text, needle) if len(text) > MAX_SHOWN_TEXT else None
                details = reply + ((f"found:    {near!r}",) if near else ())
                failures.append(
                    Failure("reply_mismatch", summary, details, _CONTAINS_HINT)
                )
        for pattern, should_match in [
            *((p, True) for p in self.regex),
            *((p, False) for p in self.not_regex),
        ]:
            found = regex_check(pattern, text, search=True)
            if isinstance(found, str):
                summary = f"regex {render(pattern)} could not be checked: {found}"
            elif found == should_match:
                continue
            elif should_match:
                summary = f"the final reply has no match for regex {render(pattern)}"
            else:
                summary = (
                    f"the final reply matches the forbidden regex {render(pattern)}"
                )
            failures.append(Failure("reply_mismatch", summary, reply, _REGEX_HINT))
        return failures


def _identical_call_failures(calls: Sequence[PlacedCall], limit: int) -> list[Failure]:
    groups: dict[tuple[str, str], list[PlacedCall]] = {}
    for placed in calls:
        groups.setdefault((placed.call.name, canonical(placed.call)), []).append(placed)
    return [
        Failure(
            "loop_detected",
            f"{render_call(same[0].call, 120)} was made {len(same)} times with "
            f"identical arguments (max_identical_calls: {limit})",
            (f"calls:    {call_numbers(same)}",),
            _LOOP_HINT,
        )
        for same in groups.values()
        if len(same) > limit
    ]


@dataclass(frozen=True)
class LoopChecks:
    """A case's (or a turn's) compiled loop-mode checks."""

    reply: ReplyChecks | None = None
    state: StateChecks | None = None
    recover: tuple[RecoverCheck, ...] = ()
    max_identical_calls: int | None = None

    @property
    def empty(self) -> bool:
        return (
            self.reply is None
            and self.state is None
            and not self.recover
            and self.max_identical_calls is None
        )

    def describe(self) -> list[str]:
        """The checks as lines of text, for failure reports."""
        lines = self.reply.describe() if self.reply else []
        lines += self.state.describe() if self.state else []
        lines += [check.describe() for check in self.recover]
        if self.max_identical_calls is not None:
            lines.append(
                f"at most {self.max_identical_calls} identical calls "
                "(same tool, same arguments)"
            )
        return lines

    def failures(self, trajectory: Trajectory) -> list[Failure]:
        """Every failed check (none when all pass), at most MAX_FAILURES_PER_CODE of
        each code listed."""
        failures = self.reply.failures(trajectory) if self.reply else []
        if self.state is not None:
            failures += _state_failures(self.state, trajectory)
        for check in self.recover:
            failures += check.failures(trajectory)
        if self.max_identical_calls is not None:
            failures += _identical_call_failures(
                trajectory.placed_calls(), self.max_identical_calls
            )
        return limit_per_code(failures)


def _state_failures(state: StateChecks, trajectory: Trajectory) -> list[Failure]:
    if trajectory.final_state is None:
        return [
            Failure(
                "state_mismatch",
                "there is no final state to check: the case has no stateful "
                "environment",
                hint="`state` needs `environment` (a store or a Python class) "
                "(README.md#final-state)",
            )
        ]
    return [
        Failure(
            "state_mismatch",
            str(mismatch),
            (f"check:    state.{key}",) if key else (),
            _STATE_HINT,
        )
        for key, mismatch in state.mismatches(
            trajectory.initial_state, trajectory.final_state
        )
    ]


_STATE_HINT = (
    "`match` checks only what it lists; matchers such as $any, $gte or $contains relax "
    "a value (README.md#final-state)"
)


def _texts(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _compile_reply(reply: Reply) -> ReplyChecks:
    for key in ("regex", "not_regex"):
        raw: str | list[str] | None = getattr(reply, key)
        for index, pattern in enumerate(_texts(raw)):
            problem = regex_problem(pattern)
            if problem is not None:
                location = (key,) if isinstance(raw, str) else (key, index)
                raise LoopCheckError(("reply", *location), f"{key}: {problem}")
    return ReplyChecks(
        contains=_texts(reply.contains),
        not_contains=_texts(reply.not_contains),
        regex=_texts(reply.regex),
        not_regex=_texts(reply.not_regex),
    )


def compile_loop_checks(
    *,
    reply: Reply | None,
    state: StateCheck | None,
    recover: Recover | list[Recover] | None,
    max_identical_calls: int | None,
    declared_tools: Sequence[str],
    tool_schemas: Mapping[str, Mapping[str, Any]] | None = None,
) -> LoopChecks:
    """Compile the loop-mode keys of one ``expect``; raises :class:`LoopCheckError`.

    ``tool_schemas`` (tool name -> parameters JSON Schema), when given, makes
    ``recover.by: correct`` accept only corrections that validate against the schema.
    """
    if max_identical_calls is not None and max_identical_calls < 1:
        raise LoopCheckError(
            ("max_identical_calls",),
            f"max_identical_calls must be at least 1, got {max_identical_calls}",
        )
    entries = recover if isinstance(recover, list) else [recover] if recover else []
    checks = tuple(
        compile_recover(
            entry,
            ("recover", index) if isinstance(recover, list) else ("recover",),
            declared_tools,
            tool_schemas or {},
        )
        for index, entry in enumerate(entries)
    )
    return LoopChecks(
        reply=_compile_reply(reply) if reply is not None else None,
        state=compile_state(state) if state is not None else None,
        recover=checks,
        max_identical_calls=max_identical_calls,
    )
