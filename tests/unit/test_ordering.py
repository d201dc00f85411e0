from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fncall import ordering
from pytest_fncall.ordering import (
    CallSlot,
    MatchMode,
    ParallelGroup,
    PatternSlot,
    Problem,
    Solution,
    solve,
)

MODES: list[MatchMode] = ["strict", "unordered", "subset", "superset"]


def make(
    mode: MatchMode,
    patterns: list[PatternSlot] | int,
    steps: list[int],
    compatible: set[tuple[int, int]] | None = None,
    groups: tuple[ParallelGroup, ...] = (),
    before: tuple[tuple[int, int], ...] = (),
) -> Problem:
    """A problem; `patterns` as a count means that many exactly-once patterns."""
    slots = (
        [PatternSlot() for _ in range(patterns)]
        if isinstance(patterns, int)
        else patterns
    )
    if compatible is None:
        compatible = {(c, p) for c in range(len(steps)) for p in range(len(slots))}
    return Problem(
        mode=mode,
        patterns=tuple(slots),
        calls=tuple(CallSlot(step, i) for i, step in enumerate(steps)),
        compatible=frozenset(compatible),
        groups=groups,
        before=before,
    )


# --- reference: plain enumeration, written independently of the module ------------


@dataclass
class Verdict:
    missing: list[tuple[int, int]]
    extras: list[int]
    order: list[tuple[int, int]]
    before: list[tuple[int, int]]
    parallel: list[int]

    @property
    def total(self) -> int:
        return (
            sum(short for _, short in self.missing)
            + len(self.extras)
            + len(self.order)
            + len(self.before)
            + len(self.parallel)
        )


def respects_capacity(problem: Problem, assignment: tuple[int | None, ...]) -> bool:
    for c, p in enumerate(assignment):
        if p is not None and (c, p) not in problem.compatible:
            return False
    for p, slot in enumerate(problem.patterns):
        taken = sum(1 for q in assignment if q == p)
        if slot.max_count is not None and taken > slot.max_count:
            return False
    return True


def judge(problem: Problem, assignment: tuple[int | None, ...]) -> Verdict:
    n = len(problem.calls)
    step = [call.step for call in problem.calls]
    taken = {
        p: [c for c in range(n) if assignment[c] == p]
        for p in range(len(problem.patterns))
    }
    missing = []
    if problem.mode != "subset":
        missing = [
            (p, slot.min_count - len(taken[p]))
            for p, slot in enumerate(problem.patterns)
            if len(taken[p]) < slot.min_count
        ]
    extras = (
        [c for c in range(n) if assignment[c] is None]
        if problem.mode != "superset"
        else []
    )
    order = []
    if problem.mode == "strict":
        for i, j in itertools.combinations(range(n), 2):
            pi, pj = assignment[i], assignment[j]
            if pi is not None and pj is not None and step[i] < step[j] and pi > pj:
                order.append((i, j))
    before = [
        (a, b)
        for a, b in problem.before
        if any(i > j for i in taken[a] for j in taken[b])
    ]
    parallel = []
    for g, group in enumerate(problem.groups):
        members = set(group.members) | {
            p for p, slot in enumerate(problem.patterns) if slot.group == g
        }
        mine = [c for c in range(n) if assignment[c] in members]
        steps = {step[c] for c in mine}
        if len(steps) > 1:
            parallel.append(g)
        elif steps and group.exclusive:
            (only,) = steps
            if any(step[c] == only and c not in mine for c in range(n)):
                parallel.append(g)
    return Verdict(missing, extras, order, before, parallel)


def brute_force(problem: Problem) -> tuple[tuple[int | None, ...], Verdict, bool]:
    """The assignment solve() should pick, its verdict, and whether it is valid.

    Candidates come in preference order (earlier calls to earlier patterns, None last).
    A valid one wins; otherwise the first with the most calls assigned and, among those,
    the fewest violations.
    """
    m = len(problem.patterns)
    choices = [
        [p for p in range(m) if (c, p) in problem.compatible] + [None]
        for c in range(len(problem.calls))
    ]
    best: tuple[tuple[int, int], tuple[int | None, ...], Verdict] | None = None
    for assignment in itertools.product(*choices):
        if not respects_capacity(problem, assignment):
            continue
        verdict = judge(problem, assignment)
        if verdict.total == 0:
            return assignment, verdict, True
        assigned = sum(p is not None for p in assignment)
        rank = (-assigned, verdict.total)
        if best is None or rank < best[0]:
            best = (rank, assignment, verdict)
    assert best is not None  # all-None always respects capacity
    return best[1], best[2], False


