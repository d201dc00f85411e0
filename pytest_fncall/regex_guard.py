r"""Bounds on regexes that run against model output (``$regex``, ``$search``, ``pattern``
in tool schemas, ``reply.regex``): Python's ``re`` has no timeout.

* A pattern of the shapes that backtrack exponentially is a spec error
  (:func:`regex_problem`): a repeated group holding a variable repeat with no mandatory
  separator the inner repeat cannot consume (``(a+)+``, ``(a*)*``, ``(\w+\s?)*``; fine:
  ``(\d+,)*``), or a repeated alternation whose branches can begin alike
  (``(a|a)*``, ``(a|aa)+``).
* A value longer than :data:`MAX_REGEX_INPUT` characters is not checked: a mismatch.
* Other patterns cost at most about ``len ** k`` steps, ``k`` counting unbounded
  quantifiers (plus one for an unanchored search). When that could exceed about a
  second (:data:`_STEPS`), the check runs in a child Python process that is stopped
  after :data:`REGEX_SECONDS`: a mismatch saying so.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import combinations
from typing import Any, Final

MAX_REGEX_INPUT: Final = 10_000
"""Longest string a regex is run on; a longer value is a mismatch."""
REGEX_SECONDS = 2.0
"""A child process checking a possibly slow pattern is stopped after this long."""
_STEPS: Final = 10**9  # in-process when len ** degree stays below (about a second)
_UNKNOWN_DEGREE: Final = 30  # the pattern could not be analysed: assume the worst

_NESTED: Final = (
    "nested quantifiers like (a+)+ or (\\w+\\s?)* can backtrack catastrophically on "
    "long model output; give each repetition a separator the inner quantifier cannot "
    "match, as in (\\d+,)*"
)
_AMBIGUOUS: Final = (
    "a repeated alternation whose branches can begin alike, like (a|aa)*, can "
    "backtrack catastrophically on long model output; make the branches begin "
    "differently"
)


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used: it does not compile, or it has a shape that
    backtracks exponentially; None when it is fine."""
    try:
        re.compile(pattern)
    except (re.error, ValueError, OverflowError, RecursionError) as exc:
        return f"invalid regular expression: {exc}"
    return _analyse(pattern)[0]


def regex_check(pattern: str, value: str, *, search: bool) -> bool | str:
    """Does ``pattern`` (which compiles) match all of ``value`` (or, with ``search``,
    part of it)? A string says why the check could not be made. A pattern that
    :func:`regex_problem` refuses only ever runs in the bounded child process."""
    if len(value) > MAX_REGEX_INPUT:
        return (
            f"{len(value):,} characters, too long for a regex check "
            f"(limit {MAX_REGEX_INPUT:,})"
        )
    return _check(pattern, value, search)


@lru_cache(maxsize=256)
def _check(pattern: str, value: str, search: bool) -> bool | str:
    hazard, degree, anchored = _analyse(pattern)
    degree += search and not anchored
    if hazard is None and (len(value) < 2 or len(value) ** degree <= _STEPS):
        compiled = re.compile(pattern)
        return bool((compiled.search if search else compiled.fullmatch)(value))
    return _check_in_child(pattern, value, search)


_CHILD: Final = (
    "import json, re, sys\n"
    "pattern, value, search = json.load(sys.stdin)\n"
    "compiled = re.compile(pattern)\n"
    "found = (compiled.search if search else compiled.fullmatch)(value)\n"
    "sys.stdout.write('1' if found else '0')\n"
)


def _check_in_child(pattern: str, value: str, search: bool) -> bool | str:
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _CHILD],
            input=json.dumps([pattern, value, search]),
            capture_output=True,
            text=True,
            timeout=REGEX_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return (
            f"the regex check was stopped after {REGEX_SECONDS:g} s: the pattern "
            "backtracks too much on this value"
        )
    except OSError as exc:
        return f"the regex check could not start a bounded child process: {exc}"
    if done.stdout not in ("0", "1"):
        return f"the regex check failed in its child process: {done.stderr.strip()}"
    return done.stdout == "1"


