"""``$bfcl``: one parameter checked exactly as BFCL's AST checker checks it.

The Berkeley Function Calling Leaderboard compares each argument with a list of allowed
values by rules of its own (Python types, not JSON ones). ``python -m pytest_fncall
import-bfcl`` writes readable matchers (``$loose``, ``$type`` + ``$in``...) where they say
the same thing, and this matcher everywhere else::

    multiples: {$bfcl: {type: array, items: float, in: [[3.0, 5.0], ""]}}

``type`` is the parameter's BFCL type (``string integer float boolean array tuple dict
any``), ``items`` the element type of an ``array``/``tuple`` (BFCL reads it from the
function doc), ``in`` BFCL's list of allowed values verbatim, ``""`` included. The rules,
in BFCL's order (``bfcl_eval/eval_checker/ast_eval/ast_checker.py``):

* Missing: passes only when ``""`` is allowed.
* Type: the Python type must be exactly the declared one (``any`` means a string; a
  bool is not an integer, a float never an integer). An integer passes for ``float``
  (and is compared as a float), at the top level only. The "variable" escape: when
  the first allowed value other than ``""`` has another type than the declared one,
  a value of that type is accepted too and then compared by plain equality.
* Elements of an ``array``/``tuple`` must have the item type (or the type of the
  first element of the alternative being tried), one level deep, no int-to-float
  widening; an allowed ``""`` switches this check off, as it does in BFCL.
* Value: strings compare after BFCL's normalisation (``$loose``); lists must equal
  one alternative element by element, in order, string elements normalised; a
  ``dict`` must match one alternative dict, key by key, each key with its own list
  of allowed values (strings normalised, one level deep; a key whose list holds
  ``""`` may be left out); a list of dicts matches an alternative list of such
  dicts, position by position; anything else must be equal (Python ``==``) to an
  allowed value.

Where BFCL's own checker would raise (an allowed value of an impossible shape, a data
fault), the value fails here with a message saying so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

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
)
from .matcher_values import clip, render

BFCL = Registry()

PYTHON_TYPES: Final[dict[str, type]] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}
"""BFCL's Python type of each type name of its function docs."""

_LISTS: Final = ("array", "tuple")
_STRIP: Final = str.maketrans(dict.fromkeys(" ,./-_*^"))


class _Crash(Exception):
    """Where BFCL's checker itself would raise (a malformed possible answer)."""


def normalise(text: str) -> str:
    """BFCL's ``standardize_string``: no spaces nor ``,./-_*^``, lower case, ``'``→``"``."""
    return text.translate(_STRIP).lower().replace("'", '"')


def _first_type(allowed: Sequence[object]) -> type | None:
    return next((type(x) for x in allowed if x != ""), None)


def _norm_if_str(value: object) -> object:
    return normalise(value) if type(value) is str else value


def _contains(allowed: Sequence[object], value: object) -> bool:
    """``value in allowed`` as Python decides it (``1 == 1.0 == True``)."""
    try:
        return value in allowed
    except Exception as exc:  # pragma: no cover - == of JSON values does not raise
        raise _Crash(str(exc)) from None


def _element_ok(element: object, alternative: Sequence[object], nested: type) -> bool:
    if type(element) is nested:
        return True
    first = _first_type(alternative)
    return first is not None and type(element) is first


def _nested_ok(
    value: Sequence[object], allowed: Sequence[object], nested: type
) -> bool:
    for alternative in allowed:
        if type(alternative) is not list:
            return True  # BFCL: an alternative that is not a list ("") passes the check
        if all(_element_ok(element, alternative, nested) for element in value):
            return True
    return False


def _dict_ok(value: Mapping[str, object], allowed: Sequence[object]) -> bool:
    for alternative in allowed:
        if alternative == "":
            continue
        if _one_dict_ok(value, alternative):
            return True
    return False


def _one_dict_ok(value: Mapping[str, object], alternative: object) -> bool:
    if not isinstance(alternative, (dict, list, str)):
        raise _Crash(f"an allowed value {render(alternative)} is not a dict")
    for key, item in value.items():
        if key not in alternative:
            return False
        if not isinstance(alternative, dict):
            raise _Crash(f"an allowed value {render(alternative)} is not a dict")
        choices = alternative[key]
        if not isinstance(choices, list):
            raise _Crash(f"allowed values of key {key!r} are not a list")
        if not _contains([_norm_if_str(c) for c in choices], _norm_if_str(item)):
            return False
    if not isinstance(alternative, dict):
        raise _Crash(f"an allowed value {render(alternative)} is not a dict")
    for key, choices in alternative.items():
        if key not in value and "" not in _as_list(choices):
            return False
    return True


