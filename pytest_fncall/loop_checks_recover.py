"""``expect.recover``: what the model does after a fault injected into a tool's result.

F is the first call to the ``from`` tool whose result carries a fault; R are the calls
to that tool after F. Each way (``by``) either passes or gives the reason it did not
(SPEC-PROPOSAL §4.10); a list of ways passes when any one passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .loop_checks_base import (
    MAX_LISTED,
    KeyPath,
    LoopCheckError,
    call_numbers,
    canonical,
    check_tool,
    compile_args,
    failure_word,
    final_reply,
    no_reply_line,
    shown_text,
    succeeded,
    success_claim,
)
from .matchers import ArgumentsMatcher, Mismatch
from .results import Failure, PlacedCall, Trajectory, render_call
from .spec_checks import Recover, RecoveryWay
from .validation import argument_failures

_HINT: Final = (
    "`by` takes a list when several reactions are acceptable, e.g. [retry, report] "
    "(README.md#recovery)"
)
_WAYS_HINT: Final = (
    "`within` allows more calls to the tool after the fault; `by` lists every "
    "acceptable reaction (README.md#recovery)"
)
_NEVER_FIRED_HINT: Final = (
    "check the case's `faults` (tool, on_attempt, when); `require_fault: false` lets "
    "the check pass when no fault fires (README.md#recovery)"
)


@dataclass(frozen=True)
class RecoverCheck:
    tool: str
    ways: tuple[RecoveryWay, ...]
    within: int = 2
    same_args: str = "allowed"
    arguments: ArgumentsMatcher | None = None
    fallback_tool: str | None = None
    fallback_arguments: ArgumentsMatcher | None = None
    require_fault: bool = True
    schema: Mapping[str, Any] | None = None
    """The ``from`` tool's parameters: a correction must validate against them."""

    def describe(self) -> str:
        ways = " or ".join(self._way_text(way) for way in self.ways)
        text = f"recover from a fault in {self.tool} by {ways} (within {self.within})"
        if self.same_args != "allowed":
            text += f", same_args: {self.same_args}"
        if not self.require_fault:
            text += "; passes vacuously if no fault fires"
        return text

    def _way_text(self, way: RecoveryWay) -> str:
        if way == "correct" and self.arguments is not None:
            return f"correct({', '.join(self.arguments.describe())}, ...)"
        if way == "fallback" and self.fallback_tool is not None:
            inner = (
                ", ".join(self.fallback_arguments.describe()) + ", ..."
                if self.fallback_arguments
                else "..."
            )
            return f"fallback to {self.fallback_tool}({inner})"
        return way

    def failures(self, trajectory: Trajectory) -> list[Failure]:
        calls = trajectory.placed_calls()
        to_tool = [p for p in calls if p.call.name == self.tool]
        faulted = next(
            (p for p in to_tool if p.result is not None and p.result.fault), None
        )
        if faulted is None:
            if not self.require_fault:
                return []
            made = (
                f"the model called {self.tool} {len(to_tool)} time(s) "
                f"({call_numbers(to_tool)}), every result without a fault"
                if to_tool
                else f"the model never called {self.tool}"
            )
            return [
                Failure(
                    "no_recovery",
                    f"the fault never fired: no call to {self.tool} received an "
                    "injected fault",
                    (f"actual:   {made}",),
                    _NEVER_FIRED_HINT,
                )
            ]
        attempt = _Attempt(self, trajectory, calls, faulted, to_tool)
        reasons = {way: attempt.why_not(way) for way in self.ways}
        if any(reason is None for reason in reasons.values()):
            return []
        if len(reasons) == 1:
            summary = next(iter(reasons.values())) or ""
            details = attempt.details()
        else:
            summary = (
                f"no recovery of {self.tool} from {attempt.fault_text} by "
                f"{' or '.join(self.ways)}"
            )
            details = (
                *(f"{way + ':':9} {reason}" for way, reason in reasons.items()),
                *attempt.details(),
            )
        hint = _HINT if len(reasons) == 1 else _WAYS_HINT
        return [Failure("no_recovery", summary, details, hint)]


