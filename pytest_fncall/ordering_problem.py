"""What :func:`~pytest_fncall.ordering.solve` is given and what it returns.

A :class:`Problem` describes the expected patterns, the calls and their constraints; a
:class:`Solution` is an assignment of calls to patterns with every violation of it.
:func:`evaluate` computes those violations from scratch, which is how every
:class:`Solution` is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MatchMode = Literal["strict", "unordered", "subset", "superset"]

Assignment = list[int | None]
"""Per call: the index of its pattern, or None."""


@dataclass(frozen=True)
class PatternSlot:
    """How many calls an expected pattern takes, and its parallel group if any."""

    min_count: int = 1
    max_count: int | None = 1
    group: int | None = None


@dataclass(frozen=True)
class ParallelGroup:
    """Patterns whose calls must all come in one step (alone there if exclusive)."""

    members: tuple[int, ...]
    exclusive: bool = False


@dataclass(frozen=True)
class CallSlot:
    """Where a call came: its step (assistant message) and global position."""

    step: int
    index: int


@dataclass(frozen=True)
class Problem:
    """Everything ``solve`` needs; ``calls[i].index == i``, steps never decrease."""

    mode: MatchMode
    patterns: tuple[PatternSlot, ...]
    calls: tuple[CallSlot, ...]
    compatible: frozenset[tuple[int, int]]  # (call, pattern) pairs that may be assigned
    groups: tuple[ParallelGroup, ...] = ()
    before: tuple[tuple[int, int], ...] = ()  # (a, b): calls to a precede calls to b


@dataclass(frozen=True)
class Solution:
    """The chosen assignment and, when it is not valid, everything wrong with it."""

    assignment: tuple[int | None, ...]  # per call: its pattern, or None
    ok: bool
    missing: tuple[tuple[int, int], ...]  # (pattern, calls short of min_count)
    extras: tuple[int, ...]  # unassigned calls, where the mode forbids them
    order_violations: tuple[tuple[int, int], ...]  # (earlier call, later call), strict
    before_violations: tuple[tuple[int, int], ...]  # broken `before` edges
    parallel_violations: tuple[int, ...]  # groups split over steps or not alone


def validate(problem: Problem) -> None:
    """Raise ValueError when ``problem`` is malformed (indices, counts, step order)."""
    n, m = len(problem.calls), len(problem.patterns)
    for position, call in enumerate(problem.calls):
        if call.index != position:
            raise ValueError(f"call at position {position} has index {call.index}")
        if position and call.step < problem.calls[position - 1].step:
            raise ValueError("calls must be sorted by step")
    for slot in problem.patterns:
        if slot.min_count < 0 or (slot.max_count is not None and slot.max_count < 0):
            raise ValueError(f"negative count in {slot}")
        if slot.group is not None and not 0 <= slot.group < len(problem.groups):
            raise ValueError(f"no parallel group {slot.group}")
    patterns = [p for _, p in problem.compatible]
    patterns += [p for group in problem.groups for p in group.members]
    patterns += [p for edge in problem.before for p in edge]
    if any(not 0 <= p < m for p in patterns):
        raise ValueError("pattern index out of range")
    if any(not 0 <= c < n for c, _ in problem.compatible):
        raise ValueError("call index out of range")


def group_members(problem: Problem) -> list[set[int]]:
    """Members of each group, from the group itself and from ``PatternSlot.group``."""
    members = [set(group.members) for group in problem.groups]
    for p, slot in enumerate(problem.patterns):
        if slot.group is not None:
            members[slot.group].add(p)
    return members


def evaluate(problem: Problem, assignment: Assignment) -> Solution:
    """Every violation of `assignment`, computed from scratch."""
    n, m = len(problem.calls), len(problem.patterns)
    steps = [call.step for call in problem.calls]
    holders: list[list[int]] = [[] for _ in range(m)]
    for c, p in enumerate(assignment):
        if p is not None:
            holders[p].append(c)
    missing: list[tuple[int, int]] = []
    if problem.mode != "subset":
        for p, slot in enumerate(problem.patterns):
            if len(holders[p]) < slot.min_count:
                missing.append((p, slot.min_count - len(holders[p])))
    extras: list[int] = []
    if problem.mode != "superset":
        extras = [c for c in range(n) if assignment[c] is None]
    order: list[tuple[int, int]] = []
    if problem.mode == "strict":
        earlier: list[list[int]] = [[] for _ in range(m)]  # assigned, in earlier steps
        start = 0
        for c in range(n):
            if steps[c] != steps[start]:
                for i in range(start, c):
                    if (q := assignment[i]) is not None:
                        earlier[q].append(i)
                start = c
            if (p := assignment[c]) is not None:
                order += [(i, c) for q in range(p + 1, m) for i in earlier[q]]
        order.sort()
    before = [
        (a, b)
        for a, b in problem.before
        if holders[a] and holders[b] and holders[a][-1] > holders[b][0]
    ]
    parallel: list[int] = []
    for g, members in enumerate(group_members(problem)):
        calls = {c for p in members for c in holders[p]}
        group_steps = {steps[c] for c in calls}
        if len(group_steps) > 1 or (
            problem.groups[g].exclusive
            and any(steps[c] in group_steps and c not in calls for c in range(n))
        ):
            parallel.append(g)
    violations = missing or extras or order or before or parallel
    return Solution(
        tuple(assignment),
        not violations,
        tuple(missing),
        tuple(extras),
        tuple(order),
        tuple(before),
        tuple(parallel),
    )


def total_violations(solution: Solution) -> int:
    """Number of violations, counting each call a pattern is short as one."""
    return (
        sum(short for _, short in solution.missing)
        + len(solution.extras)
        + len(solution.order_violations)
        + len(solution.before_violations)
        + len(solution.parallel_violations)
    )
