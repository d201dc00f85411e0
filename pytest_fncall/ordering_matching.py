"""A maximum matching of calls to patterns with capacities (augmenting paths).

:func:`~pytest_fncall.ordering.solve` uses it for the number of calls any assignment
can count towards patterns, and as the fallback when its search finds nothing better;
the search uses it to tell which steps could hold a parallel group.
"""

from __future__ import annotations

from .ordering_problem import Assignment


def max_matching(options: list[list[int]], caps: list[int]) -> Assignment:
    """Assign as many calls as compatibility and capacity allow (augmenting paths).

    ``options[c]`` lists the patterns call ``c`` may take, ``caps[p]`` how many calls
    pattern ``p`` may hold.
    """
    holders: list[dict[int, None]] = [{} for _ in caps]  # dicts as ordered sets
    assignment: Assignment = [None] * len(options)
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