class _Attempt:
    """One trajectory seen from the faulted call F."""

    def __init__(
        self,
        check: RecoverCheck,
        trajectory: Trajectory,
        calls: Sequence[PlacedCall],
        faulted: PlacedCall,
        to_tool: Sequence[PlacedCall],
    ) -> None:
        self.check = check
        self.trajectory = trajectory
        self.faulted = faulted
        self.after = [p for p in calls if p.index > faulted.index]
        self.later = [p for p in to_tool if p.index > faulted.index]
        self.key = canonical(faulted.call)
        fault = faulted.result.fault if faulted.result else None
        self.fault_text = f"the injected {fault} at call #{faulted.index + 1}"

    def why_not(self, way: RecoveryWay) -> str | None:
        """None when ``way`` shows recovery, else the reason it does not."""
        check, tool, count = self.check, self.check.tool, len(self.later)
        if way == "retry" and not self.later:
            return f"no retry of {tool} after {self.fault_text}"
        if count > check.within:
            verb = "retried" if way == "retry" else "called"
            return (
                f"{verb} {tool} {count} times after {self.fault_text}, "
                f"more than within: {check.within}"
            )
        if way in ("retry", "correct") and check.same_args == "forbidden":
            repeated = [p for p in self.later if canonical(p.call) == self.key]
            if repeated:
                return (
                    f"call #{repeated[0].index + 1} repeated the arguments of the "
                    f"faulted call #{self.faulted.index + 1} (same_args: forbidden)"
                )
        return {
            "retry": self._retry,
            "correct": self._correct,
            "fallback": self._fallback,
            "report": self._report,
        }[way]()

    def _retry(self) -> str | None:
        tool = self.check.tool
        successes = [p for p in self.later if succeeded(p)]
        if self.check.same_args == "required":
            same = [p for p in successes if canonical(p.call) == self.key]
            if successes and not same:
                return (
                    f"no successful retry of {tool} repeated the arguments of call "
                    f"#{self.faulted.index + 1} (same_args: required)"
                )
            successes = same
        if successes:
            return None
        count = len(self.later)
        return (
            f"{tool} was retried {count} time{'s' * (count != 1)} after "
            f"{self.fault_text}, and no retry succeeded"
        )

    def _correct(self) -> str | None:
        tool = self.check.tool
        if not self.later:
            return (
                f"{tool} was not called again after {self.fault_text} "
                "(expected a call with corrected arguments)"
            )
        changed = [p for p in self.later if canonical(p.call) != self.key]
        if not changed:
            return (
                f"every later call to {tool} repeated the arguments of the faulted "
                f"call #{self.faulted.index + 1}"
            )
        problems = [(p, self._correction_problem(p)) for p in changed]
        if any(problem is None for _, problem in problems):
            return None
        placed, problem = problems[-1]
        return (
            f"no later call to {tool} had corrected arguments: "
            f"call #{placed.index + 1}: {problem}"
        )

    def _correction_problem(self, placed: PlacedCall) -> str | None:
        call = placed.call
        if call.arguments is None:
            return f"arguments are not a JSON object ({call.parse_error})"
        if self.check.schema is not None:
            invalid = argument_failures(call, self.check.schema)
            if invalid:
                return f"{invalid[0].summary} (schema)"
        if self.check.arguments is not None:
            mismatches = self.check.arguments.mismatches(call.arguments)
            if mismatches:
                return _mismatch_text(mismatches)
        return None

    def _fallback(self) -> str | None:
        name = self.check.fallback_tool or ""
        made = [p for p in self.after if p.call.name == name]
        if not made:
            return f"no call to {name} after {self.fault_text}"
        pattern = self.check.fallback_arguments
        if pattern is None:
            return None
        problems = []
        for placed in made:
            arguments = placed.call.arguments
            if arguments is None:
                problems.append((placed, "arguments are not a JSON object"))
                continue
            mismatches = pattern.mismatches(arguments)
            if not mismatches:
                return None
            problems.append((placed, _mismatch_text(mismatches)))
        placed, problem = problems[-1]
        return (
            f"{name} was called after the fault, but not with the expected arguments: "
            f"call #{placed.index + 1}: {problem}"
        )

    def _report(self) -> str | None:
        tool = self.check.tool
        success = next((p for p in self.later if succeeded(p)), None)
        if success is not None:
            return (
                f"call #{success.index + 1} to {tool} succeeded after the fault: "
                "there was no failure left to report"
            )
        text = final_reply(self.trajectory)
        if text is None:
            return "the model gave no final reply (expected a report of the failure)"
        claim = success_claim(text)
        if claim is not None:
            return f"claimed success after the fault ({claim!r} in the final reply)"
        if failure_word(text) is None:
            return (
                "the final reply does not report the failure (no word such as "
                "'failed', 'error', 'unable', 'could not', 'unavailable' or 'sorry')"
            )
        return None

    def details(self) -> tuple[str, ...]:
        lines = [f"fault:    {_call_line(self.faulted)}"]
        lines += [f"then:     {_call_line(p)}" for p in self.after[:MAX_LISTED]]
        if len(self.after) > MAX_LISTED:
            lines.append(f"then:     ... and {len(self.after) - MAX_LISTED} more calls")
        if "report" in self.check.ways:
            text = final_reply(self.trajectory)
            lines.append(
                f"reply:    {shown_text(text)}"
                if text is not None
                else no_reply_line(self.trajectory)
            )
        return tuple(lines)


