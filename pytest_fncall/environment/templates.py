"""Logic-less templates: ``{{ args.city }}`` in mock results, store operations, messages.

A template names a value by a path: a root (``args``, ``attempt``, ``seq``, and in
store operations ``record`` and ``id``) then keys and list indexes
(``args.items.0.name``). That is the whole language: no filters, no calls, no
attributes. Paths are followed through dicts and lists only, never with ``getattr``,
so ``{{ args.__class__ }}`` is just a key the arguments do not have. Specs cannot run
code through a template; ``py:`` and ``python:`` are the only ways.

A string that is exactly one ``{{ path }}`` becomes the value itself (any JSON type);
in any other string, values are written as text (strings as-is, the rest as JSON).
A path the run does not have (an argument the model left out) gives None, or "" in
text. Templates nest in lists and mappings (values only; keys are literal), and are
compiled once: syntax and root names are checked at collection.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .base import KeyPath, SimulationError, suggest

CALL_ROOTS: Final = ("args", "attempt", "seq")
STORE_ROOTS: Final = (*CALL_ROOTS, "record", "id")

_OPEN = "{{"
_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PATH = re.compile(r"\s*([A-Za-z_]\w*)((?:\.[\w-]+)*)\s*")
_WHOLE = re.compile(r"\{\{[^{}]*\}\}")


class _Missing:
    __slots__ = ()


MISSING: Final = _Missing()
"""A path the values do not have."""

Escape = Callable[[Any], Any]
"""Applied to every value a template puts in place (see :mod:`.conditions`)."""


def has_template(raw: Any) -> bool:
    """Whether any string in ``raw`` (values of mappings and lists) holds ``{{``."""
    if isinstance(raw, str):
        return _OPEN in raw
    if isinstance(raw, Mapping):
        return any(has_template(item) for item in raw.values())
    if isinstance(raw, list):
        return any(has_template(item) for item in raw)
    return False


@dataclass(frozen=True)
class _Path:
    root: str
    keys: tuple[str, ...]

    def lookup(self, values: Mapping[str, Any]) -> Any:
        found = values.get(self.root, MISSING)
        for key in self.keys:
            if isinstance(found, dict):
                found = found.get(key, MISSING)
            elif isinstance(found, list) and key.isdigit() and int(key) < len(found):
                found = found[int(key)]
            else:
                return MISSING
        return found


@dataclass(frozen=True)
class Template:
    """A compiled template; ``render`` fills it from one call's values."""

    _node: Any
    static: bool

    def render(self, values: Mapping[str, Any], escape: Escape | None = None) -> Any:
        """The value with every path filled in, as a fresh copy."""
        return _render(self._node, values, escape)


@dataclass(frozen=True)
class _Const:
    value: Any


@dataclass(frozen=True)
class _Text:
    parts: tuple[str | _Path, ...]


def compile_template(
    raw: Any, location: KeyPath, roots: Sequence[str] = CALL_ROOTS
) -> Template:
    """Compile a spec value; a syntax mistake or an unknown root is a SimulationError
    at the string's location."""
    return Template(_compile(raw, location, roots), not has_template(raw))


def constant(value: Any) -> Template:
    """A value sent as-is, ``{{`` and all (a ``return_file``'s content)."""
    return Template(_Const(value), True)


def _compile(raw: Any, location: KeyPath, roots: Sequence[str]) -> Any:
    if isinstance(raw, str):
        return _compile_text(raw, location, roots) if _OPEN in raw else _Const(raw)
    if isinstance(raw, Mapping) and has_template(raw):
        return {
            key: _compile(item, (*location, key), roots) for key, item in raw.items()
        }
    if isinstance(raw, list) and has_template(raw):
        return [_compile(item, (*location, i), roots) for i, item in enumerate(raw)]
    return _Const(raw)


def _compile_text(text: str, location: KeyPath, roots: Sequence[str]) -> Any:
    parts: list[str | _Path] = []
    end = 0
    for found in _EXPRESSION.finditer(text):
        parts.append(text[end : found.start()])
        parts.append(_compile_path(found.group(1), location, roots))
        end = found.end()
    rest = text[end:]
    if _OPEN in rest or any(_OPEN in part for part in parts if isinstance(part, str)):
        raise SimulationError(
            location, f"template {_clip(text)!r}: '{{{{' without a closing '}}}}'"
        )
    parts.append(rest)
    if _WHOLE.fullmatch(text):
        return parts[1]  # exactly one {{ path }}: the value itself
    return _Text(tuple(part for part in parts if part != ""))


def _compile_path(expression: str, location: KeyPath, roots: Sequence[str]) -> _Path:
    found = _PATH.fullmatch(expression)
    if found is None:
        raise SimulationError(
            location,
            f"template '{{{{{_clip(expression)}}}}}': write a name and keys, such as "
            "{{ args.city }} or {{ args.items.0 }} (no filters, calls or operators)",
        )
    root, keys = found.group(1), found.group(2)
    if root not in roots:
        raise SimulationError(
            location,
            f"template: unknown name {root!r}{suggest(root, roots)}; "
            f"available here: {', '.join(roots)}",
        )
    return _Path(root, tuple(keys.split(".")[1:]))


def _render(node: Any, values: Mapping[str, Any], escape: Escape | None) -> Any:
    if isinstance(node, _Const):
        value = node.value
        return copy.deepcopy(value) if isinstance(value, (dict, list)) else value
    if isinstance(node, _Path):
        found = node.lookup(values)
        value = None if found is MISSING else copy.deepcopy(found)
        return escape(value) if escape else value
    if isinstance(node, _Text):
        text = "".join(
            part if isinstance(part, str) else _as_text(part.lookup(values))
            for part in node.parts
        )
        return escape(text) if escape else text
    if isinstance(node, dict):
        return {key: _render(item, values, escape) for key, item in node.items()}
    return [_render(item, values, escape) for item in node]


def _as_text(value: Any) -> str:
    if value is MISSING:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
