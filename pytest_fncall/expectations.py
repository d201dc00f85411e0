"""Compile a case's ``expect:`` into patterns the verdict can check, resolving names.

Every reference is checked here, at collection: tool names and globs must name declared
tools that the case offers, ``before`` must name pattern ids without cycles, matchers must
compile. A mistake raises :class:`ExpectationError` with its key path inside ``expect``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from . import spec
from .dataflow import parse_reference
from .matchers import ArgumentsMatcher, MatcherError, compile_arguments
from .ordering import MatchMode, ParallelGroup

KeyPath = tuple[str | int, ...]


class ExpectationError(Exception):
    def __init__(self, location: KeyPath, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


@dataclass(frozen=True)
class CallPattern:
    """One expected (or forbidden) call: a tool name or glob and argument matchers."""

    label: str
    tool: str
    arguments: ArgumentsMatcher | None
    exact: bool = False
    min_count: int = 1
    max_count: int | None = 1
    group: int | None = None

    def tool_matches(self, name: str) -> bool:
        return fnmatchcase(name, self.tool)

    def describe(self) -> str:
        inner = ", ".join(self.arguments.describe()) if self.arguments else "..."
        if self.arguments and not self.exact:
            inner = f"{inner}, ..." if inner else "..."
        counted = ""
        if (self.min_count, self.max_count) != (1, 1):
            high = "∞" if self.max_count is None else str(self.max_count)
            counted = (
                f" ×{self.min_count}"
                if self.min_count == self.max_count
                else f" ×{self.min_count}..{high}"
            )
        return f"{self.tool}({inner}){counted}"


@dataclass(frozen=True)
class Expectation:
    patterns: tuple[CallPattern, ...] = ()
    checks_calls: bool = (
        False  # `call` or `calls` was given (an empty `calls` means none)
    )
    mode: MatchMode = "strict"
    groups: tuple[ParallelGroup, ...] = ()
    before: tuple[tuple[int, int], ...] = ()
    no_call: bool = False
    forbid: tuple[CallPattern, ...] = ()
    single_call: bool = False  # written as `call:` (messages say "exactly one call")
    uses_dataflow: bool = False  # some argument takes `$from` an earlier call

    @functools.cached_property
    def described(self) -> tuple[str, ...]:
        """The expectation as lines of text, for reports (worked out once per case)."""
        return tuple(self.describe())

    def describe(self) -> list[str]:
        """The expectation as lines of text, for reports."""
        lines = []
        if self.checks_calls:
            lines.append(
                f"calls ({self.mode}):" if not self.single_call else "exactly one call:"
            )
            lines.extend(f"  {pattern.describe()}" for pattern in self.patterns)
            if not self.patterns:
                lines.append("  (none)")
        if self.no_call:
            lines.append("no tool call")
        lines.extend(f"forbidden: {pattern.describe()}" for pattern in self.forbid)
        return lines or ["only the implicit checks (offered tools, valid arguments)"]

    @property
    def check_kinds(self) -> frozenset[str]:
        """What the case checks: ``tool_choice``, ``args``, ``order`` (the marker names)."""
        kinds: set[str] = set()
        if self.checks_calls or self.no_call or self.forbid:
            kinds.add("tool_choice")
        if any(p.arguments is not None for p in (*self.patterns, *self.forbid)):
            kinds.add("args")
        ordered = self.mode == "strict" and len(self.patterns) > 1
        if ordered or self.before or self.groups:
            kinds.add("order")
        return frozenset(kinds)


def compile_expectation(
    expect: spec.Expect, declared: Sequence[str], offered: Sequence[str]
) -> Expectation:
    resolver = _Names(declared, offered)
    if expect.call is not None:
        pattern = spec.CallPattern(
            tool=expect.call, args=expect.args, args_mode=expect.args_mode or "subset"
        )
        compiled = _pattern(pattern, ("call",), resolver, "call", None, forbidden=False)
        return Expectation(
            patterns=(compiled,),
            checks_calls=True,
            mode="unordered",
            forbid=_forbidden(expect, resolver),
            single_call=True,
        )
    patterns: list[CallPattern] = []
    written: list[tuple[KeyPath, dict[str, Any] | None]] = []  # each pattern's args
    groups: list[ParallelGroup] = []
    for index, item in enumerate(expect.calls or ()):
        location: KeyPath = ("calls", index)
        if isinstance(item, spec.ParallelGroupSpec):
            group_members = []
            for member_index, member in enumerate(item.parallel):
                written.append(((*location, "parallel", member_index), member.args))
                group_members.append(len(patterns))
                patterns.append(
                    _pattern(
                        member,
                        (*location, "parallel", member_index),
                        resolver,
                        f"#{len(patterns) + 1}",
                        len(groups),
                        forbidden=False,
                    )
                )
            groups.append(ParallelGroup(tuple(group_members), item.exclusive))
        else:
            written.append((location, item.args))
            label = f"#{len(patterns) + 1}"
            patterns.append(_pattern(item, location, resolver, label, None, False))
    flow = _dataflow_edges(written, patterns)
    return Expectation(
        patterns=tuple(patterns),
        checks_calls=expect.calls is not None,
        mode=expect.match or "strict",
        groups=tuple(groups),
        before=_before_edges(expect.before or [], patterns, flow),
        uses_dataflow=bool(flow),
        no_call=bool(expect.no_call),
        forbid=_forbidden(expect, resolver),
    )


def _pattern(
    pattern: spec.CallPattern,
    location: KeyPath,
    resolver: _Names,
    label: str,
    group: int | None,
    forbidden: bool,
) -> CallPattern:
    tool_key: KeyPath = location if location == ("call",) else (*location, "tool")
    resolver.check(pattern.tool, tool_key, must_be_offered=not forbidden)
    arguments = None
    if pattern.args is not None:
        arguments_key: KeyPath = (
            ("args",) if location == ("call",) else (*location, "args")
        )
        arguments = _arguments(pattern.args, arguments_key)
    low, high = _counts(pattern)
    return CallPattern(
        label=pattern.id or label,
        tool=pattern.tool,
        arguments=arguments,
        exact=pattern.args_mode == "exact",
        min_count=low,
        max_count=high,
        group=group,
    )


def _counts(pattern: spec.CallPattern) -> tuple[int, int | None]:
    times = pattern.times
    low: int
    high: int | None
    if times is None:
        low, high = 1, 1
    elif isinstance(times, int):
        low, high = times, times
    else:
        low, high = times.min, times.max
    return (0 if pattern.optional else low), high


def _arguments(raw: dict[str, Any], location: KeyPath) -> ArgumentsMatcher:
    try:
        return compile_arguments(raw)
    except MatcherError as exc:
        raise ExpectationError((*location, *exc.location), exc.message) from None


def _forbidden(expect: spec.Expect, resolver: _Names) -> tuple[CallPattern, ...]:
    forbidden = []
    for index, glob in enumerate(expect.forbid_tools or ()):
        resolver.check(glob, ("forbid_tools", index), must_be_offered=False)
        forbidden.append(CallPattern(label=glob, tool=glob, arguments=None))
    for index, pattern in enumerate(expect.forbid or ()):
        location = ("forbid", index)
        forbidden.append(
            _pattern(pattern, location, resolver, pattern.tool, None, True)
        )
    return tuple(forbidden)


def _pattern_ids(patterns: Sequence[CallPattern]) -> dict[str, int]:
    return {p.label: i for i, p in enumerate(patterns) if not p.label.startswith("#")}


def _dataflow_edges(
    written: Sequence[tuple[KeyPath, dict[str, Any] | None]],
    patterns: Sequence[CallPattern],
) -> list[tuple[int, int]]:
    """``$from`` makes the pattern it names come first: one edge per reference."""
    ids = _pattern_ids(patterns)
    edges = []
    for target, (location, raw) in enumerate(written):
        for key_path, text in _references(raw, (*location, "args")):
            pattern_id = parse_reference(text).pattern_id
            if pattern_id not in ids:
                known = ", ".join(sorted(ids)) or "none: give patterns an 'id'"
                raise ExpectationError(
                    key_path, f"$from names no pattern id {pattern_id!r} (ids: {known})"
                )
            if ids[pattern_id] == target:
                raise ExpectationError(
                    key_path, "$from cannot take a value from the call it checks"
                )
            edges.append((ids[pattern_id], target))
    return edges


def _references(raw: object, location: KeyPath) -> list[tuple[KeyPath, str]]:
    """Every ``{$from: text}`` inside ``raw`` (already compiled, so well-formed)."""
    found: list[tuple[KeyPath, str]] = []
    stack: list[tuple[object, KeyPath]] = [(raw, location)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$from" and isinstance(value, str):
                    found.append(((*where, key), value))
                else:
                    stack.append((value, (*where, str(key))))
        elif isinstance(node, list):
            stack.extend((item, (*where, i)) for i, item in enumerate(node))
    return found


def _before_edges(
    pairs: list[tuple[str, str]],
    patterns: list[CallPattern],
    implied: Sequence[tuple[int, int]] = (),
) -> tuple[tuple[int, int], ...]:
    ids = _pattern_ids(patterns)
    edges = list(implied)
    for index, pair in enumerate(pairs):
        for side, name in enumerate(pair):
            if name not in ids:
                known = ", ".join(sorted(ids)) or "none: give patterns an 'id'"
                raise ExpectationError(
                    ("before", index, side),
                    f"no pattern with id {name!r} (ids: {known})",
                )
        if pair[0] == pair[1]:
            raise ExpectationError(("before", index), "a pattern cannot precede itself")
        edges.append((ids[pair[0]], ids[pair[1]]))
    cycle = _find_cycle(edges, len(patterns))
    if cycle:
        names = " -> ".join(patterns[i].label for i in cycle)
        if not pairs:
            raise ExpectationError(("calls",), f"$from references cycle: {names}")
        raise ExpectationError(("before",), f"'before' has a cycle: {names}")
    return tuple(edges)


def _find_cycle(edges: list[tuple[int, int]], size: int) -> list[int] | None:
    """A cycle in the 'before' graph as a path that returns to its start, or None."""
    successors: dict[int, list[int]] = {}
    for a, b in edges:
        successors.setdefault(a, []).append(b)
    done: set[int] = set()
    for start in range(size):
        path: list[int] = []
        stack = [(start, iter(successors.get(start, ())))]
        path.append(start)
        while stack:
            node, remaining = stack[-1]
            nxt = next(remaining, None)
            if nxt is None:
                stack.pop()
                path.pop()
                done.add(node)
            elif nxt in path:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in done:
                stack.append((nxt, iter(successors.get(nxt, ()))))
                path.append(nxt)
    return None


class _Names:
    """Checks that a tool name or glob names declared (and, where needed, offered) tools."""

    def __init__(self, declared: Sequence[str], offered: Sequence[str]) -> None:
        self.declared = declared
        self.offered = offered

    def check(self, name: str, location: KeyPath, *, must_be_offered: bool) -> None:
        if not any(fnmatchcase(tool, name) for tool in self.declared):
            declared = ", ".join(self.declared) or "none"
            raise ExpectationError(
                location, f"{name!r} names no declared tool (declared: {declared})"
            )
        if must_be_offered and not any(
            fnmatchcase(tool, name) for tool in self.offered
        ):
            raise ExpectationError(
                location,
                f"{name!r} is declared but not offered in this case (see its 'tools:')",
            )
