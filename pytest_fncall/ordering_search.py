"""The depth-first search behind :func:`~pytest_fncall.ordering.solve`.

The search goes over the calls in order, trying patterns in index order and
"unassigned" last, so among equally good assignments the one giving earlier calls to
earlier patterns wins. It keeps violation counts incrementally, prunes on capacity,
remaining calls against unmet minimums and incremental order checks, and memoises
search states. Each run stops after a budget of nodes and returns the best found so
far. The search keeps an explicit stack, so a thousand calls never hit Python's
recursion limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .ordering_matching import max_matching
from .ordering_problem import Assignment, Problem, group_members

# (pattern, cost added, edges turned bad, groups turned bad, groups opened)
_Undo = tuple[int | None, int, list[int], list[int], list[int]]


@dataclass
class _Frame:
    """One call on the search stack: its choices, how many tried, the last one's undo."""

    choices: list[int | None]
    tried: int = 0
    undo: _Undo | None = None


class Search:
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
        members = group_members(problem)
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
            if None not in max_matching(options, [1] * len(calls)):
                last = self.steps[start]
        return last

    def _reset(self) -> None:
        self.assign: Assignment = [None] * self.n
        self.count = [0] * self.m
        self.assigned = 0
        self.cost = 0  # order, before and parallel violations so far
        self.base: list[tuple[int, ...]] = [()] * self.n  # counts at each step's start
        self.group_step: list[int | None] = [None] * self.n_groups
        self.group_bad = [False] * self.n_groups
        self.edge_bad = [False] * self.n_edges

    def run(
        self, hard: bool, target: int, bound: int, budget: int
    ) -> Assignment | None:
        """First cheapest assignment with `target` calls assigned, costing under `bound`.

        Hard mode allows no violation (bound 1) and stops at the first valid assignment;
        `target` is then n, or 0 where extras are allowed. Soft mode keeps improving on
        the best found until the tree or the `budget` of nodes is exhausted.
        """
        self._reset()
        n, best = self.n, None
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
