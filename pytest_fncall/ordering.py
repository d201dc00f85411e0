"""Assign tool calls to expected call patterns under a match mode and constraints.

Another module decides which (call, pattern) pairs are compatible; :func:`solve`
searches for an assignment that satisfies the mode, the counts, strict order, ``before``
edges and parallel groups. When none exists it returns the best partial assignment: as
many calls counted towards patterns as possible (an exact bipartite matching gives that
number), then as few violations as possible.

The search is a depth-first search over the calls in order, trying patterns in index
order and "unassigned" last, so among equally good assignments the one giving earlier
calls to earlier patterns wins. It prunes on capacity, remaining calls against unmet
minimums and incremental order checks, and memoises search states. It runs twice: for a
valid assignment, then (if none) for the best partial one. Each run stops after
:data:`NODE_BUDGET` nodes and then uses the best found so far (for the failure report,
at worst the matching itself), so a pathological input can in theory be reported as
failing although a valid assignment exists. The search keeps an explicit stack, so a
thousand calls never hit Python's recursion limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

MatchMode = Literal["strict", "unordered", "subset", "superset"]

NODE_BUDGET = 100_000
"""Search nodes (tried call-to-pattern choices) for each of the two searches."""


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
    """Everything :func:`solve` needs; ``calls[i].index == i``, steps never decrease."""

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


_Assignment = list[int | None]
# (pattern, cost added, edges turned bad, groups turned bad, groups opened)
_Undo = tuple[int | None, int, list[int], list[int], list[int]]


@dataclass
class _Frame:
    """One call on the search stack: its choices, how many tried, the last one's undo."""

    choices: list[int | None]
    tried: int = 0
    undo: _Undo | None = None


def solve(problem: Problem) -> Solution:
    """Find a valid assignment, or the best partial one with its violations."""
    _validate(problem)
    n = len(problem.calls)
    if not n:
        return _evaluate(problem, [])
    search = _Search(problem)
    matched = _max_matching(search.options, search.caps)
    size = sum(p is not None for p in matched)
    if problem.mode == "superset" or size == n:
        target = 0 if problem.mode == "superset" else n
        found = search.run(hard=True, target=target, bound=1)
        if found is not None:
            return _evaluate(problem, found)
    seed = _evaluate(problem, matched)
    found = search.run(hard=False, target=size, bound=_total(seed) + 1)
    return seed if found is None else _evaluate(problem, found)


def _validate(problem: Problem) -> None:
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


def _group_members(problem: Problem) -> list[set[int]]:
    """Members of each group, from the group itself and from ``PatternSlot.group``."""
    members = [set(group.members) for group in problem.groups]
    for p, slot in enumerate(problem.patterns):
        if slot.group is not None:
            members[slot.group].add(p)
    return members


def _max_matching(options: list[list[int]], caps: list[int]) -> _Assignment:
    """Assign as many calls as compatibility and capacity allow (augmenting paths)."""
    holders: list[dict[int, None]] = [{} for _ in caps]  # dicts as ordered sets
    assignment: _Assignment = [None] * len(options)
    # A pattern set that failed to reach free capacity stays full: skip it from then on.
    dead = [False] * len(caps)
    for call, choices in enumerate(options):
        parent: dict[int, tuple[int, int | None]] = {}
        queue = [p for p in choices if not dead[p]]
        for p in queue:
            parent[p] = (call, None)
        free = None
        for p in queue:  # breadth first; the list grows while it is walked
            if len(holders[p]) < caps[p]:
                free = p
                break
            for holder in holders[p]:
                for q in options[holder]:
                    if not dead[q] and q not in parent:
                        parent[q] = (holder, p)
                        queue.append(q)
        if free is None:
            for p in queue:
                dead[p] = True
            continue
        target: int | None = free
        while target is not None:
            moved, source = parent[target]
            holders[target][moved] = None
            assignment[moved] = target
            if source is not None:
                del holders[source][moved]
            target = source
    return assignment


