"""What the loop-mode checks share: their compile error, name and matcher resolution,
canonical arguments, and the reading of a final reply (the failure-report heuristic).

Split from :mod:`.loop_checks` so that :mod:`.loop_checks_state` and
:mod:`.loop_checks_recover` can use it without importing each other.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from .matchers import ArgumentsMatcher, Matcher, MatcherError, compile_arguments
from .matchers import compile_matcher as _compile_matcher
from .results import PlacedCall, ToolCall, Trajectory

KeyPath = tuple[str | int, ...]

MAX_SHOWN_TEXT: Final = 200
"""Characters of a reply (or a tool result) that a failure shows."""
MAX_LISTED: Final = 10
"""Calls (or positions) listed in one failure's details; the rest are counted."""


class LoopCheckError(Exception):
    """A loop-mode check written wrongly; ``location`` is its key path inside ``expect``
    (``("recover", 0, "by")``)."""

    def __init__(self, location: KeyPath, message: str) -> None:
        super().__init__(message)
        self.location: KeyPath = tuple(location)
        self.message = message


def check_tool(name: str, location: KeyPath, declared: Sequence[str]) -> None:
    """Raise unless ``name`` is a declared tool, suggesting the closest one."""
    if name in declared:
        return
    close = difflib.get_close_matches(name, list(declared), n=1)
    hint = (
        f"did you mean {close[0]!r}?"
        if close
        else f"declared: {', '.join(declared) or 'none'}"
    )
    raise LoopCheckError(location, f"{name!r} names no declared tool ({hint})")


def compile_matcher(raw: object, location: KeyPath) -> Matcher:
    try:
        return _compile_matcher(raw)
    except MatcherError as exc:
        raise LoopCheckError((*location, *exc.location), exc.message) from None


def compile_args(raw: Mapping[str, Any], location: KeyPath) -> ArgumentsMatcher:
    try:
        return compile_arguments(raw)
    except MatcherError as exc:
        raise LoopCheckError((*location, *exc.location), exc.message) from None


# --- calls --------------------------------------------------------------------------


def canonical(call: ToolCall) -> str:
    """The call's arguments as canonical JSON (sorted keys, ``1.0`` written ``1``), or
    its raw text when they did not parse: equal strings mean identical arguments."""
    if call.arguments is None:
        return "raw:" + call.raw_arguments
    return json.dumps(
        _canonical_numbers(call.arguments),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _canonical_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical_numbers(item) for item in value]
    return value


def succeeded(placed: PlacedCall) -> bool:
    """Whether the simulated tool answered the call normally: no error, no fault."""
    result = placed.result
    return result is not None and not result.is_error and result.fault is None


def call_numbers(calls: Sequence[PlacedCall]) -> str:
    """``#2, #5, #9`` (1-based call numbers), the first MAX_LISTED of them."""
    shown = ", ".join(f"#{placed.index + 1}" for placed in calls[:MAX_LISTED])
    more = len(calls) - MAX_LISTED
    return shown + (f" (and {more} more)" if more > 0 else "")


# --- the final reply ----------------------------------------------------------------


def final_reply(trajectory: Trajectory) -> str | None:
    """The text of the last assistant message; None when there is none or it is blank."""
    text = trajectory.final_text
    return text if text is not None and text.strip() else None


def shown_text(text: str, limit: int = MAX_SHOWN_TEXT) -> str:
    """``text`` quoted for a failure message, shortened to about ``limit`` characters."""
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(" ".join(short.split()))


def no_reply_line(trajectory: Trajectory) -> str:
    """A details line saying why there is no final reply."""
    if trajectory.stopped:
        why = f"the loop stopped at {trajectory.stopped} while the model still called tools"
    elif trajectory.steps and trajectory.steps[-1].calls:
        why = "the last assistant message only called tools"
    elif trajectory.steps:
        why = "the last assistant message has no text"
    else:
        why = "no assistant message at all"
    return f"reply:    (none: {why})"


FAILURE_WORDS: Final = (
    "fail",
    "failed",
    "failure",
    "error",
    "unable",
    "could not",
    "couldn't",
    "cannot",
    "can't",
    "unavailable",
    "not available",
    "sorry",
    "unfortunately",
    "timed out",
    "unsuccessful",
    "went wrong",
)
"""Words whose presence makes a reply read as a failure report (whole words,
case-insensitive; ``fail`` also covers ``fails``/``failing``)."""
SUCCESS_WORDS: Final = (
    "success",
    "successful",
    "successfully",
    "succeeded",
    "completed",
    "confirmed",
    "done",
    "processed",
    "went through",
)
"""Words that claim the action worked, unless a negation comes just before them
("could not be completed", "was not successful")."""
_NEGATIONS: Final = frozenset(
    "not no never nothing cannot unable failed neither nor without yet".split()
)


def _word_pattern(words: Sequence[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(w).replace("'", "['’]") for w in words), key=len)
    return re.compile(
        r"\b(?:" + "|".join(reversed(alternatives)) + r")(?:s|ing)?\b", re.IGNORECASE
    )


_FAILURE: Final = _word_pattern(FAILURE_WORDS)
_SUCCESS: Final = _word_pattern(SUCCESS_WORDS)
_WORD: Final = re.compile(r"[\w'’]+")
_CLAUSE_END: Final = re.compile(r"[.!?;:\n]")


def success_claim(text: str) -> str | None:
    """The first success word of ``text`` that no negation (``not``, ``n't``, ``never``,
    ``unable``...) precedes within three words of its clause; None when there is none."""
    for found in _SUCCESS.finditer(text):
        before = text[max(0, found.start() - 60) : found.start()]
        clause = _CLAUSE_END.split(before)[-1]
        words = [w.lower().replace("’", "'") for w in _WORD.findall(clause)][-3:]
        if not any(w in _NEGATIONS or w.endswith("n't") for w in words):
            return found.group()
    return None


def failure_word(text: str) -> str | None:
    """The first failure word of ``text``, None when there is none."""
    found = _FAILURE.search(text)
    return found.group() if found else None
