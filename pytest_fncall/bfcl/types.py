"""BFCL's type vocabulary: tool schemas in JSON Schema, expected values as matchers.

Function docs in BFCL use ``string integer float boolean array tuple dict any``; the
schema a model is offered maps them to JSON Schema (``float``→``number``, ``tuple``→
``array``, ``dict``→``object``, ``any``→no type), as BFCL's own OpenAI conversion does.

A tool's schema is checked on every call (pytest-fncall's implicit checks), while
BFCL's checker never reads anything but types and ``required``. So the schema carries
no keyword that could reject an argument BFCL accepts: ``enum``, ``format``, bounds and
nested ``required`` are written into the description instead (in the words BFCL itself
uses for providers without those keywords), and a parameter's type is widened by the
type of any allowed value of another type (BFCL's "variable" escape, mostly ``null``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from ..matcher_bfcl import PYTHON_TYPES, normalise

JSON_TYPES: Final[dict[str, str | None]] = {
    "string": "string",
    "integer": "integer",
    "float": "number",
    "boolean": "boolean",
    "array": "array",
    "tuple": "array",
    "dict": "object",
    "any": None,
}
"""The JSON Schema type of each BFCL type (``any``: no constraint)."""

_JAVA_JS: Final = frozenset(
    "byte short long double char Array ArrayList HashMap Hashtable Queue Stack Any "
    "String Bigint Boolean Integer Float Double Long Object Set Map".split()
)
_DESCRIBED: Final = {
    "enum": "Enum values",
    "format": "Format",
    "maximum": "Maximum value",
    "minimum": "Minimum value",
    "minItems": "Minimum number of items",
    "maxItems": "Maximum number of items",
    "required": "Required",
    "pattern": "Pattern",
}
_VALUE_TYPES: Final[dict[type, str]] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


class BfclTypeError(ValueError):
    """A function doc this importer cannot convert (the message says where)."""


def value_type(value: object) -> str:
    """The JSON type of a JSON value."""
    return _VALUE_TYPES.get(type(value), "string")


def first_allowed(allowed: Sequence[object]) -> object:
    """The first allowed value other than ``""``, or ``""`` when there is none."""
    return next((x for x in allowed if x != ""), "")


def bfcl_type(prop: Mapping[str, Any], where: str) -> str:
    kind = prop.get("type")
    if kind in JSON_TYPES:
        return str(kind)
    if kind in _JAVA_JS:
        raise BfclTypeError(
            f"{where}: type {kind!r} is from BFCL's Java/JavaScript categories, which "
            "this importer does not convert (their checker parses string arguments)"
        )
    raise BfclTypeError(f"{where}: unknown BFCL type {kind!r}")


def item_type(prop: Mapping[str, Any], where: str) -> str | None:
    """The element type of an array/tuple parameter (None when it has no ``items``)."""
    items = prop.get("items")
    if not isinstance(items, Mapping) or "type" not in items:
        return None
    return bfcl_type(items, f"{where}.items")


def _with_types(declared: str | None, extra: Iterable[str]) -> str | list[str] | None:
    if declared is None:
        return None
    types = [declared, *sorted(set(extra) - {declared})]
    if declared == "number":
        types = [t for t in types if t != "integer"]
    return types[0] if len(types) == 1 else types


def property_schema(
    prop: Mapping[str, Any],
    where: str,
    extra: Iterable[str] = (),
    item_extra: Iterable[str] = (),
) -> dict[str, Any]:
    """The JSON Schema of one BFCL parameter; ``extra`` widens its type,
    ``item_extra`` the type of its elements."""
    kind = bfcl_type(prop, where)
    schema: dict[str, Any] = {}
    json_type = _with_types(JSON_TYPES[kind], extra)
    if json_type is not None:
        schema["type"] = json_type
    notes = []
    for key, value in prop.items():
        if key in ("type", "optional"):
            continue
        if key == "description" and isinstance(value, str):
            schema["description"] = value
        elif key == "default":
            schema["default"] = value
        elif key == "items" and isinstance(value, Mapping) and "type" in value:
            schema["items"] = property_schema(value, f"{where}.items", item_extra)
        elif key == "properties" and isinstance(value, Mapping):
            schema["properties"] = {
                name: property_schema(sub, f"{where}.{name}")
                for name, sub in value.items()
                if isinstance(sub, Mapping)
            }
        elif key in _DESCRIBED:
            notes.append(f"{_DESCRIBED[key]}: {value}.")
        # other keys (BFCL's own, like `optional`) carry nothing a model needs
    if notes:
        text = schema.get("description", "")
        schema["description"] = " ".join([text, *notes]).strip()
    return schema


def widening(
    prop: Mapping[str, Any], allowed: Sequence[object]
) -> tuple[set[str], set[str]]:
    """The JSON types BFCL accepts beyond the declared one for a parameter with these
    allowed values: (for the value, for its elements)."""
    kind = prop.get("type")
    expected = PYTHON_TYPES.get(str(kind))
    first = first_allowed(allowed)
    extra = set()
    if first != "" and expected is not None and type(first) is not expected:
        extra.add(value_type(first))
    elements = set()
    if kind in ("array", "tuple"):
        for alternative in allowed:
            if isinstance(alternative, list):
                head = first_allowed(alternative)
                if head != "":
                    elements.add(value_type(head))
    return extra, elements


# --- expected values ------------------------------------------------------------------


def _is(value: object, *types: type) -> bool:
    return type(value) in types


def expected_value(
    prop: Mapping[str, Any] | None, allowed: Sequence[object], where: str
) -> Any:
    """The matcher (as written in a spec) for a parameter with BFCL's allowed values.

    Readable matchers where they decide exactly as BFCL does, ``$bfcl`` elsewhere.
    ``prop`` is None for a parameter the function doc does not declare (BFCL rejects
    any value for it)."""
    optional = "" in allowed
    values = [x for x in allowed if x != ""]
    if prop is None:
        if optional:
            return "$absent"
        return {"$not": "$any"}
    kind = bfcl_type(prop, where)
    items = item_type(prop, where) if kind in ("array", "tuple") else None
    readable = _readable(kind, items, values, optional)
    if readable is None:
        spec: dict[str, Any] = {"type": kind}
        if items is not None:
            spec["items"] = items
        spec["in"] = list(allowed)
        return {"$bfcl": spec}
    return {"$optional": readable} if optional else readable


def _one_of(options: list[Any]) -> Any:
    return options[0] if len(options) == 1 else {"$any_of": options}


def _loose_strings(strings: Iterable[str]) -> list[dict[str, str]]:
    seen: dict[str, str] = {}
    for text in strings:
        seen.setdefault(normalise(text), text)
    return [{"$loose": text} for text in seen.values()]


def _readable(
    kind: str, items: str | None, values: list[object], optional: bool
) -> Any:
    """A readable matcher for a present value, or None when only ``$bfcl`` is exact."""
    if not values:
        return None
    if kind in ("string", "any") and all(_is(v, str) for v in values):
        strings = [str(v) for v in values] + ([""] if optional else [])
        return _one_of(_loose_strings(strings))
    if kind == "integer" and all(_is(v, int) for v in values):
        return _typed("integer", values)
    if kind == "float" and all(_is(v, int, float) for v in values):
        return _typed("number", values)
    if kind == "boolean" and all(_is(v, bool) for v in values):
        return values[0] if len(set(values)) == 1 else {"$type": "boolean"}
    lists = [v for v in values if isinstance(v, list) and all(_is(x, str) for x in v)]
    if (
        kind in ("array", "tuple")
        and items in ("string", "any")
        and len(lists) == len(values)
    ):
        alternatives: list[list[dict[str, str]]] = [
            [{"$loose": str(x)} for x in v] for v in lists
        ]
        if optional:
            alternatives.append([])
        unique = []
        for alternative in alternatives:
            if alternative not in unique:
                unique.append(alternative)
        return _one_of(unique)
    return None


def _typed(json_type: str, values: list[object]) -> dict[str, Any]:
    unique = list(dict.fromkeys(values))
    if len(unique) == 1:
        return {"$type": json_type, "$eq": unique[0]}
    return {"$type": json_type, "$in": unique}