_sre: Any = importlib.import_module(
    "re._parser" if sys.version_info >= (3, 11) else "sre_parse"
)
_sre_compile: Any = importlib.import_module(
    "re._compiler" if sys.version_info >= (3, 11) else "sre_compile"
)
_CHARS: Final = {_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN}
_BACKTRACKING_REPEATS: Final = {_sre.MAX_REPEAT, _sre.MIN_REPEAT}
_REPEATS: Final = {*_BACKTRACKING_REPEATS, getattr(_sre, "POSSESSIVE_REPEAT", None)}
_ATOMIC: Final = getattr(_sre, "ATOMIC_GROUP", None)
_ZERO_WIDTH: Final = {_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT}
_STARTS: Final = {_sre.AT_BEGINNING, _sre.AT_BEGINNING_STRING}
_WIDE: Final = 100  # {m,n} with n - m at least this counts as unbounded
# Characters each class is tried on: Latin-1 and a few others (digits, spaces and
# letters of other scripts), plus every character the pattern names.
_PROBES: Final = [chr(i) for i in range(256)] + list("ſKΩωπ中文٣\u2003\u2028\u00a0😀")
_Items = Sequence[tuple[Any, Any]]
_EMPTY: frozenset[str] = frozenset()


@lru_cache(maxsize=512)
def _analyse(pattern: str) -> tuple[str | None, int, bool]:
    """(the hazard, the degree of the worst-case cost, anchored at the start)."""
    try:
        parsed = _sre.parse(pattern)
        return _Shape(parsed).report(list(parsed.data))
    except Exception:  # private API of the re module: assume the worst if it changed
        return None, _UNKNOWN_DEGREE, False


