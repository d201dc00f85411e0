"""JSON-like values as matchers see them: their text, their types, their equality.

Numbers compare numerically (``1 == 1.0``) but a bool is never a number; lists and
tuples are both arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final, TypeGuard


def _show(value: object) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_show, value)) + "]"
    if isinstance(value, Mapping):
        items = (f"{_show(k)}: {_show(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    return repr(value)


def clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(value: object) -> str:
    """JSON-like text of a value, with strings quoted the Python way, truncated."""
    return clip(_show(value))


def is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_array(value: object) -> TypeGuard[Sequence[object]]:
    return isinstance(value, (list, tuple))


JSON_TYPES: Final[dict[str, Callable[[object], bool]]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": is_number,
    "string": lambda v: isinstance(v, str),
    "array": is_array,
    "object": lambda v: isinstance(v, Mapping),
}
"""A test of each JSON type by name, as ``$type`` and JSON Schema name them."""


def json_type(value: object) -> str:
    """The JSON type name of ``value`` (its Python type name if it has none)."""
    found = (t for t, test in JSON_TYPES.items() if test(value))
    return next(found, type(value).__name__)


def json_equal(a: object, b: object) -> bool:
    """Deep equality the JSON way: ``1 == 1.0`` but ``True != 1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) or is_number(b):
        return is_number(a) and is_number(b) and a == b
    if is_array(a) or is_array(b):
        return (
            is_array(a)
            and is_array(b)
            and len(a) == len(b)
            and all(map(json_equal, a, b))
        )
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        return (
            isinstance(a, Mapping)
            and isinstance(b, Mapping)
            and a.keys() == b.keys()
            and all(json_equal(a[k], b[k]) for k in a)
        )
    return a == b
