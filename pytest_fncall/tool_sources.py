"""Tools from files: OpenAI tools arrays, Anthropic tool lists, MCP ``tools/list`` results.

Also the per-source options shared by ``file:`` and ``python:`` entries: ``only`` (keep
the tools matching these globs) and ``rename`` (``{old: new}``), see :func:`select_tools`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Final

from .results import Tool
from .yamlfile import YamlProblem, parse_yaml, read_limited, shape_problem

EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}
ALLOW_OUTSIDE_ROOT_OPTION: Final = "fncall_allow_outside_root"
_SCHEMA_KEYS = ("parameters", "inputSchema", "input_schema")


class ToolSourceError(Exception):
    """A tool source that cannot be used; the message names the file and the entry.

    ``key`` locates the mistake inside the source's entry in the spec (``("only", 0)``,
    ``("rename", "old")``); empty when it is the source key itself (``file``,
    ``python``).
    """

    def __init__(self, message: str, key: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.key = key


def tools_from_file(path: Path, root: Path | None = None) -> list[Tool]:
    """Every tool in ``path`` (JSON or YAML), in file order.

    With ``root`` (the project), a file that is outside it, through ``..``, an absolute
    path or a symlink, is refused.
    """
    if root is not None:
        _check_inside(path, root)
    try:
        raw = read_limited(path)
    except FileNotFoundError:
        raise ToolSourceError(f"tools file not found: {path}") from None
    except YamlProblem as exc:  # too large, not a regular file
        raise ToolSourceError(f"cannot read tools file {path}: {exc.message}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise ToolSourceError(f"cannot read tools file {path}: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ToolSourceError(f"cannot read tools file {path}: {exc}") from None
    try:
        if path.suffix == ".json":
            data = json.loads(text, object_pairs_hook=_unique_keys)
            problem = shape_problem(data)
            if problem:
                raise ToolSourceError(f"{path.name}: {problem}")
        else:
            data = parse_yaml(text).data
    except _DuplicateKey as exc:
        raise ToolSourceError(f"{path.name}: duplicate key {exc.key!r}") from None
    except ValueError as exc:
        raise ToolSourceError(f"{path.name}: invalid JSON: {exc}") from None
    except RecursionError:
        raise ToolSourceError(f"{path.name}: nested too deeply") from None
    except YamlProblem as exc:
        where = f"{path.name}:{exc.line}" if exc.line else path.name
        raise ToolSourceError(f"{where}: {exc.message}") from None
    return [
        _tool(entry, path, index) for index, entry in enumerate(_entries(data, path))
    ]


def _check_inside(path: Path, root: Path) -> None:
    try:
        resolved = path.resolve()
        base = root.resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL byte
        raise ToolSourceError(f"cannot read tools file {path}: {exc}") from None
    if resolved.is_relative_to(base):
        return
    written = Path(os.path.normpath(path))
    how = (
        f"leads through a symlink to {resolved}, which is"
        if written.is_relative_to(base) or written.is_relative_to(root)
        else "is"
    )
    raise ToolSourceError(
        f"tools file {written} {how} outside the project root {root}; files outside "
        f"the root are refused unless the ini option {ALLOW_OUTSIDE_ROOT_OPTION} is "
        "true"
    )


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise _DuplicateKey(key)
        mapping[key] = value
    return mapping


def _entries(data: Any, path: Path) -> list[Any]:
    if isinstance(data, dict):
        if isinstance(data.get("result"), dict):  # a JSON-RPC response to tools/list
            data = data["result"]
        if "tools" in data:
            data = data["tools"]
        else:
            return [data]  # one tool
    if not isinstance(data, list):
        raise ToolSourceError(
            f"{path.name}: expected a list of tools, an object with 'tools', or one tool; "
            f"got {type(data).__name__}"
        )
    return data


def _tool(entry: Any, path: Path, index: int) -> Tool:
    where = f"{path.name}: tool #{index + 1}"
    if not isinstance(entry, dict):
        raise ToolSourceError(
            f"{where}: expected an object, got {type(entry).__name__}"
        )
    return tool_from_entry(entry, where)


def tool_from_entry(
    entry: Mapping[str, Any], where: str, missing_name: str = "missing 'name'"
) -> Tool:
    """One tool written as a mapping: an OpenAI ``{"type": "function", "function":
    {...}}``, or ``{name, description, parameters | inputSchema | input_schema}``
    (Anthropic, MCP). Mistakes raise :class:`ToolSourceError` starting with ``where``."""
    function = entry.get("function")
    if entry.get("type") == "function" and isinstance(function, Mapping):
        entry = function  # OpenAI {"type": "function", "function": {...}}
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise ToolSourceError(f"{where}: {missing_name}")
    schemas = [entry[key] for key in _SCHEMA_KEYS if key in entry]
    if len(schemas) > 1:
        raise ToolSourceError(
            f"{where} ({name}): give one of {', '.join(_SCHEMA_KEYS)}"
        )
    parameters = schemas[0] if schemas else EMPTY_PARAMETERS
    if not isinstance(parameters, Mapping):
        raise ToolSourceError(f"{where} ({name}): the schema must be an object")
    description = entry.get("description") or ""
    if not isinstance(description, str):
        raise ToolSourceError(f"{where} ({name}): 'description' must be a string")
    return Tool(name=name, description=description, parameters=dict(parameters))


def select_tools(
    tools: Sequence[Tool],
    only: Sequence[str] | None = None,
    rename: Mapping[str, str] | None = None,
) -> list[Tool]:
    """``tools`` cut down to those matching an ``only`` glob, then renamed.

    Every ``only`` glob must match a tool; every ``rename`` key must name a kept tool, and
    no new name may be another kept tool's (or another new) name. A mistake raises
    :class:`ToolSourceError` whose ``key`` points at it.
    """
    names = [tool.name for tool in tools]
    kept = list(tools)
    if only is not None:
        for index, glob in enumerate(only):
            if not any(fnmatchcase(name, glob) for name in names):
                raise ToolSourceError(
                    f"{glob!r} matches no tool of this source (tools: {_listed(names)})",
                    key=("only", index),
                )
        kept = [t for t in tools if any(fnmatchcase(t.name, g) for g in only)]
    if not rename:
        return kept
    kept_names = [tool.name for tool in kept]
    for old, new in rename.items():
        if old not in kept_names:
            where = "kept by 'only'" if old in names else "of this source"
            raise ToolSourceError(
                f"{old!r} is not a tool {where} (tools: {_listed(kept_names)})",
                key=("rename", old),
            )
        others = [n for n in kept_names if n != old and n not in rename]
        if new in others:
            raise ToolSourceError(
                f"cannot rename {old!r} to {new!r}: this source has a tool {new!r}",
                key=("rename", old),
            )
        if new != old and list(rename.values()).count(new) > 1:
            raise ToolSourceError(
                f"cannot rename {old!r} to {new!r}: another tool is renamed to {new!r}",
                key=("rename", old),
            )
    return [Tool(rename.get(t.name, t.name), t.description, t.parameters) for t in kept]


def _listed(names: Sequence[str], limit: int = 20) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}, ... ({len(names)} in all)"
