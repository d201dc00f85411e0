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
from .validation import arguments_schema_problem
from .yamlfile import KeyPath, YamlDocument


def tools_of_source(
    source: spec.ToolSource, spec_dir: Path, root: Path | None
) -> list[Tool]:
    """The tools of one ``tools:`` entry (inline, ``file:`` or ``python:``, then
    ``only`` / ``rename``); a bad source raises :class:`ToolSourceError` whose ``key``
    (inside the entry) says where. Schemas are not checked here."""
    if source.file is None and source.python is None:
        assert source.name is not None  # checked by the model
        parameters = source.parameters or EMPTY_PARAMETERS
        return [Tool(source.name, source.description or "", parameters)]
    try:
        if source.file is not None:
            loaded = tools_from_file(spec_dir / source.file, root)
        else:
            assert source.python is not None
            loaded = tools_from_python(
                source.python, include=source.include, exclude=source.exclude, root=root
            )
        return select_tools(loaded, source.only, source.rename)
    except ToolSourceError as exc:
        if not exc.key:
            exc.key = ("file" if source.file is not None else "python",)
        raise


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
        try:
            loaded = tools_of_source(source, path.parent, root)
        except ToolSourceError as exc:
            location = (*where, *(exc.key or ()))
            problems.append(_problem(path, document, location, str(exc)))
            continue
        if source.file is not None or source.python is not None:
            schema_key: KeyPath = (*where, "file" if source.file else "python")
        else:
            keys = ("parameters", "inputSchema", "input_schema")
            given = [k for k in keys if k in document.data["tools"][index]]
            schema_key = (*where, given[0]) if given else where
        for tool in loaded:
            problem = arguments_schema_problem(tool.parameters)
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
