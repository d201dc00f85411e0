"""Matchers of any value: ``$eq $in $any $absent $optional $type $schema $not $any_of
$all_of``, and ``$from`` (a value an earlier call produced; see :mod:`.dataflow`).

``$any`` and ``$absent`` can also be written as bare strings (:data:`BARE`).
``$optional``, ``$absent`` and the logical ones decide for themselves what a missing
key means.
"""

from __future__ import annotations

from typing import Final

from .dataflow import MISSING_VALUE, SOURCES, parse_reference
from .matcher_core import (
    MISSING,
    Compile,
    Compiled,
    Loc,
    Matcher,
    MatcherError,
    Mismatch,
    Opts,
    Registry,
    all_of,
    from_test,
    list_text,
    suggest,
)
from .matcher_values import JSON_TYPES, is_array, json_equal, json_type, render
from .validation import schema_issues, schema_problem

GENERAL = Registry()

_ANY: Final = from_test("any", lambda v: None)
_ABSENT: Final = from_test("absent", lambda v: None if v is MISSING else "", True)
BARE: Final = {"$any": _ANY, "$absent": _ABSENT}
"""The matchers that are also written as bare strings, by that string."""


@GENERAL.op("$eq")
def _build_eq(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    return nested(arg, loc, interpret=False)


@GENERAL.op("$in")
def _build_in(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    if not is_array(arg) or not arg:
        raise MatcherError(loc, f"$in needs a non-empty list, got {render(arg)}")
    matcher = from_test(
        f"one of {render(arg)}",
        lambda v: None if any(json_equal(v, c) for c in arg) else "",
    )
    matcher.candidates = tuple(arg)
    return matcher


@GENERAL.op("$any", "$absent")
def _build_flag(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    name = str(loc[-1])
    if arg is not True:
        raise MatcherError(
            loc, f"{name} takes true (or write the bare string {name!r})"
        )
    return BARE[name]


@GENERAL.op("$optional")
def _build_optional(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    inner = nested(arg, loc)
    matcher = Compiled(
        f"optional {inner.describe()}",
        lambda value, path: [] if value is MISSING else inner.mismatches(value, path),
        True,
    )
    matcher.inner = inner
    return matcher


@GENERAL.op("$type")
def _build_type(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    names = list(arg) if is_array(arg) else [arg]
    for i, name in enumerate(names):
        if not isinstance(name, str) or name not in JSON_TYPES:
            hint = suggest(str(name), JSON_TYPES) or f" (use {', '.join(JSON_TYPES)})"
            where = (*loc, i) if is_array(arg) else loc
            raise MatcherError(where, f"unknown type {render(name)} for $type{hint}")
    if not names:
        raise MatcherError(loc, "$type needs a type name or a list of them")
    tests = [JSON_TYPES[str(name)] for name in names]
    return from_test(
        f"type {' or '.join(map(str, names))}",
        lambda v: None if any(test(v) for test in tests) else json_type(v),
    )


@GENERAL.op("$schema")
def _build_schema(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    problem = schema_problem(arg)
    if problem or not isinstance(arg, (dict, bool)):
        raise MatcherError(loc, f"$schema: {problem}")
    return Compiled(
        f"schema {render(arg)}",
        lambda value, path: [
            Mismatch(path + issue.json_path[1:], f"schema: {issue.message}")
            for issue in schema_issues(value, arg)
        ],
    )


@GENERAL.op("$not")
def _build_not(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    inner = nested(arg, loc)
    return from_test(
        f"not {inner.describe()}", lambda v: "" if inner.matches(v) else None
    )


@GENERAL.op("$any_of", "$all_of")
def _build_any_all(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    name = str(loc[-1])
    if not is_array(arg) or not arg:
        raise MatcherError(loc, f"{name} needs a non-empty list, got {render(arg)}")
    parts = [nested(x, (*loc, i)) for i, x in enumerate(arg)]
    text = f"{name[1:4]} of {list_text(parts)}"
    if name == "$all_of":
        return all_of(parts, text)
    return from_test(
        text,
        lambda v: None if any(part.matches(v) for part in parts) else "",
        any(part.accepts_missing for part in parts),
    )


@GENERAL.op("$from")
def _build_from(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    if not isinstance(arg, str):
        raise MatcherError(loc, "$from takes a reference such as search.result.id")
    try:
        reference = parse_reference(arg)
    except ValueError as exc:
        raise MatcherError(loc, str(exc)) from None
    text = f"from {reference.text}"

    def check(value: object, path: str) -> list[Mismatch]:
        lookup = SOURCES.get()
        if lookup is None:
            return [Mismatch(path, f"{text}: no earlier call to take it from")]
        found = lookup(reference)
        values = [s for s in found if s.value is not MISSING_VALUE]
        if any(json_equal(value, source.value) for source in values):
            return []
        if not found:
            note = (
                f"no call in an earlier step matches pattern {reference.pattern_id!r}"
            )
        elif not values:
            note = f"the earlier call #{found[0].call_number} has no {reference.text}"
        else:
            shown = ", ".join(
                f"{render(s.value)} (call #{s.call_number})" for s in values[:3]
            )
            note = f"{reference.text} was {shown}"
        return [Mismatch(path, f"expected {text}, got {render(value)}: {note}")]

    return Compiled(text, check)
