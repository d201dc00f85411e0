"""Tools from files: OpenAI tools arrays, Anthropic tool lists, MCP ``tools/list`` results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .results import Tool
from .yamlfile import YamlProblem, parse_yaml

EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}
_SCHEMA_KEYS = ("parameters", "inputSchema", "input_schema")


class ToolSourceError(Exception):
    """A tools file that cannot be read; the message names the file and the entry."""


def tools_from_file(path: Path) -> list[Tool]:
    """Every tool in ``path`` (JSON or YAML), in file order."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ToolSourceError(f"tools file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ToolSourceError(f"cannot read tools file {path}: {exc}") from None
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            data = parse_yaml(text).data
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
    if entry.get("type") == "function" and isinstance(entry.get("function"), dict):
        entry = entry["function"]  # OpenAI {"type": "function", "function": {...}}
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise ToolSourceError(f"{where}: missing 'name'")
    schemas = [entry[key] for key in _SCHEMA_KEYS if key in entry]
    if len(schemas) > 1:
        raise ToolSourceError(
            f"{where} ({name}): give one of {', '.join(_SCHEMA_KEYS)}"
        )
    parameters = schemas[0] if schemas else EMPTY_PARAMETERS
    if not isinstance(parameters, dict):
        raise ToolSourceError(f"{where} ({name}): the schema must be an object")
    description = entry.get("description") or ""
    if not isinstance(description, str):
        raise ToolSourceError(f"{where} ({name}): 'description' must be a string")
    return Tool(name=name, description=description, parameters=parameters)