def assert_reported(solution: Solution, verdict: Verdict) -> None:
    assert list(solution.missing) == verdict.missing
    assert list(solution.extras) == verdict.extras
    assert list(solution.order_violations) == verdict.order
    assert list(solution.before_violations) == verdict.before
    assert list(solution.parallel_violations) == verdict.parallel


# --- hand-written cases ---------------------------------------------------------------


def test_anti_greedy_generic_pattern_does_not_steal_the_call() -> None:
    # generic fits calls 0 and 1, specific only call 0: greedy gives call 0 to generic.
    problem = make("unordered", 2, [0, 1], {(0, 0), (1, 0), (0, 1)})
    solution = solve(problem)
    assert solution.ok
    assert solution.assignment == (1, 0)


@pytest.mark.parametrize("mode", MODES)
def test_exact_match_is_ok_in_every_mode(mode: MatchMode) -> None:
    problem = make(mode, 3, [0, 1, 2], {(0, 0), (1, 1), (2, 2)})
    solution = solve(problem)
    assert solution == Solution((0, 1, 2), True, (), (), (), (), ())


def test_strict_order_across_steps() -> None:
    problem = make("strict", 2, [0, 1], {(0, 1), (1, 0)})
    solution = solve(problem)
    assert not solution.ok
    assert solution.assignment == (1, 0)
    assert solution.order_violations == ((0, 1),)
    assert (solution.missing, solution.extras) == ((), ())


def test_strict_allows_any_order_within_a_step() -> None:
    problem = make("strict", 2, [0, 0], {(0, 1), (1, 0)})
    assert solve(problem).ok


def test_unordered_ignores_order() -> None:
    problem = make("unordered", 2, [0, 1], {(0, 1), (1, 0)})
    assert solve(problem).ok


def test_strict_search_finds_the_ordered_assignment() -> None:
    # Both calls fit both patterns; only the ordered assignment is valid.
    problem = make(
        "strict", [PatternSlot(0, 1), PatternSlot()], [0, 1], {(0, 0), (0, 1), (1, 1)}
    )
    solution = solve(problem)
    assert solution.ok
    assert solution.assignment == (0, 1)


def test_best_partial_prefers_fewer_violations_over_preference_order() -> None:
    # Every call must be assigned; (A, B, B) breaks one edge, (A, A, A) misses B twice.
    patterns = [PatternSlot(0, None), PatternSlot(2, 2)]
    compat = {(0, 0), (1, 0), (1, 1), (2, 0), (2, 1)}
    solution = solve(make("unordered", patterns, [0, 1, 2], compat, before=((1, 0),)))
    assert not solution.ok
    assert solution.assignment == (0, 1, 1)
    assert solution.before_violations == ((1, 0),)
    assert solution.missing == ()


def test_missing_and_extras() -> None:
    problem = make("unordered", 2, [0, 1], {(0, 0), (1, 0)})
    solution = solve(problem)
    assert not solution.ok
    assert solution.assignment == (0, None)
    assert solution.missing == ((1, 1),)
    assert solution.extras == (1,)


def test_superset_allows_extras_but_not_missing() -> None:
    assert solve(make("superset", 1, [0, 1, 2], {(1, 0)})).assignment == (None, 0, None)
    solution = solve(make("superset", 2, [0, 1], {(0, 0), (1, 0)}))
    assert not solution.ok
    assert solution.missing == ((1, 1),)
    assert solution.extras == ()


def test_subset_allows_missing_but_not_extras() -> None:
    assert solve(make("subset", 3, [0], {(0, 2)})).ok
    solution = solve(make("subset", 1, [0, 1], {(0, 0), (1, 0)}))
    assert not solution.ok
    assert solution.extras == (1,)
    assert solution.missing == ()


