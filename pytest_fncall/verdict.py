"""Check a trajectory against a case's expectation: every check runs, every failure is listed.

The implicit checks run on every call (offered tool, valid JSON object, schema, required
and undeclared arguments); then ``no_call``, ``forbid`` and the expected calls. When no
assignment of calls to patterns exists, the best partial one (from :mod:`ordering`) is
explained: each unmet pattern is paired with its closest leftover call.

Bounded for any trajectory: at most ``MAX_FAILURES_PER_CODE`` failures of one code are
listed (the rest are counted in one entry) and a failure lists at most
``MAX_LISTED_CALLS`` calls, so thousands of calls give a report of a few screens.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar

from .dataflow import Dataflow, sources
from .expectations import CallPattern, Expectation
from .matchers import Mismatch
from .ordering import CallSlot, PatternSlot, Problem, Solution, solve
from .results import (
    Failure,
    PlacedCall,
    Tool,
    Trajectory,
    limit_per_code,
    render_call,
)
from .validation import argument_failures

_SUPERSET_HINT = (
    "if other calls are acceptable, use `match: superset` (README.md#match-modes)"
)
_MAX_ORDER_PAIRS = 3  # a reversed trajectory of n calls has n²/2 pairs out of order
_ORDER_HINT = "if any order will do, use `match: unordered` (README.md#match-modes)"
MAX_LISTED_CALLS = 20  # calls listed in one failure's details; the rest are counted


def evaluate(
    expectation: Expectation, trajectory: Trajectory, tools: Sequence[Tool]
) -> list[Failure]:
    calls = trajectory.placed_calls()
    if not expectation.uses_dataflow:
        return _evaluate(expectation, calls, tools)
    token = _FLOW.set(Dataflow(expectation.patterns, calls))
    try:
        return _evaluate(expectation, calls, tools)
    finally:
        _FLOW.reset(token)


def _evaluate(
    expectation: Expectation, calls: Sequence[PlacedCall], tools: Sequence[Tool]
) -> list[Failure]:
    offered = {tool.name: tool for tool in tools}
    failures: list[Failure] = []
    for placed in calls:
        failures.extend(_implicit_failures(placed, offered))
    if expectation.no_call and calls:
        failures.append(
            Failure(
                "unexpected_call",
                f"expected no tool call, the model made {len(calls)}",
                _listed(calls, lambda p: f"actual:   {render_call(p.call)}"),
                "the case says `no_call: true` (README.md#expectations)",
            )
        )
    failures.extend(_forbidden_failures(expectation.forbid, calls))
    if expectation.checks_calls:
        failures.extend(_CallsCheck(expectation, calls, offered).failures())
    return limit_per_code(failures)


def _listed(
    calls: Sequence[PlacedCall], line: Callable[[PlacedCall], str]
) -> tuple[str, ...]:
    """One line per call, at most MAX_LISTED_CALLS of them, then a count of the rest."""
    lines = [line(placed) for placed in calls[:MAX_LISTED_CALLS]]
    if len(calls) > MAX_LISTED_CALLS:
        lines.append(f"actual:   ... and {len(calls) - MAX_LISTED_CALLS} more calls")
    return tuple(lines)


def _implicit_failures(
    placed: PlacedCall, offered: Mapping[str, Tool]
) -> list[Failure]:
    call = placed.call
    tool = offered.get(call.name)
    if tool is None:
        close = difflib.get_close_matches(call.name, list(offered), n=1)
        closest = f" (closest offered: {close[0]})" if close else ""
        return [
            Failure(
                "unknown_tool",
                f"the model called {call.name!r}, a tool it was not offered{closest}",
                (
                    f"actual:   {render_call(call)}",
                    f"offered:  {', '.join(offered) or '(no tools)'}",
                ),
            )
        ]
    return argument_failures(call, tool.parameters)


def _forbidden_failures(
    forbid: Sequence[CallPattern], calls: Sequence[PlacedCall]
) -> list[Failure]:
    failures = []
    for placed in calls:
        for pattern in forbid:
            if _mismatches(pattern, placed) == []:
                failures.append(
                    Failure(
                        "forbidden_call",
                        f"call #{placed.index + 1} {placed.call.name} is forbidden",
                        (
                            f"actual:   {render_call(placed.call)}",
                            f"forbids:  {pattern.describe()}",
                        ),
                    )
                )
                break
    return failures


def _mismatches(pattern: CallPattern, placed: PlacedCall) -> list[Mismatch] | None:
    """None when the tool differs or the arguments did not parse; else argument mismatches."""
    if not pattern.tool_matches(placed.call.name) or placed.call.arguments is None:
        return None
    if pattern.arguments is None:
        return []
    flow = _FLOW.get()
    if flow is None:
        return pattern.arguments.mismatches(placed.call.arguments, exact=pattern.exact)
    with sources(flow.lookup_for(placed, _mismatches)):
        return pattern.arguments.mismatches(placed.call.arguments, exact=pattern.exact)


_FLOW: ContextVar[Dataflow | None] = ContextVar("fncall_verdict_flow", default=None)


class _CallsCheck:
    """The expected calls: solve the assignment, then explain what is left over."""

    def __init__(
        self,
        expectation: Expectation,
        calls: Sequence[PlacedCall],
        offered: Mapping[str, Tool],
    ) -> None:
        self.expectation = expectation
        self.calls = calls
        self.offered = offered
        self.patterns = expectation.patterns

    def failures(self) -> list[Failure]:
        solution = solve(self._problem())
        if solution.ok:
            return []
        return [
            *self._unmet(solution),
            *self._order(solution),
            *self._parallel(solution),
        ]

    def _problem(self) -> Problem:
        compatible = frozenset(
            (placed.index, pattern_index)
            for placed in self.calls
            for pattern_index, pattern in enumerate(self.patterns)
            if _mismatches(pattern, placed) == []
        )
        return Problem(
            mode=self.expectation.mode,
            patterns=tuple(
                PatternSlot(p.min_count, p.max_count, p.group) for p in self.patterns
            ),
            calls=tuple(CallSlot(p.step, p.index) for p in self.calls),
            compatible=compatible,
            groups=self.expectation.groups,
            before=self.expectation.before,
        )

    def _unmet(self, solution: Solution) -> list[Failure]:
        assigned_counts = [0] * len(self.patterns)
        for pattern_index in solution.assignment:
            if pattern_index is not None:
                assigned_counts[pattern_index] += 1
        extras = set(solution.extras)
        leftovers = [self.calls[i] for i in solution.extras]
        if self.expectation.mode == "superset":
            leftovers = [p for p in self.calls if solution.assignment[p.index] is None]
        failures: list[Failure] = []
        for pattern_index, short in solution.missing:
            pattern = self.patterns[pattern_index]
            for _ in range(short):
                closest = self._closest(pattern, leftovers)
                if closest is not None:
                    leftovers.remove(closest)
                failure = self._explain_unmet(
                    pattern, assigned_counts[pattern_index], closest
                )
                if failure is not None:
                    failures.append(failure)
        for placed in leftovers:
            # Calls to unknown tools and unparsable calls already failed their own check.
            reported = (
                placed.call.name not in self.offered or placed.call.arguments is None
            )
            if placed.index in extras and not reported:
                failures.append(self._explain_extra(placed, assigned_counts))
        return failures

    def _closest(
        self, pattern: CallPattern, leftovers: Sequence[PlacedCall]
    ) -> PlacedCall | None:
        """The leftover call most like the pattern: same tool first, then fewest diffs."""

        def distance(placed: PlacedCall) -> tuple[int, int, int]:
            mismatches = _mismatches(pattern, placed)
            if mismatches is not None:
                return (0, len(mismatches), placed.index)
            same_tool = pattern.tool_matches(placed.call.name)
            return (1 if same_tool else 2, 0, placed.index)

        candidates = [p for p in leftovers if p.call.name in self.offered]
        return min(candidates, key=distance, default=None)

    def _explain_unmet(
        self, pattern: CallPattern, assigned: int, closest: PlacedCall | None
    ) -> Failure | None:
        """Why ``pattern`` went unmatched; None when ``closest`` already failed as
        ``malformed_args`` (the right tool, arguments that are not a JSON object)."""
        expected = f"expected: {pattern.describe()}"
        if closest is None:
            if assigned:
                return Failure(
                    "count_mismatch",
                    f"{pattern.tool} was called {assigned} time(s), "
                    f"expected at least {pattern.min_count}",
                    (expected, *self._actual_lines()),
                )
            return Failure(
                "missing_call",
                f"expected a call to {pattern.tool}; no call matched it",
                (expected, *self._actual_lines()),
                "if the call may be absent, mark the pattern `optional: true` "
                "(README.md#expectations)",
            )
        actual = f"actual:   {render_call(closest.call)}"
        if pattern.tool_matches(closest.call.name):
            if closest.call.arguments is None:
                return None
            mismatches = _mismatches(pattern, closest) or []
            differences = tuple(f"differs:  {m.path}: {m.message}" for m in mismatches)
            return Failure(
                "arg_mismatch",
                f"{closest.call.name} was called with arguments the case does not expect",
                (actual, expected, *differences),
                "matchers such as $ieq, $in or $optional relax a value "
                "(README.md#matchers)",
            )
        return Failure(
            "wrong_tool",
            f"expected a call to {pattern.tool}, the model called {closest.call.name}",
            (actual, expected),
        )

    def _explain_extra(self, placed: PlacedCall, assigned_counts: list[int]) -> Failure:
        actual = f"actual:   {render_call(placed.call)}"
        for index, pattern in enumerate(self.patterns):
            full = (
                pattern.max_count is not None
                and assigned_counts[index] >= pattern.max_count
            )
            if full and _mismatches(pattern, placed) == []:
                return Failure(
                    "count_mismatch",
                    f"{placed.call.name} was called more often than the "
                    f"{pattern.max_count} time(s) expected",
                    (actual, f"expected: {pattern.describe()}"),
                    "`times: {min: 1, max: 3}` allows a range (README.md#expectations)",
                )
        expected = "expected: " + (
            "; ".join(p.describe() for p in self.patterns) or "no calls"
        )
        what = "one call" if self.expectation.single_call else "these calls"
        return Failure(
            "extra_call",
            f"call #{placed.index + 1} {placed.call.name} matches no expected call "
            f"(expected {what} and nothing else)",
            (actual, expected),
            _SUPERSET_HINT,
        )

    def _order(self, solution: Solution) -> list[Failure]:
        failures = []
        pairs = solution.order_violations
        for first, second in pairs[:_MAX_ORDER_PAIRS]:
            a, b = self.calls[first], self.calls[second]
            failures.append(
                Failure(
                    "order_violation",
                    f"{a.call.name} (step {a.step + 1}) came before {b.call.name} "
                    f"(step {b.step + 1}), against the order of `calls`",
                    (f"actual:   {render_call(a.call)} then {render_call(b.call)}",),
                    _ORDER_HINT,
                )
            )
        if len(pairs) > _MAX_ORDER_PAIRS:
            more = len(pairs) - _MAX_ORDER_PAIRS
            failures.append(
                Failure(
                    "order_violation",
                    f"... and {more} more pairs of calls out of order",
                )
            )
        for earlier, later in solution.before_violations:
            head, tail = self.patterns[earlier], self.patterns[later]
            failures.append(
                Failure(
                    "order_violation",
                    f"{head.label} must be called before {tail.label}",
                    (
                        f"expected: {head.describe()} before {tail.describe()}",
                        *self._actual_lines(),
                    ),
                )
            )
        return failures

    def _parallel(self, solution: Solution) -> list[Failure]:
        failures = []
        for group_index in solution.parallel_violations:
            group = self.expectation.groups[group_index]
            members = [self.patterns[i] for i in group.members]
            steps = sorted(
                {
                    self.calls[c].step + 1
                    for c, p in enumerate(solution.assignment)
                    if p in group.members
                }
            )
            where = ", ".join(map(str, steps))
            summary = (
                f"expected {' and '.join(m.tool for m in members)} in one assistant "
                f"message; they came in steps {where}"
                if len(steps) > 1
                else "the parallel group's message also held other calls (exclusive)"
            )
            failures.append(
                Failure(
                    "not_parallel",
                    summary,
                    (
                        *(f"expected: {m.describe()}" for m in members),
                        *self._actual_lines(),
                    ),
                )
            )
        return failures

    def _actual_lines(self) -> tuple[str, ...]:
        if not self.calls:
            return ("actual:   no tool calls",)
        return _listed(
            self.calls, lambda p: f"actual:   [step {p.step + 1}] {render_call(p.call)}"
        )
