"""``anthropic/<model>``: the Anthropic Messages API.

Base URL (as in the official SDK, the host without ``/v1``): ``--fncall-base-url``, ini
``fncall_base_url``, ``ANTHROPIC_BASE_URL``, else ``https://api.anthropic.com``. Key:
``ANTHROPIC_API_KEY``, optional for other servers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..errors import ProviderError
from ..results import MAX_CALLS_PER_TURN, ModelTurn, ToolCall, Usage
from .base import ModelRequest
from .http import post_json
from .http_keyed import KeyedHttpProvider
from .names import ToolNames
from .openai_format import too_many_calls

PUBLIC_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 1024
# OpenAI settings the Messages API rejects as unknown fields.
_DROPPED_SETTINGS = frozenset(
    {"seed", "parallel_tool_calls", "frequency_penalty", "presence_penalty"}
    | {"response_format", "n", "max_completion_tokens"}
)
_CHOICES = {"auto": "auto", "required": "any", "none": "none"}


class AnthropicProvider(KeyedHttpProvider):
    name = "anthropic"
    key_variable = "ANTHROPIC_API_KEY"
    base_url_variable = "ANTHROPIC_BASE_URL"
    public_base_url = PUBLIC_BASE_URL

    @property
    def url(self) -> str:
        return f"{self.base_url}/v1/messages"

    def headers(self) -> dict[str, str]:
        headers = {"anthropic-version": API_VERSION, "content-type": "application/json"}
        if self.key:
            headers["x-api-key"] = self.key
        return headers

    async def complete(self, request: ModelRequest) -> ModelTurn:
        names = ToolNames((tool.name for tool in request.tools), limit=64)
        reply = await post_json(
            self.name,
            self.url,
            self.body(request, names),
            self.headers(),
            self.policy,
            secrets=self.secrets,
            hint=self._hint,
        )
        turn = self.parse(reply.data, names)
        return replace(turn, latency_s=reply.latency_s, raw=reply.data)

    def body(self, request: ModelRequest, names: ToolNames) -> dict[str, Any]:
        """The request body; settings pass through, less the OpenAI-only ones."""
        settings = dict(request.settings)
        max_tokens = settings.pop("max_tokens", settings.get("max_completion_tokens"))
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": DEFAULT_MAX_TOKENS if max_tokens is None else max_tokens,
        }
        system = [
            _text(m, i)
            for i, m in enumerate(request.messages)
            if m.get("role") == "system"
        ]
        if system:
            body["system"] = "\n\n".join(system)
        body["messages"] = _messages(request.messages, names)
        if request.tools:
            body["tools"] = [
                {
                    "name": names.outgoing(tool.name),
                    "description": tool.description,
                    "input_schema": tool.parameters,
                }
                for tool in request.tools
            ]
            body["tool_choice"] = _tool_choice(request.tool_choice, names)
        stop = settings.pop("stop", None)
        if stop is not None and "stop_sequences" not in settings:
            settings["stop_sequences"] = [stop] if isinstance(stop, str) else stop
        body.update((k, v) for k, v in settings.items() if k not in _DROPPED_SETTINGS)
        return body

    def parse(self, data: Any, names: ToolNames) -> ModelTurn:
        """A Messages API response as a turn; an unreadable shape is a ProviderError."""
        content = data.get("content") if isinstance(data, Mapping) else None
        if not isinstance(content, list):
            raise ProviderError(f"{self.name}: the response has no 'content' list")
        uses = sum(
            1
            for block in content
            if isinstance(block, Mapping) and block.get("type") == "tool_use"
        )
        if uses > MAX_CALLS_PER_TURN:
            raise ProviderError(too_many_calls(self.name, uses))
        texts: list[str] = []
        calls: list[ToolCall] = []
        for index, block in enumerate(content):
            where = f"{self.name}: content[{index}]"
            kind = block.get("type") if isinstance(block, Mapping) else None
            if not isinstance(kind, str):
                raise ProviderError(f"{where} is not a block with a 'type'")
            if kind == "text":
                if not isinstance(block.get("text"), str):
                    raise ProviderError(f"{where} is a text block without 'text'")
                texts.append(block["text"])
            elif kind == "tool_use":
                calls.append(_call(block, where, index, names))
            # other block types (thinking, redacted_thinking, ...) say nothing we check
        stop_reason = data.get("stop_reason")
        return ModelTurn(
            "".join(texts) if texts else None,
            tuple(calls),
            stop_reason if isinstance(stop_reason, str) else None,
            _usage(data.get("usage")),
        )

    def _hint(self, status: int, message: str) -> str | None:
        if status == 404 and self.base_url.endswith("/v1"):
            return "the Anthropic base URL is the host alone; drop the trailing /v1"
        return None


def _call(block: Any, where: str, index: int, names: ToolNames) -> ToolCall:
    """A ``tool_use`` block as a call; an input that is not an object stays malformed."""
    name = block.get("name")
    if not isinstance(name, str) or not name:
        raise ProviderError(f"{where} is a tool_use block without a 'name'")
    call_id = block.get("id")
    call_id = call_id if isinstance(call_id, str) and call_id else f"toolu_{index}"
    arguments = block.get("input")
    if isinstance(arguments, str):  # a JSON string, not an object: keep it as one
        arguments = json.dumps(arguments)
    return ToolCall.from_model_arguments(call_id, names.incoming(name), arguments)


def _messages(
    messages: Sequence[Mapping[str, Any]], names: ToolNames
) -> list[dict[str, Any]]:
    """OpenAI-format history as alternating Anthropic messages (system left out)."""
    turns: list[tuple[str, list[dict[str, Any]]]] = []
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "system":
            continue
        if role == "user":
            blocks = _text_blocks(message, index)
        elif role == "assistant":
            blocks = _text_blocks(message, index)
            calls = message.get("tool_calls") or ()
            blocks += [_tool_use(call, index, names) for call in calls]
        elif role == "tool":
            result = {"type": "tool_result", "tool_use_id": message.get("tool_call_id")}
            result["content"] = _text(message, index)
            if message.get("is_error") is True:
                result["is_error"] = True
            role, blocks = "user", [result]
        else:
            raise ProviderError(f"anthropic: messages[{index}]: unknown role {role!r}")
        if not blocks:
            continue  # an empty message says nothing, and the API rejects it
        if turns and turns[-1][0] == role:
            turns[-1][1].extend(blocks)
        else:
            turns.append((role, blocks))
    return [
        # a lone text block goes as a plain string, the API's short form
        {
            "role": role,
            "content": b[0]["text"] if len(b) == 1 and b[0]["type"] == "text" else b,
        }
        for role, b in turns
    ]


def _text(message: Mapping[str, Any], index: int) -> str:
    """The text of a message whose content is a string, text parts or null."""
    return "".join(block["text"] for block in _text_blocks(message, index))


def _text_blocks(message: Mapping[str, Any], index: int) -> list[dict[str, Any]]:
    content = message.get("content")
    if content is None or content == "":
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list) and all(
        isinstance(p, Mapping)
        and p.get("type") == "text"
        and isinstance(p.get("text"), str)
        for p in content
    ):
        return [{"type": "text", "text": p["text"]} for p in content if p["text"]]
    raise ProviderError(
        f"anthropic: messages[{index}] content must be a string or a list of text parts"
    )


def _tool_use(call: Any, index: int, names: ToolNames) -> dict[str, Any]:
    """An OpenAI ``tool_calls`` item of the history as a ``tool_use`` block."""
    where = f"anthropic: messages[{index}]"
    function: Any = call.get("function") if isinstance(call, Mapping) else None
    name = function.get("name") if isinstance(function, Mapping) else None
    if not isinstance(name, str):
        raise ProviderError(f"{where} has a tool call without a function name")
    arguments = function.get("arguments") or {}
    try:
        parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
    except ValueError:
        parsed = None
    if not isinstance(parsed, Mapping):
        raise ProviderError(f"{where}: arguments of {name!r} are not a JSON object")
    return {
        "type": "tool_use",
        "id": call.get("id"),
        "name": names.outgoing(name),
        "input": dict(parsed),
    }


def _tool_choice(choice: str | Mapping[str, str], names: ToolNames) -> dict[str, str]:
    if isinstance(choice, str):
        if choice not in _CHOICES:
            raise ProviderError(f"anthropic: unknown tool_choice {choice!r}")
        return {"type": _CHOICES[choice]}
    return {"type": "tool", "name": names.outgoing(choice["name"])}


def _usage(raw: Any) -> Usage:
    """Tokens in (cached ones included, as OpenAI counts them) and out."""
    counts = dict(raw) if isinstance(raw, Mapping) else {}
    counts = {key: value for key, value in counts.items() if isinstance(value, int)}
    inputs = counts.get("input_tokens")
    if inputs is not None:
        inputs += sum(
            counts.get(f"cache_{k}_input_tokens", 0) for k in ("read", "creation")
        )
    return Usage(inputs, counts.get("output_tokens"))
