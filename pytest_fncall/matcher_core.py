"""The matcher types, the shapes every matcher is built from, and the builder plumbing.

:class:`Matcher`, :class:`Mismatch`, :class:`MatcherError` and :data:`MISSING` are
re-exported by :mod:`pytest_fncall.matchers`, their public home. The shapes
(:func:`from_test`, :func:`typed`, :func:`equal`, :func:`object_of`, :func:`array_of`,
:func:`all_of`) make a :class:`Compiled` matcher from a description and a check.

Each family of ``$`` matchers (``matcher_*`` modules) registers its builders in a
:class:`Registry` of its own; :mod:`pytest_fncall.matchers` merges them and passes
each builder the function that compiles nested values, so no family imports it.
"""

from __future__ import annotations

import abc
import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeGuard

from .matcher_values import JSON_TYPES, clip, is_array, json_equal, render

Loc = tuple[str | int, ...]
Opts = Mapping[str, Any]  # options of a matcher, checked when it is compiled


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Final = _Missing()
"""Stands for a key absent from the actual arguments."""


@dataclass(frozen=True)
class Mismatch:
    """One way a value differs from what was expected, at a JSON path (``$.a[1]``)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class MatcherError(Exception):
    """A matcher written wrongly in the spec; ``location`` is inside the raw value."""

    def __init__(self, location: Sequence[str | int], message: str) -> None:
        super().__init__(message)
        self.location: Loc = tuple(location)
        self.message = message


class Matcher(abc.ABC):
    """A compiled expectation; ``mismatches`` returns [] when the value matches."""

    accepts_missing: bool = False
    # Read-only facts for static checks (pytest_fncall.lint), set where they are known:
    literal: object = MISSING  # the JSON value a literal (or `$eq`) stands for
    candidates: tuple[object, ...] | None = None  # the values `$in` accepts
    inner: Matcher | None = None  # what `$optional` checks when the key is present

    def mismatches(self, value: object, path: str = "$") -> list[Mismatch]:
        """Every way ``value`` (maybe :data:`MISSING`) fails, reported at ``path``."""
        if value is MISSING and not self.accepts_missing:
            return [Mismatch(path, f"missing (expected {self.describe()})")]
        return self._mismatches(value, path)

    def matches(self, value: object) -> bool:
        return not self.mismatches(value)

    @abc.abstractmethod
    def describe(self) -> str:
        """Short text of what is expected, such as ``ieq 'paris'``."""

    @abc.abstractmethod
    def _mismatches(self, value: object, path: str) -> list[Mismatch]: ...

    def __repr__(self) -> str:
        return f"<Matcher {self.describe()}>"


Check = Callable[[object, str], list[Mismatch]]


class Compiled(Matcher):
    """A matcher made of its description and a check (which sees MISSING only when
    the matcher accepts it)."""

    def __init__(self, text: str, check: Check, accepts_missing: bool = False) -> None:
        self._text, self._check, self.accepts_missing = text, check, accepts_missing

    def describe(self) -> str:
        return self._text

    def _mismatches(self, value: object, path: str) -> list[Mismatch]:
        return self._check(value, path)


def is_op(key: object) -> TypeGuard[str]:
    """Does a mapping key name a matcher (``$gte``) rather than a field or option?"""
    return isinstance(key, str) and key.startswith("$")


def suggest(word: str, choices: Iterable[str]) -> str:
    """A ``(did you mean ...?)`` hint for a misspelt name, or ""."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def fail(path: str, expected: str, value: object, note: str = "") -> list[Mismatch]:
    got = render(value) + (f" ({note})" if note else "")
    return [Mismatch(path, f"expected {clip(expected)}, got {got}")]


def list_text(matchers: Iterable[Matcher]) -> str:
    return "[" + ", ".join(m.describe() for m in matchers) + "]"


# --- matcher shapes -----------------------------------------------------------------


def from_test(
    text: str, test: Callable[[object], str | None], accepts_missing: bool = False
) -> Matcher:
    """A matcher of the value as a whole: ``test`` gives None to pass, else a note."""

    def check(value: object, path: str) -> list[Mismatch]:
        note = test(value)
        return [] if note is None else fail(path, text, value, note)

    return Compiled(text, check, accepts_missing)


