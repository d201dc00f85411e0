"""Matchers of arrays, objects and lengths: ``$len $contains $set $subset $each``.

``$contains`` and ``$set`` pair each expected item with a distinct element (a maximum
matching, so the order the items are written in never matters); ``$contains`` also
looks for substrings in a string, and ``$set`` can split a string first (``split``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .matcher_core import (
    Compile,
    Loc,
    Matcher,
    MatcherError,
    Opts,
    Registry,
    array_of,
    compile_fields,
    equal,
    from_test,
    is_op,
    list_text,
    object_of,
)
from .matcher_values import is_array, render

COLLECTIONS = Registry()


def _unmatched(matchers: Sequence[Matcher], values: Sequence[object]) -> list[str]:
    """Descriptions of matchers left out of a maximum matching to distinct values.

    Kuhn's augmenting paths: a greedy pass could give a value to an early matcher
    that a later one needs, though the early one had another candidate.
    """
    edges = [[j for j, v in enumerate(values) if m.matches(v)] for m in matchers]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return [m.describe() for i, m in enumerate(matchers) if not augment(i, set())]


def _distinct(items: list[Matcher], value: Sequence[object]) -> str | None:
    left = _unmatched(items, value)
    return f"no distinct element for {', '.join(left)}" if left else None


@COLLECTIONS.op("$len")
def _build_len(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    if isinstance(arg, Mapping) and any(is_op(key) for key in arg):
        inner = nested(arg, loc)
    elif isinstance(arg, int) and not isinstance(arg, bool) and arg >= 0:
        inner = equal(arg)
    else:
        need = "a non-negative integer or a matcher like {$range: [1, 5]}"
        raise MatcherError(loc, f"$len needs {need}, got {render(arg)}")

    def test(value: object) -> str | None:
        if not isinstance(value, (str, list, tuple, Mapping)):
            return "no length"
        return None if inner.matches(len(value)) else f"length {len(value)}"

    return from_test(f"len {inner.describe()}", test)


@COLLECTIONS.op("$contains")
def _build_contains(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    raw = list(arg) if is_array(arg) else [arg]
    items = [nested(x, (*loc, i) if is_array(arg) else loc) for i, x in enumerate(raw)]
    texts = [x for x in raw if isinstance(x, str)]

    def test(value: object) -> str | None:
        if isinstance(value, str):
            if len(texts) < len(raw):
                return "a string, but not every expected item is a string"
            absent = [repr(s) for s in texts if s not in value]
            return f"no {', '.join(absent)}" if absent else None
        if not is_array(value):
            return "not an array or string"
        return _distinct(items, value)

    return from_test(f"contains {list_text(items)}", test)


@COLLECTIONS.op("$set", options=("split",))
def _build_set(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    if not is_array(arg):
        raise MatcherError(loc, f"$set needs a list, got {render(arg)}")
    items = [nested(x, (*loc, i)) for i, x in enumerate(arg)]
    sep = opts["split"]

    def test(value: object) -> str | None:
        if sep is not None and isinstance(value, str):
            value = [part.strip() for part in value.split(sep) if part.strip()]
        if not is_array(value):
            return "not an array" + (" or string" if sep else "")
        if len(value) != len(items):
            return f"{len(value)} items, not {len(items)}"
        return _distinct(items, value)

    split = f" (split {sep!r})" if sep else ""
    return from_test(f"set {list_text(items)}{split}", test)


@COLLECTIONS.op("$subset")
def _build_subset(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    if not isinstance(arg, Mapping):
        raise MatcherError(loc, f"$subset needs a mapping, got {render(arg)}")
    return object_of(compile_fields(arg, loc, nested), exact=False, prefix="subset ")


@COLLECTIONS.op("$each")
def _build_each(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    inner = nested(arg, loc)
    return array_of(f"each {inner.describe()}", lambda n: [inner] * n)
