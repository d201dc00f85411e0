"""What ``fncall.run()`` is given, made canonical: tools, messages and tool choice.

Knows nothing of pytest. Tools may be :class:`~pytest_fncall.results.Tool` objects,
Python functions (described by :func:`~pytest_fncall.python_tools.tool_from_function`,
as ``python:`` tool sources are in specs) or dicts: an OpenAI tool
``{"type": "function", "function": {...}}`` or ``{name, description, parameters}``
(``inputSchema`` / ``input_schema`` also accepted, as in spec files). Every schema is
checked as the loader checks a spec's: a usable JSON Schema of type ``object``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from .errors import FncallError
from .results import Tool

ToolLike: TypeAlias = "Tool | Mapping[str, Any] | Callable[..., Any]"
_CHOICES = ("auto", "required", "none")


class FncallUsageError(FncallError, ValueError):
    """A mistake in how a test calls ``fncall.run()`` or a result's assertions (an
    unknown tool name, a malformed expectation, a tool that cannot be described)."""


def tools_from_values(values: Iterable[ToolLike]) -> tuple[Tool, ...]:
    """The canonical tools of ``values``, in order; names must be unique."""
    if isinstance(values, (str, bytes, Mapping)) or callable(values):
        raise FncallUsageError(
            f"tools= takes a list of tools, got {type(values).__name__}"
        )
    tools: list[Tool] = []
    for index, value in enumerate(values):
        tool = tool_from_value(value, index)
        if any(known.name == tool.name for known in tools):
            raise FncallUsageError(f"tools[{index}]: tool {tool.name!r} is given twice")
        tools.append(tool)
    return tuple(tools)


def tool_from_value(value: ToolLike, index: int = 0) -> Tool:
    where = f"tools[{index}]"
    if isinstance(value, Tool):
        tool = value
    elif isinstance(value, Mapping):
        tool = _tool_from_dict(value, where)
    elif callable(value):
        from .python_tools import tool_from_function  # pydantic's schema machinery
        from .tool_sources import ToolSourceError

        try:
            tool = tool_from_function(value)
        except ToolSourceError as exc:
            raise FncallUsageError(f"{where}: {exc}") from None
    else:
        raise FncallUsageError(
            f"{where}: a tool is a function, a dict or a Tool, not "
            f"{type(value).__name__}"
        )
    _check_schema(tool, where)
    return tool


def _tool_from_dict(entry: Mapping[str, Any], where: str) -> Tool:
    from .tool_sources import ToolSourceError, tool_from_entry

    try:
        return tool_from_entry(entry, where, missing_name="a tool dict needs a 'name'")
    except ToolSourceError as exc:
        raise FncallUsageError(str(exc)) from None


def _check_schema(tool: Tool, where: str) -> None:
    from .validation import arguments_schema_problem  # jsonschema

    problem = arguments_schema_problem(tool.parameters)
    if problem:
        raise FncallUsageError(f"{where} ({tool.name}): {problem}")


def chat_messages(
    prompt: str | None,
    messages: Sequence[Mapping[str, Any]] | None,
    system: str | None,
) -> tuple[dict[str, Any], ...]:
    """The conversation, as a spec case builds it: ``prompt`` or ``messages`` (OpenAI
    format, checked like a spec's), with ``system`` first unless one is there already."""
    if (prompt is None) == (messages is None):
        raise FncallUsageError("give fncall.run() either prompt= or messages=")
    if messages is None:
        if not isinstance(prompt, str):
            raise FncallUsageError(
                f"prompt= must be a string, got {type(prompt).__name__}"
            )
        chat = [{"role": "user", "content": prompt}]
    else:
        chat = [_message(message, index) for index, message in enumerate(messages)]
        if not chat:
            raise FncallUsageError("messages= is empty")
    if system is not None and chat[0]["role"] != "system":
        chat.insert(0, {"role": "system", "content": system})
    return tuple(chat)


def _message(message: Mapping[str, Any], index: int) -> dict[str, Any]:
    from pydantic import ValidationError

    from .spec import Message

    try:
        return Message.model_validate(dict(message)).model_dump(exclude_none=True)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'message'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        )
        raise FncallUsageError(f"messages[{index}]: {problems}") from None
    except TypeError:
        raise FncallUsageError(
            f"messages[{index}]: a message is a dict, not {type(message).__name__}"
        ) from None


def tool_choice_for(
    choice: str | Mapping[str, Any], tools: Sequence[Tool]
) -> str | dict[str, str]:
    """``auto`` | ``required`` | ``none`` | ``{"name": tool}`` (OpenAI's
    ``{"type": "function", "function": {"name": ...}}`` is accepted too)."""
    if isinstance(choice, str):
        if choice not in _CHOICES:
            raise FncallUsageError(
                f"tool_choice={choice!r}: use 'auto', 'required', 'none' or "
                "{'name': tool}"
            )
        return choice
    if isinstance(choice, Mapping):
        named = choice.get("function") if choice.get("type") == "function" else choice
        name = named.get("name") if isinstance(named, Mapping) else None
        if isinstance(name, str):
            offered = [tool.name for tool in tools]
            if name not in offered:
                raise FncallUsageError(
                    f"tool_choice names {name!r}, which is not offered "
                    f"(tools: {', '.join(offered) or 'none'})"
                )
            return {"name": name}
    raise FncallUsageError(
        f"tool_choice={choice!r}: use 'auto', 'required', 'none' or {{'name': tool}}"
    )