class _Search:
    """Depth-first search over the calls in order, with incremental violation counts."""

    def __init__(self, problem: Problem) -> None:
        n, m = len(problem.calls), len(problem.patterns)
        self.n, self.m = n, m
        self.strict = problem.mode == "strict"
        self.extras_ok = problem.mode == "superset"
        uses_min = problem.mode != "subset"
        slots = problem.patterns
        self.mins = [s.min_count if uses_min else 0 for s in slots]
        self.caps = [n if s.max_count is None else s.max_count for s in slots]
        self.total_cap = sum(self.caps)
        self.needy = [p for p, need in enumerate(self.mins) if need]
        # Memo keys cap counts where a higher count changes neither cost nor options.
        self.key_caps = [
            max(need, 1) if s.max_count is None else s.max_count
            for need, s in zip(self.mins, slots, strict=True)
        ]
        self.steps = [call.step for call in problem.calls]
        self.step_start = [0] * n
        for c in range(1, n):
            same = self.steps[c] == self.steps[c - 1]
            self.step_start[c] = self.step_start[c - 1] if same else c
        self.options: list[list[int]] = [[] for _ in range(n)]
        for c, p in sorted(problem.compatible):
            self.options[c].append(p)
        self.usable = [0] * (n + 1)  # calls from here on with any compatible pattern
        self.suffix = [[0] * (n + 1) for _ in range(m)]  # the same, per pattern
        self.local = [[0] * (n + 1) for _ in range(m)]  # the same, within the step
        for c in reversed(range(n)):
            self.usable[c] = self.usable[c + 1] + bool(self.options[c])
            same_step = c + 1 < n and self.step_start[c + 1] == self.step_start[c]
            for p in range(m):
                hit = p in self.options[c]
                self.suffix[p][c] = self.suffix[p][c + 1] + hit
                self.local[p][c] = (self.local[p][c + 1] if same_step else 0) + hit
        members = _group_members(problem)
        self.groups_of = [
            [g for g, ms in enumerate(members) if p in ms] for p in range(m)
        ]
        self.exclusive = [
            g for g, group in enumerate(problem.groups) if group.exclusive
        ]
        self.edges_from: list[list[tuple[int, int]]] = [[] for _ in range(m)]
        for e, (a, b) in enumerate(problem.before):
            self.edges_from[a].append((e, b))
        self.n_groups, self.n_edges = len(problem.groups), len(problem.before)
        self.last_fit = [self._last_fit(ms) for ms in members]

    def _last_fit(self, members: set[int]) -> float:
        """Last step whose calls could meet the minimums of a group's members."""
        units = [p for p in sorted(members) for _ in range(self.mins[p])]
        if not units:
            return math.inf
        last: float = -1
        starts = sorted(set(self.step_start))
        for start, end in zip(starts, [*starts[1:], self.n], strict=True):
            calls = range(start, end)
            if len(calls) < len(units):
                continue
            options = [
                [i for i, c in enumerate(calls) if p in self.options[c]] for p in units
            ]
            if None not in _max_matching(options, [1] * len(calls)):
                last = self.steps[start]
        return last

    def _reset(self) -> None:
        self.assign: _Assignment = [None] * self.n
        self.count = [0] * self.m
        self.assigned = 0
        self.cost = 0  # order, before and parallel violations so far
        self.base: list[tuple[int, ...]] = [()] * self.n  # counts at each step's start
        self.group_step: list[int | None] = [None] * self.n_groups
        self.group_bad = [False] * self.n_groups
        self.edge_bad = [False] * self.n_edges

    def run(self, hard: bool, target: int, bound: int) -> _Assignment | None:
        """First cheapest assignment with `target` calls assigned, costing under `bound`.

        Hard mode allows no violation (bound 1) and stops at the first valid assignment;
        `target` is then n, or 0 where extras are allowed. Soft mode keeps improving on
        the best found until the tree or the node budget is exhausted.
        """
        self._reset()
        n, best, budget = self.n, None, NODE_BUDGET
        fixed = 0 if hard or self.extras_ok else n - target  # extras, once complete
        tail: list[int | None] = [] if hard and not self.extras_ok else [None]
        memo: dict[tuple[object, ...], int] = {}
        self._enter(0)
        frames = [_Frame([*self.options[0], *tail])]
        while frames and budget:
            c, frame = len(frames) - 1, frames[-1]
            if frame.undo is not None:
                self._undo(c, frame.undo)
                frame.undo = None
            if frame.tried == len(frame.choices):
                frames.pop()
                continue
            budget -= 1
            frame.undo = self._apply(c, frame.choices[frame.tried], hard)
            frame.tried += 1
            if frame.undo is None:
                continue
            nxt = c + 1
            room = self.total_cap - self.assigned  # counts never exceed caps
            if self.assigned + min(self.usable[nxt], room) < target:
                continue
            total = self.cost + self._missing_bound(nxt, hard) + fixed
            if total >= bound:
                continue
            if nxt == n:
                best, bound = list(self.assign), total
                if hard:
                    break
                continue
            key = self._key(nxt, hard)
            seen = memo.get(key)
            if seen is not None and seen <= self.cost:
                continue  # reached before at no higher cost: same future, no gain
            memo[key] = self.cost
            self._enter(nxt)
            frames.append(_Frame([*self.options[nxt], *tail]))
        return best

    def _enter(self, c: int) -> None:
        if self.strict and c == self.step_start[c]:
            self.base[c] = tuple(self.count)

    def _apply(self, c: int, p: int | None, hard: bool) -> _Undo | None:
        """Assign call `c` to `p`; None if over capacity or (hard) a violation."""
        step = self.steps[c]
        mine = [] if p is None else self.groups_of[p]
        bad = [
            g
            for g in self.exclusive
            if self.group_step[g] == step and g not in mine and not self.group_bad[g]
        ]
        order, edges, opened = 0, [], []
        if p is not None:
            if self.count[p] >= self.caps[p]:
                return None
            if self.strict:
                order = sum(self.base[self.step_start[c]][p + 1 :])
            edges = [
                e
                for e, b in self.edges_from[p]
                if self.count[b] and not self.edge_bad[e]
            ]
            for g in mine:
                seen = self.group_step[g]
                if seen is None:
                    opened.append(g)
                    # Exclusive: an earlier call of this step is outside the group.
                    late = g in self.exclusive and c != self.step_start[c]
                else:
                    late = seen != step
                if late and not self.group_bad[g]:
                    bad.append(g)
        delta = order + len(edges) + len(bad)
        if hard and delta:
            return None
        self.assign[c] = p
        if p is not None:
            self.count[p] += 1
            self.assigned += 1
        self.cost += delta
        for e in edges:
            self.edge_bad[e] = True
        for g in bad:
            self.group_bad[g] = True
        for g in opened:
            self.group_step[g] = step
        return p, delta, edges, bad, opened

    def _undo(self, c: int, undo: _Undo) -> None:
        p, delta, edges, bad, opened = undo
        self.assign[c] = None
        if p is not None:
            self.count[p] -= 1
            self.assigned -= 1
        self.cost -= delta
        for e in edges:
            self.edge_bad[e] = False
        for g in bad:
            self.group_bad[g] = False
        for g in opened:
            self.group_step[g] = None

    def _top(self, nxt: int) -> int:
        """Highest pattern assigned in a step before the one of call `nxt` (strict)."""
        start = self.step_start[nxt]
        base = self.count if nxt == start else self.base[start]
        for q in range(self.m - 1, -1, -1):
            if base[q]:
                return q
        return -1

    def _supply(self, p: int, nxt: int) -> int:
        """Calls from `nxt` on that `p` could still take without a violation (hard)."""
        if nxt == self.n or any(self.count[b] for _, b in self.edges_from[p]):
            return 0
        supply = self.suffix[p][nxt]
        for g in self.groups_of[p]:
            if self.group_step[g] == self.steps[nxt]:
                supply = min(supply, self.local[p][nxt])
            elif self.group_step[g] is not None:
                return 0
        return supply

    def _group_missed(self, nxt: int) -> bool:
        """Has a group not yet begun passed the last step that could hold it?"""
        step = self.steps[nxt]
        return any(
            seen is None and step > last
            for seen, last in zip(self.group_step, self.last_fit, strict=True)
        )

    def _missing_bound(self, nxt: int, hard: bool) -> int:
        """Lower bound on the final shortfall plus the violations spent to avoid it."""
        rem = self.n - nxt
        top = self._top(nxt) if self.strict and rem else -1
        total = each = 0
        for p in self.needy:
            have = self.count[p]
            short = self.mins[p] - have
            if short <= 0:
                continue
            total += short
            # Below `top` each further call costs an order violation, so the shortfall
            # costs the same either way.
            if p < top:
                each += short
                continue
            supply = self._supply(p, nxt) if hard else self.suffix[p][nxt]
            each += max(0, short - supply, short - self.caps[p] + have)
        if hard and rem and self._group_missed(nxt):
            each += 1
        return max(each, total - rem)

    def _key(self, nxt: int, hard: bool) -> tuple[object, ...]:
        """Everything the rest of the search (from call `nxt`) depends on."""
        step, start = self.steps[nxt], self.step_start[nxt]
        exact = self.strict and not hard  # order violations count every earlier call
        counts = tuple(self.count if exact else map(min, self.count, self.key_caps))
        groups = tuple(
            0 if s is None else 1 if s == step else 2 for s in self.group_step
        )
        order: object = None
        if self.strict and nxt != start:
            order = self.base[start] if exact else self._top(nxt)
        if hard:
            return nxt, counts, groups, order
        bad = (tuple(self.group_bad), tuple(self.edge_bad))
        return nxt, self.assigned, counts, groups, order, bad


def _evaluate(problem: Problem, assignment: _Assignment) -> Solution:
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
    for g, members in enumerate(_group_members(problem)):
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


def _total(solution: Solution) -> int:
    """Number of violations, counting each call a pattern is short as one."""
    return (
        sum(short for _, short in solution.missing)
        + len(solution.extras)
        + len(solution.order_violations)
        + len(solution.before_violations)
        + len(solution.parallel_violations)
    )
