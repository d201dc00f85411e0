"""Spec problems with their place: pydantic's errors mapped to the YAML, key paths shown
the way users read them (``cases.weather.expect.calls[0].args``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from . import spec
from .errors import SpecProblem
from .yamlfile import KeyPath, YamlDocument

# When a union (e.g. `repeat: 5 | {n: 5, ...}`) is given a mapping, its scalar members'
# complaints ("Input should be a valid integer") only hide the mapping member's message.
_SCALAR_TYPE_ERRORS = {
    "int_type",
    "float_type",
    "bool_type",
    "string_type",
    "literal_error",
}


def pydantic_problems(
    path: Path, document: YamlDocument, error: ValidationError
) -> list[SpecProblem]:
    by_location: dict[KeyPath, list[str]] = {}
    mappings_refused: set[KeyPath] = set()  # a union member refused a mapping: noise
    for item in error.errors(include_url=False):
        loc = item["loc"]
        if item["type"] in ("unknown_key", "not_supported"):
            loc = (*loc, item["ctx"]["key"])
        location = _data_location(document.data, loc, item["type"] == "missing")
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "string_pattern_mismatch":
            message = (
                f"{item['input']!r} may hold only letters, digits, '_', '.' and '-'"
            )
        if item["type"] in _SCALAR_TYPE_ERRORS and isinstance(item["input"], dict):
            mappings_refused.add(location)
            by_location.setdefault(location, [])
            continue
        messages = by_location.setdefault(location, [])
        if message not in messages:
            messages.append(message)
    for location in mappings_refused:
        if not by_location[location]:
            by_location[location].append("this mapping is not allowed here")
    # A union reports each member's complaint; keep the most specific ones.
    specific = [
        location
        for location in by_location
        if not any(other[: len(location)] == location != other for other in by_location)
    ]
    return [
        problem(path, document, location, " or ".join(by_location[location]))
        for location in specific
    ]


def _data_location(data: Any, loc: tuple[str | int, ...], missing: bool) -> KeyPath:
    """Follow pydantic's error location through the data, dropping union member tags;
    a ``missing`` key is named even though the data does not have it."""
    location: list[str | int] = []
    current = data
    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(current, dict) and isinstance(part, str):
            if part in current:
                location.append(part)
                current = current[part]
            elif last and missing:
                location.append(part)
        elif (
            isinstance(current, list) and isinstance(part, int) and part < len(current)
        ):
            location.append(part)
            current = current[part]
    return tuple(location)


def problem(
    path: Path, document: YamlDocument, location: KeyPath, message: str
) -> SpecProblem:
    return SpecProblem(
        path, document.line_of(location), display(location, document.data), message
    )


def display(location: KeyPath, data: Any) -> str:
    """``cases.weather.expect.calls[0].args``: cases by id, other list items by index."""
    text = ""
    current = data
    for part in location:
        if isinstance(part, int):
            case_id = (
                current[part].get("id") if _is_case_list(text, current, part) else None
            )
            shown = isinstance(case_id, str) and re.fullmatch(
                spec.CASE_ID_PATTERN, case_id
            )
            text += f".{case_id}" if shown else f"[{part}]"
        else:
            text += f".{part}" if text else part
        current = _child(current, part)
    if len(location) > _SHOWN_PARTS:  # a path 64 levels deep: its start and its end
        tail = display(location[-2:], None).lstrip(".")
        hidden = len(location) - _SHOWN_PARTS - 2
        head = display(location[:_SHOWN_PARTS], data)
        return f"{head}<{hidden} more>{'' if tail.startswith('[') else '.'}{tail}"
    return text


_SHOWN_PARTS: Final = 10


def _is_case_list(text: str, current: Any, index: int) -> bool:
    return (
        text == "cases"
        and isinstance(current, list)
        and index < len(current)
        and isinstance(current[index], dict)
    )


def _child(current: Any, part: str | int) -> Any:
    if isinstance(current, dict) and isinstance(part, str):
        return current.get(part)
    if isinstance(current, list) and isinstance(part, int) and part < len(current):
        return current[part]
    return None