def test_times_and_bounds() -> None:
    three = make("unordered", [PatternSlot(3, 3)], [0, 1, 2])
    assert solve(three).ok
    assert solve(make("unordered", [PatternSlot(3, 3)], [0, 1])).missing == ((0, 1),)
    over = solve(make("unordered", [PatternSlot(1, 2)], [0, 1, 2]))
    assert over.extras == (2,)
    unbounded = make("unordered", [PatternSlot(1, None)], list(range(50)))
    assert solve(unbounded).ok


def test_optional_pattern() -> None:
    patterns = [PatternSlot(), PatternSlot(0, 1)]
    assert solve(make("strict", patterns, [0], {(0, 0)})).ok
    assert solve(make("strict", patterns, [0, 1], {(0, 0), (1, 1)})).ok


def test_parallel_group_in_one_step() -> None:
    groups = (ParallelGroup((0, 1)),)
    patterns = [PatternSlot(group=0), PatternSlot(group=0), PatternSlot()]
    compat = {(0, 0), (1, 1), (2, 2)}
    assert solve(make("unordered", patterns, [0, 0, 1], compat, groups)).ok
    split = solve(make("unordered", patterns, [0, 1, 1], compat, groups))
    assert not split.ok
    assert split.parallel_violations == (0,)


def test_parallel_group_takes_members_from_either_side() -> None:
    # PatternSlot.group alone also puts a pattern in the group.
    groups = (ParallelGroup((0,)),)
    patterns = [PatternSlot(group=0), PatternSlot(group=0)]
    solution = solve(make("unordered", patterns, [0, 1], {(0, 0), (1, 1)}, groups))
    assert solution.parallel_violations == (0,)


def test_parallel_group_exclusive() -> None:
    patterns = [PatternSlot(), PatternSlot(), PatternSlot()]
    compat = {(0, 0), (1, 1), (2, 2)}
    shared = [0, 0, 0]
    assert solve(
        make("unordered", patterns, shared, compat, (ParallelGroup((0, 1)),))
    ).ok
    exclusive = (ParallelGroup((0, 1), exclusive=True),)
    crowded = solve(make("unordered", patterns, shared, compat, exclusive))
    assert crowded.parallel_violations == (0,)
    assert solve(make("unordered", patterns, [0, 0, 1], compat, exclusive)).ok


def test_exclusive_group_counts_unassigned_calls_in_its_step() -> None:
    exclusive = (ParallelGroup((0,), exclusive=True),)
    solution = solve(make("superset", 1, [0, 0], {(0, 0)}, exclusive))
    assert solution.parallel_violations == (0,)
    assert solve(make("superset", 1, [0, 1], {(0, 0)}, exclusive)).ok


def test_empty_group_is_not_violated() -> None:
    patterns = [PatternSlot(0, 1), PatternSlot(0, 1), PatternSlot()]
    groups = (ParallelGroup((0, 1), exclusive=True),)
    assert solve(make("unordered", patterns, [0], {(0, 2)}, groups)).ok
    assert solve(make("superset", patterns, [0, 0], {(0, 2)}, groups)).ok


def test_before_edges() -> None:
    compat = {(0, 1), (1, 0)}
    assert solve(make("unordered", 2, [0, 1], compat)).ok
    solution = solve(make("unordered", 2, [0, 1], compat, before=((0, 1),)))
    assert not solution.ok
    assert solution.before_violations == ((0, 1),)
    assert solve(make("unordered", 2, [0, 1], compat, before=((1, 0),))).ok


def test_before_edge_with_an_empty_side_is_not_violated() -> None:
    patterns = [PatternSlot(0, 1), PatternSlot()]
    assert solve(make("unordered", patterns, [0], {(0, 1)}, before=((0, 1),))).ok


def test_before_edge_search_avoids_the_violation() -> None:
    # Call 0 fits both; assigning it to pattern 1 first would break the edge.
    patterns = [PatternSlot(0, None), PatternSlot()]
    compat = {(0, 0), (0, 1), (1, 1), (1, 0)}
    solution = solve(make("unordered", patterns, [0, 1], compat, before=((0, 1),)))
    assert solution.ok
    assert solution.assignment == (0, 1)