def _as_list(choices: object) -> Sequence[object]:
    """An alternative indexed like a list, as BFCL does: a string by its characters."""
    if isinstance(choices, (list, str)):
        return list(choices)
    if choices == {}:
        return []
    raise _Crash(f"an allowed value {render(choices)} is not a list")


def _list_dict_ok(value: Sequence[object], allowed: Sequence[object]) -> bool:
    for alternative in allowed:
        items = _as_list(alternative)
        if len(items) != len(value):
            continue
        for element, expected in zip(value, items, strict=True):
            if not isinstance(element, dict):
                raise _Crash(f"element {render(element)} is not a dict")
            if not _one_dict_ok(element, expected):
                break
        else:
            return True
    return False


def _list_ok(value: Sequence[object], allowed: Sequence[object]) -> bool:
    normalised = [_norm_if_str(element) for element in value]
    candidates = [[_norm_if_str(x) for x in _as_list(a)] for a in allowed]
    return _contains(candidates, normalised)


def check_value(
    value: object, declared: str, items: str | None, allowed: Sequence[object]
) -> str | None:
    """Why BFCL rejects ``value`` (present) for a parameter of BFCL type ``declared``
    (element type ``items``) with allowed values ``allowed``; None when it passes."""
    try:
        return _check(value, declared, items, allowed)
    except _Crash as exc:
        return f"BFCL's checker fails on this value: {exc}"


def _check(
    value: object, declared: str, items: str | None, allowed: Sequence[object]
) -> str | None:
    expected = PYTHON_TYPES[declared]
    nested = PYTHON_TYPES[items] if declared in _LISTS and items else None
    if declared == "float" and type(value) is int:
        value = float(value)
    first = _first_type(allowed)
    variable = first is not None and first is not expected
    if type(value) is expected:
        if nested is not None and isinstance(value, list):
            if not _nested_ok(value, allowed, nested):
                return f"an element is not of type {items} (type_error:nested)"
    elif first is not None and type(value) is first:
        variable = True
    else:
        return f"type {type(value).__name__}, not {declared} (type_error:simple)"
    if not variable:
        if expected is dict and isinstance(value, dict):
            return None if _dict_ok(value, allowed) else "no allowed dict matches"
        if expected is list and nested is dict and isinstance(value, list):
            ok = _list_dict_ok(value, allowed)
            return None if ok else "no allowed list of dicts matches"
        if expected is str and isinstance(value, str):
            strings = [normalise(x) for x in allowed if type(x) is str]
            return None if normalise(value) in strings else "not an allowed string"
        if expected is list and isinstance(value, list):
            return None if _list_ok(value, allowed) else "not an allowed list"
    return None if _contains(allowed, value) else "not an allowed value"


def _describe(declared: str, items: str | None, allowed: Sequence[object]) -> str:
    kind = f"{declared}<{items}>" if items else declared
    return f"bfcl {kind} in {clip(render(list(allowed)), 60)}"


@BFCL.op("$bfcl")
def _build_bfcl(arg: object, opts: Opts, loc: Loc, nested: Compile) -> Matcher:
    need = "a mapping {type, items (arrays only), in: [allowed values]}"
    if not isinstance(arg, Mapping) or set(arg) - {"type", "items", "in"}:
        raise MatcherError(loc, f"$bfcl needs {need}, got {render(arg)}")
    declared, items, allowed = arg.get("type"), arg.get("items"), arg.get("in")
    names = ", ".join(PYTHON_TYPES)
    if declared not in PYTHON_TYPES:
        raise MatcherError((*loc, "type"), f"$bfcl type must be one of {names}")
    if items is not None and (items not in PYTHON_TYPES or declared not in _LISTS):
        message = "$bfcl items goes with type array or tuple and is one of " + names
        raise MatcherError((*loc, "items"), message)
    if not isinstance(allowed, list):
        raise MatcherError((*loc, "in"), "$bfcl in needs the list of allowed values")
    kind: str = declared
    element: str | None = items
    values: list[Any] = list(allowed)
    optional = "" in values

    def check(value: object, path: str) -> list[Mismatch]:
        if value is MISSING:
            return (
                [] if optional else [Mismatch(path, "missing (not optional in BFCL)")]
            )
        note = check_value(value, kind, element, values)
        if note is None:
            return []
        text = f"expected {_describe(kind, element, values)}, got {render(value)}"
        return [Mismatch(path, f"{text} ({note})")]

    return Compiled(_describe(kind, element, values), check, True)
