"""An independent reference of BFCL's single-turn AST checker (Python categories).

Written from /work/shared/data/bfcl/CHECKER-RULES.md (BFCL at commit 6ea57973c7a6,
``bfcl_eval/eval_checker/ast_eval/ast_checker.py``), separately from
``pytest_fncall.matcher_bfcl``, so that the agreement tests compare two readings of the
rules. It decides pass/fail for a decoded model output ``[{name: {arg: value}}, ...]``.
Where BFCL's checker would raise (malformed data), :class:`CheckerCrash` is raised.

Function names are compared as given: the model output holds the names the spec uses
(pytest-fncall maps provider-safe names back, as BFCL's ``underscore_to_dot`` does).
"""

# ruff: noqa: E721  (types are compared with == on purpose, as BFCL compares them)
from __future__ import annotations

import re
from typing import Any

TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}


class CheckerCrash(Exception):
    """BFCL's own checker would raise an exception on this input."""


def standardize(text: str) -> str:
    return re.sub(r"[ ,./\-_*^]", "", text).lower().replace("'", '"')


def _answer_type(allowed: list[Any]) -> type | None:
    for option in allowed:
        if option != "":
            return type(option)
    return None


def _type_ok(
    value: Any, allowed: list[Any], expected: type, nested: type | None
) -> tuple[bool, bool]:
    """(valid, is_variable) as BFCL's type_checker decides."""
    answer_type = _answer_type(allowed)
    variable = answer_type is not None and answer_type != expected
    if type(value) == expected:
        if nested is None:
            return True, variable
        for option in allowed:
            good = True
            if type(option) == list:
                for element in value:
                    inner_valid, _ = _type_ok(element, option, nested, None)
                    if not inner_valid:
                        good = False
                        break
            if good:
                return True, variable
        return False, variable
    if answer_type is not None and type(value) == answer_type:
        return True, True
    return False, variable


def _indexable(option: Any) -> list[Any]:
    """``option[j] for j in range(len(option))``, failing where Python would."""
    try:
        return [option[j] for j in range(len(option))]
    except Exception as exc:
        raise CheckerCrash(repr(exc)) from None


def _string_ok(value: str, allowed: list[Any]) -> bool:
    return standardize(value) in [standardize(x) for x in allowed if type(x) == str]


def _list_ok(value: list[Any], allowed: list[Any]) -> bool:
    mine = [standardize(x) if type(x) == str else x for x in value]
    options = [
        [standardize(x) if type(x) == str else x for x in _indexable(option)]
        for option in allowed
    ]
    return mine in options


def _dict_ok(value: dict[str, Any], allowed: list[Any]) -> bool:
    for option in allowed:
        if option == "":
            continue
        if _one_dict_ok(value, option):
            return True
    return False


def _one_dict_ok(value: dict[str, Any], option: Any) -> bool:
    try:
        for key, item in value.items():
            if key not in option:
                return False
            mine = standardize(item) if type(item) == str else item
            choices = [
                standardize(x) if type(x) == str else x for x in _indexable(option[key])
            ]
            if mine not in choices:
                return False
        for key, choices in option.items():
            if key not in value and "" not in choices:
                return False
    except CheckerCrash:
        raise
    except Exception as exc:
        raise CheckerCrash(repr(exc)) from None
    return True


def _list_of_dicts_ok(value: list[Any], allowed: list[Any]) -> bool:
    for option in allowed:
        try:
            size = len(option)
        except Exception as exc:
            raise CheckerCrash(repr(exc)) from None
        if size != len(value):
            continue
        if all(_one_dict_ok(value[i], _indexable(option)[i]) for i in range(size)):
            return True
    return False


def check_call(
    doc: dict[str, Any], call: dict[str, Any], answer: dict[str, Any]
) -> bool:
    """BFCL's simple_function_checker: does one model call satisfy one expected call?"""
    ((_, allowed_by_param),) = answer.items()
    name = doc["name"]
    if name not in call:
        return False
    args = call[name]
    properties = doc["parameters"]["properties"]
    for required in doc["parameters"]["required"]:
        if required not in args:
            return False
    for param, value in args.items():
        if param not in properties or param not in allowed_by_param:
            return False
        declared = properties[param]["type"]
        if declared not in TYPES:
            raise CheckerCrash(f"unknown type {declared}")
        expected = TYPES[declared]
        nested = None
        if declared in ("array", "tuple"):
            items = properties[param]["items"]["type"]
            if items not in TYPES:
                raise CheckerCrash(f"unknown item type {items}")
            nested = TYPES[items]
        if declared == "float" and type(value) == int:
            value = float(value)
        allowed = allowed_by_param[param]
        valid, variable = _type_ok(value, allowed, expected, nested)
        if not valid:
            return False
        if not variable:
            if expected == dict:
                if not _dict_ok(value, allowed):
                    return False
                continue
            if expected == list and nested == dict:
                if not _list_of_dicts_ok(value, allowed):
                    return False
                continue
            if expected == str:
                if not _string_ok(value, allowed):
                    return False
                continue
            if expected == list:
                if not _list_ok(value, allowed):
                    return False
                continue
        if value not in allowed:
            return False
    for param, allowed in allowed_by_param.items():
        if param not in args and "" not in allowed:
            return False
    return True


def _doc(functions: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for doc in functions:
        if doc["name"] == name:
            return doc
    raise CheckerCrash(f"no doc for {name}")


def check(
    category: str,
    functions: list[dict[str, Any]],
    output: list[dict[str, Any]],
    truth: list[dict[str, Any]] | None,
) -> bool:
    """BFCL's verdict on one decoded model output for one entry of ``category``."""
    if truth is None or "irrelevance" in category:
        return not any(call for call in output)  # an empty output: no call
    if "parallel" in category:
        if len(output) != len(truth):
            return False
        used: set[int] = set()
        for answer in truth:
            doc = _doc(functions, next(iter(answer)))
            for index, call in enumerate(output):
                if index not in used and check_call(doc, call, answer):
                    used.add(index)  # greedy: the first call that fits
                    break
            else:
                return False
        return True
    if "multiple" in category:
        if len(output) != len(truth):
            return False
        return check_call(_doc(functions, next(iter(truth[0]))), output[0], truth[0])
    if len(output) != 1:
        return False
    return check_call(functions[0], output[0], truth[0])