def _call_line(placed: PlacedCall) -> str:
    result = placed.result
    if result is None:
        outcome = "no result"
    elif result.fault:
        outcome = f"{result.fault} (injected): {shown_text(result.content, 80)}"
    elif result.is_error:
        outcome = f"error: {shown_text(result.content, 80)}"
    else:
        outcome = "ok"
    return f"#{placed.index + 1} {render_call(placed.call, 160)} -> {outcome}"


def _mismatch_text(mismatches: Sequence[Mismatch]) -> str:
    text = "; ".join(str(m) for m in mismatches[:3])
    return text + (f" (and {len(mismatches) - 3} more)" if len(mismatches) > 3 else "")


def compile_recover(
    recover: Recover,
    location: KeyPath,
    declared: Sequence[str],
    schemas: Mapping[str, Mapping[str, Any]],
) -> RecoverCheck:
    check_tool(recover.from_, (*location, "from"), declared)
    ways = recover.ways
    if "fallback" in ways and recover.fallback is None:
        raise LoopCheckError(
            (*location, "by"),
            "by: fallback needs 'fallback: {tool: ..., args: ...}', the call to make "
            "instead",
        )
    if recover.fallback is not None and "fallback" not in ways:
        raise LoopCheckError(
            (*location, "fallback"), "'fallback' is used only with by: fallback"
        )
    if recover.args is not None and "correct" not in ways:
        raise LoopCheckError(
            (*location, "args"),
            "'args' is used only with by: correct (a fallback's arguments go under "
            "'fallback')",
        )
    if recover.same_args != "allowed" and not {"retry", "correct"} & set(ways):
        raise LoopCheckError(
            (*location, "same_args"), "'same_args' applies to retry and correct only"
        )
    if recover.same_args == "required" and ways == ("correct",):
        raise LoopCheckError(
            (*location, "same_args"),
            "same_args: required contradicts by: correct, which changes the arguments",
        )
    fallback_tool = fallback_arguments = None
    if recover.fallback is not None:
        fallback_tool = recover.fallback.tool
        check_tool(fallback_tool, (*location, "fallback", "tool"), declared)
        if fallback_tool == recover.from_:
            raise LoopCheckError(
                (*location, "fallback", "tool"),
                f"the fallback is {fallback_tool}, the faulted tool itself: use by: retry",
            )
        if recover.fallback.args is not None:
            fallback_arguments = compile_args(
                recover.fallback.args, (*location, "fallback", "args")
            )
    arguments = None
    if recover.args is not None:
        arguments = compile_args(recover.args, (*location, "args"))
    return RecoverCheck(
        tool=recover.from_,
        ways=ways,
        within=recover.within,
        same_args=recover.same_args,
        arguments=arguments,
        fallback_tool=fallback_tool,
        fallback_arguments=fallback_arguments,
        require_fault=recover.require_fault,
        schema=schemas.get(recover.from_),
    )
