"""What every provider receives and returns, and the protocol it implements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..results import ModelTurn, Tool


@dataclass(frozen=True)
class ModelRequest:
    """A provider-neutral request: OpenAI-format messages plus canonical tools."""

    model: str
    case_id: str
    messages: tuple[Mapping[str, Any], ...]
    tools: tuple[Tool, ...]
    tool_choice: str | Mapping[str, str] = "auto"
    settings: Mapping[str, Any] = field(default_factory=dict)
    step: int = 0  # which assistant turn of the trial this request asks for (0-based)

    def to_openai(self) -> dict[str, Any]:
        """The request as an OpenAI Chat Completions body (the ``python`` provider's input)."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [plain_openai_message(message) for message in self.messages],
        }
        if self.tools:
            body["tools"] = [openai_tool(tool) for tool in self.tools]
            choice = self.tool_choice
            body["tool_choice"] = (
                choice
                if isinstance(choice, str)
                else {"type": "function", "function": {"name": choice["name"]}}
            )
        body.update(self.settings)
        return body


def openai_tool(tool: Tool) -> dict[str, Any]:
    """A tool as OpenAI's ``tools`` list (and Ollama's) takes it."""
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


ERROR_FLAG = "is_error"
"""Marks a tool message whose result is a tool execution error (loop mode). Anthropic sends
it as ``tool_result.is_error``; wires without such a flag get the text prefixed instead."""


def plain_openai_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """``message`` as OpenAI accepts it: an errored tool result loses :data:`ERROR_FLAG`
    (OpenAI refuses unknown message keys) and says "Error: ..." in its text instead."""
    plain = dict(message)
    if plain.pop(ERROR_FLAG, False) is True:
        plain["content"] = error_text(plain.get("content"))
    return plain


def error_text(content: Any) -> Any:
    """A tool error's text as a model without an error flag should read it."""
    if isinstance(content, str) and not content.lower().startswith("error"):
        return f"Error: {content}"
    return content


@runtime_checkable
class Provider(Protocol):
    """A model behind some wire format. ``complete`` returns one assistant turn."""

    async def complete(self, request: ModelRequest) -> ModelTurn: ...
