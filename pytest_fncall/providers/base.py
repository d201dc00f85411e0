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
            "messages": [dict(message) for message in self.messages],
        }
        if self.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": tool.parameters,
                    },
                }
                for tool in self.tools
            ]
            choice = self.tool_choice
            body["tool_choice"] = (
                choice
                if isinstance(choice, str)
                else {"type": "function", "function": {"name": choice["name"]}}
            )
        body.update(self.settings)
        return body


@runtime_checkable
class Provider(Protocol):
    """A model behind some wire format. ``complete`` returns one assistant turn."""

    async def complete(self, request: ModelRequest) -> ModelTurn: ...
