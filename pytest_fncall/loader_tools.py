"""The ``tools:`` of a spec: inline tools, ``file:`` dumps and ``python:`` functions,
each checked (schema valid, type object, no name twice) and in canonical form."""

from __future__ import annotations

from pathlib import Path

from . import spec
from .errors import SpecProblem
from .python_tools import tools_from_python
from .results import Tool
from .spec_problems import problem as _problem
from .tool_sources import (
    EMPTY_PARAMETERS,
    ToolSourceError,
    select_tools,
    tools_from_file,
)
from .validation import schema_problem
from .yamlfile import KeyPath, YamlDocument


def load_tools(
    path: Path,
    document: YamlDocument,
    parsed: spec.Spec,
    problems: list[SpecProblem],
    root: Path | None,
) -> list[Tool]:
    tools: dict[str, Tool] = {}
    for index, source in enumerate(parsed.tools):
        where: KeyPath = ("tools", index)
        if source.file is not None or source.python is not None:
            source_key = "file" if source.file is not None else "python"
            try:
                if source.file is not None:
                    loaded = tools_from_file(path.parent / source.file, root)
                else:
                    assert source.python is not None
                    loaded = tools_from_python(
                        source.python,
                        include=source.include,
                        exclude=source.exclude,
                        root=root,
                    )
                loaded = select_tools(loaded, source.only, source.rename)
            except ToolSourceError as exc:
                location = (*where, *(exc.key or (source_key,)))
                problems.append(_problem(path, document, location, str(exc)))
                continue
            schema_key: KeyPath = (*where, source_key)
        else:
            assert source.name is not None  # checked by the model
            parameters = source.parameters
            loaded = [
                Tool(
                    source.name,
                    source.description or "",
                    parameters or EMPTY_PARAMETERS,
                )
            ]
            keys = ("parameters", "inputSchema", "input_schema")
            given = [k for k in keys if k in document.data["tools"][index]]
            schema_key = (*where, given[0]) if given else where
        for tool in loaded:
            problem = schema_problem(tool.parameters)
            if problem is None and tool.parameters.get("type", "object") != "object":
                problem = "the arguments schema must have type 'object'"
            if problem:
                problems.append(
                    _problem(path, document, schema_key, f"{tool.name}: {problem}")
                )
            elif tool.name in tools:
                problems.append(
                    _problem(
                        path, document, where, f"tool {tool.name!r} is declared twice"
                    )
                )
            else:
                tools[tool.name] = tool
    return list(tools.values())