def test_no_calls_and_no_patterns() -> None:
    assert solve(make("strict", 0, [])).ok
    assert solve(make("strict", 1, [])).missing == ((0, 1),)
    assert solve(make("strict", 0, [0])).extras == (0,)


def test_invalid_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="index"):
        solve(Problem("strict", (PatternSlot(),), (CallSlot(0, 1),), frozenset()))
    with pytest.raises(ValueError, match="out of range"):
        solve(make("strict", 1, [0], {(0, 3)}))
    with pytest.raises(ValueError, match="sorted"):
        solve(make("strict", 1, [1, 0]))


# --- large inputs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "ok"),
    [("strict", False), ("unordered", True), ("subset", True), ("superset", True)],
)
def test_thousand_calls_three_patterns(mode: MatchMode, ok: bool) -> None:
    # Strict fails: the last call fits only the first pattern, so it comes after B.
    n = 1000
    patterns = [PatternSlot(1, None), PatternSlot(1, 2), PatternSlot(0, 1)]
    compat = {(c, c % 3) for c in range(n)} | {(c, 0) for c in range(n)}
    solution = solve(make(mode, patterns, list(range(n)), compat))
    assert solution.ok is ok
    assert sum(p is not None for p in solution.assignment) == n


def test_thousand_calls_without_a_valid_assignment() -> None:
    # Every call fits every pattern, but strict order is broken by the last call.
    n = 1000
    patterns = [PatternSlot(1, None), PatternSlot(1, None), PatternSlot(1, None)]
    compat = {(c, p) for c in range(n - 1) for p in range(3)} | {(n - 1, 0)}
    solution = solve(make("strict", patterns, list(range(n)), compat))
    assert not solution.ok
    assert sum(p is not None for p in solution.assignment) == n


def test_thousand_calls_one_step_with_capacity_limits() -> None:
    patterns = [PatternSlot(1, 5), PatternSlot(1, 5), PatternSlot(1, 5)]
    solution = solve(make("strict", patterns, [0] * 1000))
    assert sum(p is not None for p in solution.assignment) == 15
    assert len(solution.extras) == 985


def test_budget_exhaustion_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ordering, "NODE_BUDGET", 5)
    problem = make(
        "strict", [PatternSlot(1, None)] * 3, list(range(40)), before=((2, 0),)
    )
    solution = solve(problem)
    assert not solution.ok
    assert sum(p is not None for p in solution.assignment) == 40


# --- properties against the brute-force reference -------------------------------------


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(0, 5))
    m = draw(st.integers(1, 4))
    mode: MatchMode = draw(st.sampled_from(MODES))
    labels = draw(st.lists(st.sampled_from([None, None, 0, 1]), min_size=m, max_size=m))
    patterns = []
    for label in labels:
        low = draw(st.integers(0, 2))
        high = draw(st.sampled_from([None, 1, 2, 3]))
        patterns.append(PatternSlot(low, high, label))
    groups = tuple(
        ParallelGroup(
            tuple(p for p, lb in enumerate(labels) if lb == g), draw(st.booleans())
        )
        for g in range(2)
    )
    steps = list(
        itertools.accumulate(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    )
    pairs = [(c, p) for c in range(n) for p in range(m)]
    compat = draw(st.sets(st.sampled_from(pairs))) if pairs else set()
    edges = draw(
        st.lists(st.tuples(st.integers(0, m - 1), st.integers(0, m - 1)), max_size=3)
    )
    return make(mode, patterns, steps, compat, groups, tuple(edges))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_solve_agrees_with_brute_force(problem: Problem) -> None:
    solution = solve(problem)
    expected, verdict, valid = brute_force(problem)
    assert solution.ok == valid
    assert respects_capacity(problem, solution.assignment)
    mine = judge(problem, solution.assignment)
    assert_reported(solution, mine)
    if valid:
        assert mine.total == 0
    else:
        assigned = sum(p is not None for p in solution.assignment)
        assert assigned == sum(p is not None for p in expected)
        assert mine.total == verdict.total
    assert solution.assignment == expected
