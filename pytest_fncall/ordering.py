"""Assign tool calls to expected call patterns under a match mode and constraints.

Another module decides which (call, pattern) pairs are compatible; :func:`solve`
searches for an assignment that satisfies the mode, the counts, strict order, ``before``
edges and parallel groups. When none exists it returns the best partial assignment: as
many calls counted towards patterns as possible (an exact bipartite matching gives that
number), then as few violations as possible.

The search (:mod:`.ordering_search`) is a depth-first search over the calls in order,
trying patterns in index order and "unassigned" last, so among equally good assignments
the one giving earlier calls to earlier patterns wins. It runs twice: for a valid
assignment, then (if none) for the best partial one. Each run stops after
:data:`NODE_BUDGET` nodes and then uses the best found so far (for the failure report,
at worst the matching itself, from :mod:`.ordering_matching`), so a pathological input
can in theory be reported as failing although a valid assignment exists.

The types of the problem and its solution live in :mod:`.ordering_problem` and are
re-exported here.
"""

from __future__ import annotations

from .ordering_matching import max_matching
from .ordering_problem import (
    CallSlot,
    MatchMode,
    ParallelGroup,
    PatternSlot,
    Problem,
    Solution,
    evaluate,
    total_violations,
    validate,
)
from .ordering_search import Search

__all__ = [
    "NODE_BUDGET",
    "CallSlot",
    "MatchMode",
    "ParallelGroup",
    "PatternSlot",
    "Problem",
    "Solution",
    "solve",
]

NODE_BUDGET = 100_000
"""Search nodes (tried call-to-pattern choices) for each of the two searches."""


def solve(problem: Problem) -> Solution:
    """Find a valid assignment, or the best partial one with its violations."""
    validate(problem)
    n = len(problem.calls)
    if not n:
        return evaluate(problem, [])
    search = Search(problem)
    matched = max_matching(search.options, search.caps)
    size = sum(p is not None for p in matched)
    # Read the budget at call time, so tests can patch it on this module.
    budget = NODE_BUDGET
    if problem.mode == "superset" or size == n:
        target = 0 if problem.mode == "superset" else n
        found = search.run(hard=True, target=target, bound=1, budget=budget)
        if found is not None:
            return evaluate(problem, found)
    seed = evaluate(problem, matched)
    bound = total_violations(seed) + 1
    found = search.run(hard=False, target=size, bound=bound, budget=budget)
    return seed if found is None else evaluate(problem, found)
