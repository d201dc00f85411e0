"""``ollama/<model>``: Ollama's native chat API (``/api/chat``, no key).

Host: ``--fncall-base-url``, ini ``fncall_base_url``, ``OLLAMA_HOST``, else
``http://localhost:11434``. As in Ollama's own clients, a host without a scheme gets
``http://`` and port 11434; ``0.0.0.0`` (a bind address) means localhost.

Ollama has no ``tool_choice``: ``none`` sends no tools; ``required`` and a named tool
cannot be enforced, so the tools are sent (only the named one for a named choice) and
the model may still answer in text, which the case's expectations then judge.

Messages are OpenAI's, adapted: call arguments are sent as objects, a tool result
carries ``tool_name`` (from the call its ``tool_call_id`` answers, else its ``name``),
content parts become text (``data:`` image URLs go to ``images``). Settings go under
``options`` (``max_tokens`` as ``num_predict``) except Ollama's top-level fields
(``format``, ``keep_alive``, ``think``, ``logprobs``, ``top_logprobs``). Tool names are
sent as written: Ollama does not restrict them. Ollama returns no call ids: calls are
``call_0``, ``call_1``, ... in order.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import httpx

from ..errors import ProviderError
from ..results import ModelTurn, Tool, Usage
from ..settings import Settings
from .base import ERROR_FLAG, ModelRequest, error_text, openai_tool
from .http import HttpPolicy, post_json
from .openai_format import parse_openai_reply
from .redact import secrets_in

DEFAULT_HOST = "http://localhost:11434"
DEFAULT_PORT = 11434
_TOP_LEVEL = frozenset({"format", "keep_alive", "think", "logprobs", "top_logprobs"})
_OPTION_NAMES = {"max_tokens": "num_predict", "max_completion_tokens": "num_predict"}
# set by the request itself, or (parallel_tool_calls) not something Ollama can control
_NOT_SETTINGS = frozenset(
    {"model", "messages", "tools", "tool_choice", "stream", "parallel_tool_calls"}
)


class OllamaProvider:
    name = "ollama"

    def __init__(
        self,
        model: str,
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.model = model
        configured = settings.base_url or settings.environment.get("OLLAMA_HOST")
        self.base_url = ollama_host(configured) if configured else DEFAULT_HOST
        self.secrets = secrets_in(settings.environment)
        self.policy = HttpPolicy(settings.timeout_s, settings.max_retries, transport)

    @property
    def url(self) -> str:
        return f"{self.base_url}/api/chat"

    async def complete(self, request: ModelRequest) -> ModelTurn:
        body = self.body(request)
        reply = await post_json(
            self.name, self.url, body, {}, self.policy, self.secrets, hint=_hint
        )
        turn = self.parse(reply.data)
        return replace(turn, latency_s=reply.latency_s, raw=reply.data)

    def body(self, request: ModelRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": _messages(request.messages),
        }
        tools = _offered(request)
        if tools:
            body["tools"] = [openai_tool(tool) for tool in tools]
        options: dict[str, Any] = {}
        for key, value in request.settings.items():
            if key in _TOP_LEVEL:
                body[key] = value
            elif key == "options" and isinstance(value, Mapping):
                options.update(value)
            elif key == "stop" and isinstance(value, str):
                options["stop"] = [value]
            elif key not in _NOT_SETTINGS:
                options[_OPTION_NAMES.get(key, key)] = value
        if options:
            body["options"] = options
        body["stream"] = False
        return body

    def parse(self, data: Any) -> ModelTurn:
        if not isinstance(data, Mapping) or not isinstance(
            data.get("message"), Mapping
        ):
            raise ProviderError(f"{self.name}: the reply has no 'message' object")
        turn = parse_openai_reply(data["message"], self.name)
        usage = Usage(
            _count(data.get("prompt_eval_count")), _count(data.get("eval_count"))
        )
        reason = data.get("done_reason")
        return ModelTurn(
            turn.text, turn.calls, reason if isinstance(reason, str) else None, usage
        )


def ollama_host(value: str) -> str:
    """A host as ``OLLAMA_HOST`` gives it, as a base URL: ``0.0.0.0`` -> ``http://localhost:11434``."""
    scheme, separator, rest = value.strip().partition("://")
    if not separator:
        scheme, rest = "http", value.strip()
    try:
        parts = urllib.parse.urlsplit(f"{scheme}://{rest}")
        port = parts.port
    except ValueError:
        raise ProviderError(
            f"ollama: host {value!r} is not valid (expected host[:port] or a URL)"
        ) from None
    host = parts.hostname or "localhost"
    host = "localhost" if host in ("0.0.0.0", "::") else host
    host = f"[{host}]" if ":" in host else host
    if port is None and not separator:
        port = DEFAULT_PORT
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + host + (f":{port}" if port else "")
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def _offered(request: ModelRequest) -> Sequence[Tool]:
    choice = request.tool_choice
    if choice == "none":
        return ()
    if isinstance(choice, Mapping):
        return [tool for tool in request.tools if tool.name == choice["name"]]
    return request.tools


def _messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    call_names: dict[str, str] = {}  # call id -> tool name, for the tool results
    result = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        out: dict[str, Any] = {"role": message.get("role")}
        content = message.get("content")
        if message.get(ERROR_FLAG) is True:
            content = error_text(content)
        out.update(_content(content, where))
        if message.get("tool_calls"):
            out["tool_calls"] = [
                _call(call, f"{where}.tool_calls[{number}]", call_names)
                for number, call in enumerate(message["tool_calls"])
            ]
        if message.get("role") == "tool":
            call_id = message.get("tool_call_id")
            name = call_names.get(call_id) if isinstance(call_id, str) else None
            name = name or message.get("name")
            if isinstance(name, str):
                out["tool_name"] = name
        result.append(out)
    return result


def _content(content: Any, where: str) -> dict[str, Any]:
    """``content`` (a string, None or OpenAI content parts) as Ollama's content/images."""
    if content is None or isinstance(content, str):
        return {"content": content or ""}
    texts, images = [], []
    for part in content if isinstance(content, list) else [content]:
        kind = part.get("type") if isinstance(part, Mapping) else None
        image = part.get("image_url") if kind == "image_url" else None
        url = image.get("url") if isinstance(image, Mapping) else image
        if kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif isinstance(url, str) and url.startswith("data:") and "," in url:
            images.append(url.partition(",")[2])
        else:
            raise ProviderError(
                f"ollama: {where}: a content part {kind!r} cannot be sent to Ollama "
                "(text parts and data: image URLs can)"
            )
    return {"content": "\n".join(texts), **({"images": images} if images else {})}


def _call(call: Any, where: str, call_names: dict[str, str]) -> dict[str, Any]:
    function = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
        raise ProviderError(f"ollama: {where} has no function name")
    arguments = function.get("arguments") or {}
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            arguments = None
    if not isinstance(arguments, dict):
        raise ProviderError(
            f"ollama: {where}.function.arguments must be a JSON object (Ollama takes objects)"
        )
    if isinstance(call.get("id"), str):
        call_names[call["id"]] = function["name"]
    return {"function": {"name": function["name"], "arguments": arguments}}


def _hint(status: int, message: str) -> str | None:
    if "does not support tools" in message:
        return "choose a model with tool support (https://ollama.com/search?c=tools)"
    return None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