class _Shape:
    """The analysis of one parsed pattern: which probe characters each part can consume
    (``chars``), whether it can match empty (``nullable``) and begin with (``first``)."""

    def __init__(self, parsed: Any) -> None:
        self.state = parsed.state
        probes = set(_PROBES)
        for op, av in _walk(list(parsed.data)):
            codes = [av] if op in (_sre.LITERAL, _sre.NOT_LITERAL) else []
            if op == _sre.RANGE:
                codes = [av[0], av[1], (av[0] + av[1]) // 2]
            for code in codes:
                char = chr(code)
                probes.update((char, char.lower(), char.upper(), char.swapcase()))
        self.probes = sorted(c for c in probes if len(c) == 1)
        self.everything = frozenset(self.probes)
        self._cache: dict[tuple[int, str], frozenset[str]] = {}
        self.problem: str | None = None
        self.ambiguous = 0  # repeats that can give back what comes next: a factor n
        self.scans = 0  # repeats that cannot: linear work wherever they are entered

    def report(self, items: _Items) -> tuple[str | None, int, bool]:
        self._visit(items, 0, _EMPTY)
        anchored = bool(items) and items[0][0] == _sre.AT and items[0][1] in _STARTS
        return self.problem, self.ambiguous + min(self.scans, 1), anchored

    def chars(self, node: tuple[Any, Any], flags: int) -> frozenset[str]:
        key = (flags, repr(node))
        if key not in self._cache:
            sub = _sre.SubPattern(self.state, [node])
            compiled = _sre_compile.compile(sub, flags)
            matching = (c for c in self.probes if compiled.fullmatch(c))
            self._cache[key] = frozenset(matching)
        return self._cache[key]

    def nullable(self, items: _Items) -> bool:
        return all(self._nullable(op, av) for op, av in items)

    def _nullable(self, op: Any, av: Any) -> bool:
        if op in _CHARS:
            return False
        if op == _sre.SUBPATTERN:
            return self.nullable(av[3])
        if op == _sre.BRANCH:
            return any(self.nullable(alt) for alt in av[1])
        if op in _REPEATS:
            return av[0] == 0 or self.nullable(av[2])
        if op == _ATOMIC:
            return self.nullable(av)
        return True  # anchors, lookarounds, group references

    def first(
        self, items: _Items, flags: int, follow: frozenset[str]
    ) -> frozenset[str]:
        found: set[str] = set()
        for op, av in items:
            if op in _CHARS:
                found |= self.chars((op, av), flags)
            elif op in _ZERO_WIDTH:
                pass
            elif op in (_sre.SUBPATTERN, _sre.BRANCH, _ATOMIC, *_REPEATS):
                for sub, sub_flags in _children(op, av, flags):
                    found |= self.first(sub, sub_flags, _EMPTY)
            else:
                found |= self.everything  # a group reference: anything
            if not self._nullable(op, av):
                return frozenset(found)
        return frozenset(found) | follow

    def consumed(self, items: _Items, flags: int) -> frozenset[str]:
        found: set[str] = set()
        for op, av in items:
            if op in _CHARS:
                found |= self.chars((op, av), flags)
            elif op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS):
                found |= self.everything
            for sub, sub_flags in _children(op, av, flags):
                found |= self.consumed(sub, sub_flags)
        return frozenset(found)

    def mandatory(self, items: _Items, flags: int) -> list[frozenset[str]]:
        """For each part every match of ``items`` must consume a character from: the
        characters it can consume."""
        sets = []
        for op, av in items:
            if op in _CHARS:
                sets.append(self.chars((op, av), flags))
            elif op in (_sre.SUBPATTERN, _ATOMIC):
                for sub, sub_flags in _children(op, av, flags):
                    sets += self.mandatory(sub, sub_flags)
            elif op in _REPEATS and av[0] >= 1 and len(av[2]) == 1:
                if av[2][0][0] in _CHARS:
                    sets.append(self.chars(av[2][0], flags))
        return sets

    def _visit(self, items: _Items, flags: int, follow: frozenset[str]) -> None:
        """Find the first hazard and count the repeats, each with what can follow it."""
        for index, (op, av) in enumerate(items):
            after = self.first(items[index + 1 :], flags, follow)
            if op in _BACKTRACKING_REPEATS:
                low, high, body = av
                if high == _sre.MAXREPEAT or high - low >= _WIDE:
                    gives_back = not self.consumed(body, flags).isdisjoint(after)
                    self.ambiguous += gives_back
                    self.scans += not gives_back
                if high > 1:
                    after = self.first(body, flags, _EMPTY) | after
                    if self.problem is None and self._nested(body, flags):
                        self.problem = _NESTED
                    if self.problem is None and self._ambiguous(body, flags, after):
                        self.problem = _AMBIGUOUS
            for sub, sub_flags in _children(op, av, flags):
                self._visit(sub, sub_flags, after)

    def _nested(self, body: _Items, flags: int) -> bool:
        separators = self.mandatory(body, flags)
        for op, av in _walk(body, into_atomic=False):
            if op in _BACKTRACKING_REPEATS and av[0] < av[1]:
                inner = self.consumed(av[2], flags)
                if inner and not any(s.isdisjoint(inner) for s in separators):
                    return True
        return False

    def _ambiguous(self, items: _Items, flags: int, follow: frozenset[str]) -> bool:
        for index, (op, av) in enumerate(items):
            after = self.first(items[index + 1 :], flags, follow)
            if op == _sre.BRANCH:
                alternatives = av[1]
                if sum(self.nullable(alt) for alt in alternatives) > 1:
                    return True
                starts = [self.first(alt, flags, after) for alt in alternatives]
                if any(a & b for a, b in combinations(starts, 2)):
                    return True
            if op in _REPEATS:
                after = self.first(av[2], flags, _EMPTY) | after
            if op not in _ZERO_WIDTH and op != _ATOMIC:
                for sub, sub_flags in _children(op, av, flags):
                    if self._ambiguous(sub, sub_flags, after):
                        return True
        return False


def _children(op: Any, av: Any, flags: int) -> list[tuple[_Items, int]]:
    """The sub-sequences of one node, with the flags they are read under."""
    if op == _sre.SUBPATTERN:
        return [(av[3], (flags | av[1]) & ~av[2])]
    if op == _sre.BRANCH:
        return [(alt, flags) for alt in av[1]]
    if op in _REPEATS:
        return [(av[2], flags)]
    if op == _ATOMIC:
        return [(av, flags)]
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [(av[1], flags)]
    if op == _sre.GROUPREF_EXISTS:
        return [(branch, flags) for branch in av[1:] if branch is not None]
    return []


def _walk(items: _Items, into_atomic: bool = True) -> Iterator[tuple[Any, Any]]:
    """Every node of a parsed pattern, character class items included."""
    for op, av in items:
        yield op, av
        if op == _sre.IN:
            yield from av
        if op != _ATOMIC or into_atomic:
            for sub, _ in _children(op, av, 0):
                yield from _walk(sub, into_atomic)
