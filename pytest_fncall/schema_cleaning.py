"""Tidying pydantic's JSON Schema of a tool's arguments: :func:`clean_schema`.

``title`` keywords (pydantic's noise) and OpenAPI ``discriminator`` objects are removed;
``$defs`` are inlined, except those that refer to themselves (recursive models), which
stay in ``$defs``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, Final

from .schema_keywords import ONE_SCHEMA, SCHEMA_LISTS, SCHEMA_MAPS

__all__ = ["clean_schema"]

_DEFS_PREFIX: Final = "#/$defs/"
_FIRST_KEYS: Final = ("type", "description")


def clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` without ``title`` keywords, with every non-recursive ``$defs`` entry
    inlined where it is referred to (its ``$ref`` siblings, such as a parameter's
    description, win), and without pydantic's OpenAPI ``discriminator``."""
    schema = copy.deepcopy(schema)
    defs: dict[str, Any] = schema.pop("$defs", {})
    recursive = _recursive_defs(defs)
    inlined: dict[str, Any] = _inline(schema, defs, recursive)
    kept = {
        name: _inline(defs[name], defs, recursive) for name in defs if name in recursive
    }
    if kept:
        inlined["$defs"] = kept
    return inlined


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX):
            yield ref[len(_DEFS_PREFIX) :]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _recursive_defs(defs: dict[str, Any]) -> set[str]:
    edges = {name: set(_refs(schema)) for name, schema in defs.items()}
    recursive = set()
    for start in defs:
        stack, seen = list(edges[start]), set()
        while stack:
            name = stack.pop()
            if name == start:
                recursive.add(start)
                break
            if name in seen or name not in edges:
                continue
            seen.add(name)
            stack.extend(edges[name])
    return recursive


def _inline(node: Any, defs: dict[str, Any], recursive: set[str]) -> Any:
    """A copy of schema ``node``: titles dropped, references to non-recursive defs
    replaced by the definition."""
    if isinstance(node, bool) or not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX):
        name = ref[len(_DEFS_PREFIX) :]
        if name in defs and name not in recursive:
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return _inline({**defs[name], **siblings}, defs, recursive)
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" or (key == "discriminator" and isinstance(value, dict)):
            continue
        if key in ONE_SCHEMA or (key == "items" and isinstance(value, dict)):
            result[key] = _inline(value, defs, recursive)
        elif key in SCHEMA_LISTS or (key == "items" and isinstance(value, list)):
            result[key] = [_inline(item, defs, recursive) for item in value]
        elif key in SCHEMA_MAPS and isinstance(value, dict):
            result[key] = {k: _inline(v, defs, recursive) for k, v in value.items()}
        else:
            result[key] = value
    first = [key for key in _FIRST_KEYS if key in result]  # {type, description, ...}
    return {**{key: result[key] for key in first}, **result}
