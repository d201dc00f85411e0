"""``openai/<model>``: OpenAI Chat Completions, and any server that speaks it.

Base URL (as in the official SDK, it includes ``/v1``): ``--fncall-base-url``, ini
``fncall_base_url``, ``OPENAI_BASE_URL``, else ``https://api.openai.com/v1``. Key:
``OPENAI_API_KEY``, optional for other servers (llama.cpp, vLLM, LM Studio, ...).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..results import ModelTurn, ToolCall
from .base import ModelRequest
from .http import post_json
from .http_keyed import KeyedHttpProvider
from .names import ToolNames
from .openai_format import parse_openai_reply

PUBLIC_BASE_URL = "https://api.openai.com/v1"


class OpenAIProvider(KeyedHttpProvider):
    name = "openai"
    key_variable = "OPENAI_API_KEY"
    base_url_variable = "OPENAI_BASE_URL"
    public_base_url = PUBLIC_BASE_URL

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    async def complete(self, request: ModelRequest) -> ModelTurn:
        names = ToolNames(tool.name for tool in request.tools)
        body = self.body(request, names)
        reply = await post_json(
            self.name,
            self.url,
            body,
            self.headers(),
            self.policy,
            secrets=self.secrets,
            hint=self._hint(body),
        )
        turn = self.parse(reply.data, names)
        return replace(turn, latency_s=reply.latency_s, raw=reply.data)

    def body(self, request: ModelRequest, names: ToolNames) -> dict[str, Any]:
        body = request.to_openai()
        body["model"] = self.model
        for tool in body.get("tools", []):
            tool["function"]["name"] = names.outgoing(tool["function"]["name"])
        choice = body.get("tool_choice")
        if isinstance(choice, dict):
            choice["function"]["name"] = names.outgoing(choice["function"]["name"])
        body["messages"] = [_outgoing_message(m, names) for m in body["messages"]]
        return body

    def parse(self, data: Any, names: ToolNames) -> ModelTurn:
        turn = parse_openai_reply(data, self.name)
        calls = tuple(
            ToolCall(
                c.id,
                names.incoming(c.name),
                c.arguments,
                c.raw_arguments,
                c.parse_error,
            )
            for c in turn.calls
        )
        return ModelTurn(turn.text, calls, turn.finish_reason, turn.usage)

    def _hint(self, body: dict[str, Any]) -> Any:
        def hint(status: int, message: str) -> str | None:
            if status >= 500 and body.get("tool_choice") == "required":
                return (
                    "some OpenAI-compatible servers (llama.cpp) answer 5xx to "
                    "tool_choice 'required'; try 'auto' or a named tool"
                )
            return None

        return hint


def _outgoing_message(message: dict[str, Any], names: ToolNames) -> dict[str, Any]:
    message = dict(message)
    if message.get("role") == "assistant":
        if message.get("content") is None:
            message["content"] = ""  # llama.cpp answers 500 to null content
        if message.get("tool_calls"):
            message["tool_calls"] = [
                _renamed_call(c, names) for c in message["tool_calls"]
            ]
    return message


def _renamed_call(call: dict[str, Any], names: ToolNames) -> dict[str, Any]:
    function = dict(call.get("function") or {})
    if isinstance(function.get("name"), str):
        function["name"] = names.outgoing(function["name"])
    return {**call, "function": function}
