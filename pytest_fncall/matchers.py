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
$any_of $all_of $py``; ``$from`` is reserved for loop mode.
"""

from __future__ import annotations

import abc
import difflib
import importlib
import operator
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeGuard

from .validation import schema_issues, schema_problem

Loc = tuple[str | int, ...]
_Opts = Mapping[str, Any]  # options of a matcher, checked against _OPTIONS


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


_Check = Callable[[object, str], list[Mismatch]]


class _Compiled(Matcher):
    """A matcher made of its description and a check (which sees MISSING only when
    the matcher accepts it)."""

    def __init__(self, text: str, check: _Check, accepts_missing: bool = False) -> None:
        self._text, self._check, self.accepts_missing = text, check, accepts_missing

    def describe(self) -> str:
        return self._text

    def _mismatches(self, value: object, path: str) -> list[Mismatch]:
        return self._check(value, path)


# --- values -------------------------------------------------------------------------


def _show(value: object) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_show, value)) + "]"
    if isinstance(value, Mapping):
        items = (f"{_show(k)}: {_show(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    return repr(value)


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _render(value: object) -> str:
    """JSON-like text of a value, with strings quoted the Python way, truncated."""
    return _clip(_show(value))


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_array(value: object) -> TypeGuard[Sequence[object]]:
    return isinstance(value, (list, tuple))


def _is_op(key: object) -> TypeGuard[str]:
    return isinstance(key, str) and key.startswith("$")


_TYPES: Final[dict[str, Callable[[object], bool]]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": _is_number,
    "string": lambda v: isinstance(v, str),
    "array": _is_array,
    "object": lambda v: isinstance(v, Mapping),
}


def _json_type(value: object) -> str:
    return next((t for t, test in _TYPES.items() if test(value)), type(value).__name__)


def _json_equal(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) or _is_number(b):
        return _is_number(a) and _is_number(b) and a == b
    if _is_array(a) or _is_array(b):
        return (
            _is_array(a)
            and _is_array(b)
            and len(a) == len(b)
            and all(map(_json_equal, a, b))
        )
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        return (
            isinstance(a, Mapping)
            and isinstance(b, Mapping)
            and a.keys() == b.keys()
            and all(_json_equal(a[k], b[k]) for k in a)
        )
    return a == b


def _fail(path: str, expected: str, value: object, note: str = "") -> list[Mismatch]:
    got = _render(value) + (f" ({note})" if note else "")
    return [Mismatch(path, f"expected {_clip(expected)}, got {got}")]


def _list_text(matchers: Iterable[Matcher]) -> str:
    return "[" + ", ".join(m.describe() for m in matchers) + "]"


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


# --- matcher shapes -----------------------------------------------------------------


def _test(
    text: str, test: Callable[[object], str | None], accepts_missing: bool = False
) -> Matcher:
    """A matcher of the value as a whole: ``test`` gives None to pass, else a note."""

    def check(value: object, path: str) -> list[Mismatch]:
        note = test(value)
        return [] if note is None else _fail(path, text, value, note)

    return _Compiled(text, check, accepts_missing)


def _typed(text: str, kind: str, test: Callable[[Any], bool]) -> Matcher:
    """A test of values of one JSON type (``string`` or ``number``) only."""
    is_kind = _TYPES[kind]
    return _test(
        text, lambda v: f"not a {kind}" if not is_kind(v) else None if test(v) else ""
    )


def _equal(expected: object) -> Matcher:
    return _test(_render(expected), lambda v: None if _json_equal(v, expected) else "")


def _object(fields: dict[str, Matcher], exact: bool, prefix: str = "") -> Matcher:
    text = prefix + "{" + ", ".join(f"{k!r}: {m.describe()}" for k, m in fields.items())
    text += "}"

    def check(value: object, path: str) -> list[Mismatch]:
        if not isinstance(value, Mapping):
            return _fail(path, text, value, "not an object")
        found = [
            mismatch
            for key, matcher in fields.items()
            for mismatch in matcher.mismatches(value.get(key, MISSING), f"{path}.{key}")
        ]
        if exact:
            found += [
                Mismatch(f"{path}.{key}", f"unexpected key (value {_render(item)})")
                for key, item in value.items()
                if key not in fields
            ]
        return found

    return _Compiled(text, check)


def _array(text: str, items: Callable[[int], Sequence[Matcher] | None]) -> Matcher:
    """Arrays checked element by element: ``items(n)`` gives the matchers for ``n``
    elements, or None when ``n`` elements cannot match."""

    def check(value: object, path: str) -> list[Mismatch]:
        if not _is_array(value):
            return _fail(path, text, value, "not an array")
        matchers = items(len(value))
        if matchers is None:
            return _fail(path, text, value, f"{len(value)} items")
        return [
            mismatch
            for i, (matcher, item) in enumerate(zip(matchers, value, strict=True))
            for mismatch in matcher.mismatches(item, f"{path}[{i}]")
        ]

    return _Compiled(text, check)


def _all_of(parts: list[Matcher], text: str) -> Matcher:
    return _Compiled(
        text,
        lambda value, path: [m for part in parts for m in part.mismatches(value, path)],
        all(part.accepts_missing for part in parts),
    )


_ANY: Final = _test("any", lambda v: None)
_ABSENT: Final = _test("absent", lambda v: None if v is MISSING else "", True)
_BARE: Final = {"$any": _ANY, "$absent": _ABSENT}


# --- compiling ----------------------------------------------------------------------

# A builder gets the matcher's argument, its options and its location; the location
# ends with the matcher's own name, so one builder can serve $gt, $gte, ...
_Builder = Callable[[object, _Opts, Loc], Matcher]
_OPS: dict[str, tuple[_Builder, tuple[str, ...]]] = {}


def _op(*names: str, options: tuple[str, ...] = ()) -> Callable[[_Builder], _Builder]:
    def register(build: _Builder) -> _Builder:
        _OPS.update(dict.fromkeys(names, (build, options)))
        return build

    return register


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# option name: (default, check, what the check needs)
_OPTIONS: Final[dict[str, tuple[object, Callable[[Any], bool], str]]] = {
    "case": (True, lambda v: isinstance(v, bool), "true or false"),
    "whitespace": (
        "collapse",
        ("collapse", "exact", "ignore").__contains__,
        "collapse, exact or ignore",
    ),
    "punct": ("keep", ("keep", "ignore").__contains__, "keep or ignore"),
    "abs": (None, lambda v: v is None or (_is_number(v) and v >= 0), "a number >= 0"),
    "rel": (None, lambda v: v is None or (_is_number(v) and v >= 0), "a number >= 0"),
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
    if interpret and isinstance(raw, str) and raw in _BARE:
        return _BARE[raw]
    if isinstance(raw, Mapping):
        if interpret and any(_is_op(key) for key in raw):
            return _compile_ops(raw, loc)
        return _object(_fields(raw, loc, interpret=interpret), exact=True)
    if _is_array(raw):
        items = [_compile(x, (*loc, i), interpret=interpret) for i, x in enumerate(raw)]
        return _array(_list_text(items), lambda n: items if n == len(items) else None)
    return _equal(raw)


def _fields(
    raw: Mapping[Any, object], loc: Loc, *, interpret: bool = True
) -> dict[str, Matcher]:
    fields = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            raise MatcherError((*loc, str(key)), f"keys must be strings, got {key!r}")
        fields[key] = _compile(value, (*loc, key), interpret=interpret)
    return fields


def _compile_ops(raw: Mapping[object, object], loc: Loc) -> Matcher:
    names = [key for key in raw if _is_op(key)]
    for name in names:
        if name not in _OPS:
            hint = _suggest(name, _OPS)
            raise MatcherError((*loc, name), f"unknown matcher {name!r}{hint}")
    known = {option for name in names for option in _OPS[name][1]}
    for key in raw:
        if not _is_op(key) and key not in known:
            listed = f"options: {', '.join(sorted(known))}" if known else "no options"
            hint = _suggest(str(key), known) or f" ({listed})"
            message = f"unknown option {key!r} for {', '.join(names)}{hint}"
            raise MatcherError((*loc, str(key)), message)
    given = {}
    for option in sorted(known):
        default, valid, need = _OPTIONS[option]
        given[option] = raw.get(option, default)
        if not valid(given[option]):
            message = f"option {option} needs {need}, got {_render(given[option])}"
            raise MatcherError((*loc, option), message)
    parts = [_OPS[name][0](raw[name], given, (*loc, name)) for name in names]
    if len(parts) == 1:
        return parts[0]
    return _all_of(parts, " and ".join(part.describe() for part in parts))


@_op("$eq")
def _build_eq(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    return _compile(arg, loc, interpret=False)


@_op("$in")
def _build_in(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    if not _is_array(arg) or not arg:
        raise MatcherError(loc, f"$in needs a non-empty list, got {_render(arg)}")
    return _test(
        f"one of {_render(arg)}",
        lambda v: None if any(_json_equal(v, c) for c in arg) else "",
    )


@_op("$any", "$absent")
def _build_flag(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    name = str(loc[-1])
    if arg is not True:
        raise MatcherError(
            loc, f"{name} takes true (or write the bare string {name!r})"
        )
    return _BARE[name]


@_op("$optional")
def _build_optional(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    inner = _compile(arg, loc)
    return _Compiled(
        f"optional {inner.describe()}",
        lambda value, path: [] if value is MISSING else inner.mismatches(value, path),
        True,
    )


@_op("$type")
def _build_type(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    names = list(arg) if _is_array(arg) else [arg]
    for i, name in enumerate(names):
        if not isinstance(name, str) or name not in _TYPES:
            hint = _suggest(str(name), _TYPES) or f" (use {', '.join(_TYPES)})"
            where = (*loc, i) if _is_array(arg) else loc
            raise MatcherError(where, f"unknown type {_render(name)} for $type{hint}")
    if not names:
        raise MatcherError(loc, "$type needs a type name or a list of them")
    tests = [_TYPES[str(name)] for name in names]
    return _test(
        f"type {' or '.join(map(str, names))}",
        lambda v: None if any(test(v) for test in tests) else _json_type(v),
    )


@_op("$schema")
def _build_schema(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    problem = schema_problem(arg)
    if problem or not isinstance(arg, (dict, bool)):
        raise MatcherError(loc, f"$schema: {problem}")
    return _Compiled(
        f"schema {_render(arg)}",
        lambda value, path: [
            Mismatch(path + issue.json_path[1:], f"schema: {issue.message}")
            for issue in schema_issues(value, arg)
        ],
    )


@_op("$regex", "$search")
def _build_regex(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    name = str(loc[-1])
    if not isinstance(arg, str):
        raise MatcherError(loc, f"{name} needs a regular expression (a string)")
    try:
        pattern = re.compile(arg)
    except re.error as exc:
        raise MatcherError(
            loc, f"invalid regular expression for {name}: {exc}"
        ) from None
    find = pattern.fullmatch if name == "$regex" else pattern.search
    return _typed(f"{name[1:]} {_render(arg)}", "string", lambda v: bool(find(v)))


_SPACE: Final[dict[str, Callable[[str], str]]] = {
    "collapse": lambda s: " ".join(s.split()),
    "exact": lambda s: s,
    "ignore": lambda s: "".join(s.split()),
}
_NO_PUNCT: Final = str.maketrans("", "", string.punctuation)
_LOOSE: Final = str.maketrans({**dict.fromkeys(" ,./-_*^"), "'": '"'})


def _normaliser(case: bool, whitespace: str, punct: str) -> Callable[[str], str]:
    def norm(text: str) -> str:
        if punct == "ignore":
            text = text.translate(_NO_PUNCT)
        text = _SPACE[whitespace](text)
        return text if case else text.casefold()

    return norm


def _same_text(
    name: str, arg: object, loc: Loc, norm: Callable[[str], str], shown: str = ""
) -> Matcher:
    if not isinstance(arg, str):
        raise MatcherError(loc, f"{loc[-1]} needs a string, got {_render(arg)}")
    want = norm(arg)
    text = f"{name} {_render(arg)}" + (f" ({shown})" if shown else "")
    return _typed(text, "string", lambda v: norm(v) == want)


@_op("$text", options=("case", "whitespace", "punct"))
def _build_text(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    case, space, punct = opts["case"], opts["whitespace"], opts["punct"]
    flags = [
        "case-insensitive" * (not case),
        f"whitespace {space}" * (space != "collapse"),
        "punct ignore" * (punct == "ignore"),
    ]
    shown = ", ".join(flag for flag in flags if flag)
    return _same_text("text", arg, loc, _normaliser(case, space, punct), shown)


@_op("$ieq")
def _build_ieq(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    return _same_text("ieq", arg, loc, _normaliser(False, "collapse", "keep"))


@_op("$loose")
def _build_loose(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    return _same_text("loose", arg, loc, lambda s: s.lower().translate(_LOOSE))


def _need_number(arg: object, loc: Loc) -> int | float:
    if not _is_number(arg):
        raise MatcherError(loc, f"{loc[-1]} needs a number, got {_render(arg)}")
    return arg


@_op("$approx", options=("abs", "rel"))
def _build_approx(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    target = _need_number(arg, loc)
    limits = {k: v for k, v in opts.items() if v is not None}
    shown = ", ".join(f"{k} {v!r}" for k, v in limits.items()) or "rel 1e-09"
    # Both given: either tolerance is enough, as in math.isclose.
    rel = limits.get("rel", 0 if limits else 1e-9)
    tolerance = max(limits.get("abs", 0), rel * abs(target))
    text = f"approx {target!r} ({shown})"
    return _typed(text, "number", lambda v: abs(v - target) <= tolerance)


_COMPARE: Final = {
    "$gt": (">", operator.gt),
    "$gte": (">=", operator.ge),
    "$lt": ("<", operator.lt),
    "$lte": ("<=", operator.le),
}


@_op(*_COMPARE)
def _build_compare(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    bound = _need_number(arg, loc)
    symbol, compare = _COMPARE[str(loc[-1])]
    return _typed(f"x {symbol} {bound!r}", "number", lambda v: compare(v, bound))


@_op("$range")
def _build_range(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    if not (
        _is_array(arg)
        and len(arg) == 2
        and all(b is None or _is_number(b) for b in arg)
    ):
        need = "[low, high]: two numbers, null for an open end"
        raise MatcherError(loc, f"$range needs {need}, got {_render(arg)}")
    low, high = (b if _is_number(b) else None for b in arg)
    if low is not None and high is not None and low > high:
        raise MatcherError(loc, f"$range low {low!r} is above high {high!r}")
    bounds = [
        f"{low!r} <=" * (low is not None),
        "x",
        f"<= {high!r}" * (high is not None),
    ]
    text = " ".join(filter(None, bounds)) if bounds != ["", "x", ""] else "any number"
    return _typed(
        text,
        "number",
        lambda v: (low is None or v >= low) and (high is None or v <= high),
    )


@_op("$len")
def _build_len(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    if isinstance(arg, Mapping) and any(_is_op(key) for key in arg):
        inner = _compile(arg, loc)
    elif isinstance(arg, int) and not isinstance(arg, bool) and arg >= 0:
        inner = _equal(arg)
    else:
        need = "a non-negative integer or a matcher like {$range: [1, 5]}"
        raise MatcherError(loc, f"$len needs {need}, got {_render(arg)}")

    def test(value: object) -> str | None:
        if not isinstance(value, (str, list, tuple, Mapping)):
            return "no length"
        return None if inner.matches(len(value)) else f"length {len(value)}"

    return _test(f"len {inner.describe()}", test)


def _distinct(items: list[Matcher], value: Sequence[object]) -> str | None:
    left = _unmatched(items, value)
    return f"no distinct element for {', '.join(left)}" if left else None


@_op("$contains")
def _build_contains(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    raw = list(arg) if _is_array(arg) else [arg]
    items = [
        _compile(x, (*loc, i) if _is_array(arg) else loc) for i, x in enumerate(raw)
    ]
    texts = [x for x in raw if isinstance(x, str)]

    def test(value: object) -> str | None:
        if isinstance(value, str):
            if len(texts) < len(raw):
                return "a string, but not every expected item is a string"
            absent = [repr(s) for s in texts if s not in value]
            return f"no {', '.join(absent)}" if absent else None
        if not _is_array(value):
            return "not an array or string"
        return _distinct(items, value)

    return _test(f"contains {_list_text(items)}", test)


@_op("$set", options=("split",))
def _build_set(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    if not _is_array(arg):
        raise MatcherError(loc, f"$set needs a list, got {_render(arg)}")
    items = [_compile(x, (*loc, i)) for i, x in enumerate(arg)]
    sep = opts["split"]

    def test(value: object) -> str | None:
        if sep is not None and isinstance(value, str):
            value = [part.strip() for part in value.split(sep) if part.strip()]
        if not _is_array(value):
            return "not an array" + (" or string" if sep else "")
        if len(value) != len(items):
            return f"{len(value)} items, not {len(items)}"
        return _distinct(items, value)

    split = f" (split {sep!r})" if sep else ""
    return _test(f"set {_list_text(items)}{split}", test)


@_op("$subset")
def _build_subset(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    if not isinstance(arg, Mapping):
        raise MatcherError(loc, f"$subset needs a mapping, got {_render(arg)}")
    return _object(_fields(arg, loc), exact=False, prefix="subset ")


@_op("$each")
def _build_each(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    inner = _compile(arg, loc)
    return _array(f"each {inner.describe()}", lambda n: [inner] * n)


@_op("$not")
def _build_not(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    inner = _compile(arg, loc)
    return _test(f"not {inner.describe()}", lambda v: "" if inner.matches(v) else None)


@_op("$any_of", "$all_of")
def _build_any_all(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    name = str(loc[-1])
    if not _is_array(arg) or not arg:
        raise MatcherError(loc, f"{name} needs a non-empty list, got {_render(arg)}")
    parts = [_compile(x, (*loc, i)) for i, x in enumerate(arg)]
    text = f"{name[1:4]} of {_list_text(parts)}"
    if name == "$all_of":
        return _all_of(parts, text)
    return _test(
        text,
        lambda v: None if any(part.matches(v) for part in parts) else "",
        any(part.accepts_missing for part in parts),
    )


def _resolve(target: str, loc: Loc) -> Callable[..., object]:
    module_name, _, attr = target.partition(":")
    try:
        found: object = importlib.import_module(module_name)
    except ImportError as exc:
        hint = "is its directory importable? see the pytest 'pythonpath' ini option"
        message = f"$py cannot import {module_name!r} ({exc}); {hint}"
        raise MatcherError(loc, message) from None
    except Exception as exc:
        message = f"$py: importing {module_name!r} raised {type(exc).__name__}: {exc}"
        raise MatcherError(loc, message) from None
    for part in attr.split("."):
        if not hasattr(found, part):
            raise MatcherError(loc, f"$py: {module_name!r} has no attribute {attr!r}")
        found = getattr(found, part)
    if not callable(found):
        raise MatcherError(loc, f"$py: {target!r} is not callable")
    return found


@_op("$py", options=("kwargs",))
def _build_py(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    if not isinstance(arg, str) or not re.fullmatch(r"[\w.]+:[\w.]+", arg):
        raise MatcherError(loc, f"$py needs 'package.module:function', got {arg!r}")
    kwargs = dict(opts["kwargs"])
    function = _resolve(arg, loc)

    def test(value: object) -> str | None:
        try:
            result = function(value, **kwargs)
        except Exception as exc:
            return f"{arg} raised {type(exc).__name__}: {exc}"
        ok, message = (result, "")
        if isinstance(result, tuple) and len(result) == 2:
            ok, message = result
        if not isinstance(ok, bool):
            return f"{arg} returned {_render(result)}, not a bool or (bool, message)"
        return None if ok else str(message)

    return _test(f"py {arg}", test)


@_op("$from")
def _build_from(arg: object, opts: _Opts, loc: Loc) -> Matcher:
    raise MatcherError(
        loc, "$from needs loop mode, which this version does not run yet"
    )


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
        if _is_op(key):
            message = f"{key!r} is not an argument name; put matchers under a name"
            raise MatcherError((key,), message)
    return ArgumentsMatcher(_fields(raw, ()))