def typed(text: str, kind: str, test: Callable[[Any], bool]) -> Matcher:
    """A test of values of one JSON type (``string`` or ``number``) only."""
    is_kind = JSON_TYPES[kind]
    return from_test(
        text, lambda v: f"not a {kind}" if not is_kind(v) else None if test(v) else ""
    )


def equal(expected: object) -> Matcher:
    """The literal ``expected``, compared deeply the JSON way."""
    matcher = from_test(
        render(expected), lambda v: None if json_equal(v, expected) else ""
    )
    matcher.literal = expected
    return matcher


def object_of(fields: dict[str, Matcher], exact: bool, prefix: str = "") -> Matcher:
    """Objects checked key by key; other keys are unexpected when ``exact``."""
    text = prefix + "{" + ", ".join(f"{k!r}: {m.describe()}" for k, m in fields.items())
    text += "}"

    def check(value: object, path: str) -> list[Mismatch]:
        if not isinstance(value, Mapping):
            return fail(path, text, value, "not an object")
        found = [
            mismatch
            for key, matcher in fields.items()
            for mismatch in matcher.mismatches(value.get(key, MISSING), f"{path}.{key}")
        ]
        if exact:
            found += [
                Mismatch(f"{path}.{key}", f"unexpected key (value {render(item)})")
                for key, item in value.items()
                if key not in fields
            ]
        return found

    matcher = Compiled(text, check)
    if exact and all(m.literal is not MISSING for m in fields.values()):
        matcher.literal = {key: m.literal for key, m in fields.items()}
    return matcher


def array_of(text: str, items: Callable[[int], Sequence[Matcher] | None]) -> Matcher:
    """Arrays checked element by element: ``items(n)`` gives the matchers for ``n``
    elements, or None when ``n`` elements cannot match."""

    def check(value: object, path: str) -> list[Mismatch]:
        if not is_array(value):
            return fail(path, text, value, "not an array")
        matchers = items(len(value))
        if matchers is None:
            return fail(path, text, value, f"{len(value)} items")
        return [
            mismatch
            for i, (matcher, item) in enumerate(zip(matchers, value, strict=True))
            for mismatch in matcher.mismatches(item, f"{path}[{i}]")
        ]

    return Compiled(text, check)


def all_of(parts: list[Matcher], text: str) -> Matcher:
    """Every part must match; it accepts MISSING only when every part does."""
    return Compiled(
        text,
        lambda value, path: [m for part in parts for m in part.mismatches(value, path)],
        all(part.accepts_missing for part in parts),
    )


# --- builders -----------------------------------------------------------------------


class Compile(Protocol):
    """Compiles a raw value from the spec at ``loc``; ``interpret=False`` reads ``$``
    keys and the bare strings ``"$any"``/``"$absent"`` as literals."""

    def __call__(self, raw: object, loc: Loc, *, interpret: bool = True) -> Matcher: ...


# A builder gets the matcher's argument, its options, its location and the function
# that compiles nested values; the location ends with the matcher's own name, so one
# builder can serve $gt, $gte, ...
Builder = Callable[[object, Opts, Loc, Compile], Matcher]


class Registry:
    """``$`` matcher builders by name, each with the names of the options it takes."""

    def __init__(self) -> None:
        self.builders: dict[str, tuple[Builder, tuple[str, ...]]] = {}

    def op(
        self, *names: str, options: tuple[str, ...] = ()
    ) -> Callable[[Builder], Builder]:
        """Decorator registering a builder under each of ``names``."""

        def register(build: Builder) -> Builder:
            self.builders.update(dict.fromkeys(names, (build, options)))
            return build

        return register


def compile_fields(
    raw: Mapping[Any, object],
    loc: Loc,
    compile_value: Compile,
    *,
    interpret: bool = True,
) -> dict[str, Matcher]:
    """A matcher per key of ``raw``; keys must be strings."""
    fields = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            raise MatcherError((*loc, str(key)), f"keys must be strings, got {key!r}")
        fields[key] = compile_value(value, (*loc, key), interpret=interpret)
    return fields
