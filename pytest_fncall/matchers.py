"""Matchers for expected tool-call arguments.

A value written in the spec is compiled once into a :class:`Matcher`, then checked
against actual arguments (parsed JSON) as often as needed. A check returns
:class:`Mismatch` explanations, never a bare boolean.

* A mapping with at least one ``$`` key is a matcher. Several ``$`` keys combine with
  AND (``{$gte: 1, $lt: 10}``); plain keys beside them are options
  (``{$approx: 3.1, abs: 0.01}``). The bare strings ``"$any"`` and ``"$absent"`` are
  matchers too; every other value is a literal.
* Literals compare deeply: numbers numerically (``1 == 1.0``) but a bool is never a
  number; lists element by element; mappings by exact key set, each value compiled
  in turn, so matchers nest inside literals. ``$eq`` takes its value as-is.
* A missing key fails every matcher except ``$optional`` and ``$absent`` (and
  ``$any_of``/``$all_of``/AND, evaluated logically over their parts).

Matchers: ``$eq $in $any $absent $optional $type $schema $regex $search $text $ieq
$loose $approx $range $gt $gte $lt $lte $len $contains $set $subset $each $not
$any_of $all_of $py $from`` (``$from``: loop mode, see :mod:`.dataflow`).

This module compiles; the matchers live in families, each with its own registry:
:mod:`.matcher_general`, :mod:`.matcher_text`, :mod:`.matcher_numbers`,
:mod:`.matcher_collections` and :mod:`.matcher_python`, built on the types and shapes
of :mod:`.matcher_core` (whose public types are re-exported here) and the JSON value
helpers of :mod:`.matcher_values`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from .matcher_bfcl import BFCL
from .matcher_collections import COLLECTIONS
from .matcher_core import (
    MISSING,
    Builder,
    Loc,
    Matcher,
    MatcherError,
    Mismatch,
    all_of,
    array_of,
    compile_fields,
    equal,
    is_op,
    list_text,
    object_of,
    suggest,
)
from .matcher_general import BARE, GENERAL
from .matcher_numbers import NUMBERS
from .matcher_python import PYTHON
from .matcher_text import TEXT
from .matcher_values import is_array, is_number, render

__all__ = [
    "MISSING",
    "ArgumentsMatcher",
    "Matcher",
    "MatcherError",
    "Mismatch",
    "compile_arguments",
    "compile_matcher",
]

# matcher name: (builder, names of the options it takes)
_OPS: Final[dict[str, tuple[Builder, tuple[str, ...]]]] = {
    name: entry
    for family in (GENERAL, TEXT, NUMBERS, COLLECTIONS, PYTHON, BFCL)
    for name, entry in family.builders.items()
}

# option name: (default, check, what the check needs)
_OPTIONS: Final[dict[str, tuple[object, Callable[[Any], bool], str]]] = {
    "case": (True, lambda v: isinstance(v, bool), "true or false"),
    "whitespace": (
        "collapse",
        ("collapse", "exact", "ignore").__contains__,
        "collapse, exact or ignore",
    ),
    "punct": ("keep", ("keep", "ignore").__contains__, "keep or ignore"),
    "abs": (None, lambda v: v is None or (is_number(v) and v >= 0), "a number >= 0"),
    "rel": (None, lambda v: v is None or (is_number(v) and v >= 0), "a number >= 0"),
    "split": (
        None,
        lambda v: v is None or (isinstance(v, str) and v != ""),
        "a non-empty string",
    ),
    "kwargs": (
        {},
        lambda v: isinstance(v, Mapping) and all(isinstance(k, str) for k in v),
        "a mapping of names to values",
    ),
}


def _compile(raw: object, loc: Loc, *, interpret: bool = True) -> Matcher:
    if interpret and isinstance(raw, str) and raw in BARE:
        return BARE[raw]
    if isinstance(raw, Mapping):
        if interpret and any(is_op(key) for key in raw):
            return _compile_ops(raw, loc)
        fields = compile_fields(raw, loc, _compile, interpret=interpret)
        return object_of(fields, exact=True)
    if is_array(raw):
        items = [_compile(x, (*loc, i), interpret=interpret) for i, x in enumerate(raw)]
        return array_of(list_text(items), lambda n: items if n == len(items) else None)
    return equal(raw)


def _compile_ops(raw: Mapping[object, object], loc: Loc) -> Matcher:
    names = [key for key in raw if is_op(key)]
    for name in names:
        if name not in _OPS:
            hint = suggest(name, _OPS)
            raise MatcherError((*loc, name), f"unknown matcher {name!r}{hint}")
    known = {option for name in names for option in _OPS[name][1]}
    for key in raw:
        if not is_op(key) and key not in known:
            listed = f"options: {', '.join(sorted(known))}" if known else "no options"
            hint = suggest(str(key), known) or f" ({listed})"
            message = f"unknown option {key!r} for {', '.join(names)}{hint}"
            raise MatcherError((*loc, str(key)), message)
    given = {}
    for option in sorted(known):
        default, valid, need = _OPTIONS[option]
        given[option] = raw.get(option, default)
        if not valid(given[option]):
            message = f"option {option} needs {need}, got {render(given[option])}"
            raise MatcherError((*loc, option), message)
    parts = [_OPS[name][0](raw[name], given, (*loc, name), _compile) for name in names]
    if len(parts) == 1:
        return parts[0]
    return all_of(parts, " and ".join(part.describe() for part in parts))


# --- public entry points ------------------------------------------------------------


def compile_matcher(raw: object) -> Matcher:
    """Compile one expected value from the spec; raises :class:`MatcherError`."""
    return _compile(raw, ())


class ArgumentsMatcher:
    """Expected arguments of one call: a matcher per listed key."""

    def __init__(self, matchers: Mapping[str, Matcher]) -> None:
        self.matchers: dict[str, Matcher] = dict(matchers)
        self.keys: tuple[str, ...] = tuple(self.matchers)

    def mismatches(
        self, arguments: Mapping[str, object], *, exact: bool = False
    ) -> list[Mismatch]:
        """Every failed key; keys not listed fail only when ``exact``."""
        found = [
            mismatch
            for key, matcher in self.matchers.items()
            for mismatch in matcher.mismatches(arguments.get(key, MISSING), f"$.{key}")
        ]
        if exact:
            found += [
                Mismatch(f"$.{key}", "unexpected argument (args_mode: exact)")
                for key in arguments
                if key not in self.matchers
            ]
        return found

    def describe(self) -> list[str]:
        """One ``key=expectation`` entry per listed key."""
        return [f"{key}={matcher.describe()}" for key, matcher in self.matchers.items()]


def compile_arguments(raw: Mapping[str, object]) -> ArgumentsMatcher:
    """Compile a mapping of argument names to expected values or matchers."""
    if not isinstance(raw, Mapping):
        raise MatcherError(
            (), "arguments must be a mapping of names to expected values"
        )
    for key in raw:
        if is_op(key):
            message = f"{key!r} is not an argument name; put matchers under a name"
            raise MatcherError((key,), message)
    return ArgumentsMatcher(compile_fields(raw, (), _compile))
