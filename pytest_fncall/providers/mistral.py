"""``mistral/<model>``: Mistral's Chat Completions API (``/v1/chat/completions``).

Base URL (the host, as ``server_url`` in Mistral's SDK): ``--fncall-base-url``, ini
``fncall_base_url``, ``MISTRAL_BASE_URL``, else ``https://api.mistral.ai``; a trailing
``/v1`` is tolerated. Key: ``MISTRAL_API_KEY``, optional for other servers.

The wire format is OpenAI's with these differences, handled here:

- ``tool_choice`` ``required`` is sent as Mistral's ``any``;
- call ids in the history must be 9 characters ``[a-zA-Z0-9]``: other ids are replaced
  by a stable hash of the id, the same in the assistant call and in its tool result;
- settings: ``seed`` is sent as ``random_seed``, ``max_completion_tokens`` as
  ``max_tokens``; OpenAI-only bookkeeping (``user``, ``store``, ``metadata``,
  ``service_tier``) is dropped; ``parallel_tool_calls`` is Mistral's too and passes;
- reply ``content`` may be a list of chunks (reasoning models): its text chunks are kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from ..results import ModelTurn
from .base import ModelRequest
from .names import ToolNames
from .openai import OpenAIProvider

PUBLIC_BASE_URL = "https://api.mistral.ai"
MISTRAL_ID = re.compile(r"^[a-zA-Z0-9]{9}$")
_RENAMED_SETTINGS = {"seed": "random_seed", "max_completion_tokens": "max_tokens"}
_DROPPED_SETTINGS = frozenset({"user", "store", "metadata", "service_tier"})
_REQUEST_FIELDS = frozenset({"model", "messages", "tools", "tool_choice"})


class MistralProvider(OpenAIProvider):
    name = "mistral"
    key_variable = "MISTRAL_API_KEY"
    base_url_variable = "MISTRAL_BASE_URL"
    public_base_url = PUBLIC_BASE_URL

    @property
    def url(self) -> str:
        return f"{self.base_url.removesuffix('/v1')}/v1/chat/completions"

    def body(self, request: ModelRequest, names: ToolNames) -> dict[str, Any]:
        body = super().body(request, names)
        if body.get("tool_choice") == "required":
            body["tool_choice"] = "any"
        for openai_name, mistral_name in _RENAMED_SETTINGS.items():
            if openai_name in body:
                value = body.pop(openai_name)
                body.setdefault(mistral_name, value)
        for key in _DROPPED_SETTINGS:
            body.pop(key, None)
        body["messages"] = _with_mistral_ids(body["messages"], names)
        return body

    def parse(self, data: Any, names: ToolNames) -> ModelTurn:
        return super().parse(_text_chunks_joined(data), names)

    def _hint(self, body: dict[str, Any]) -> Any:
        settings = sorted(set(body) - _REQUEST_FIELDS)

        def hint(status: int, message: str) -> str | None:
            if status == 422 and "extra" in message.lower():
                sent = ", ".join(settings) or "none"
                return (
                    f"Mistral rejects fields it does not know (settings sent: {sent})"
                )
            return None

        return hint


def mistral_ids(messages: list[dict[str, Any]]) -> dict[str, str]:
    """Each call id in ``messages`` that Mistral would reject -> a stable 9-character id.

    Ids that already fit are kept and never produced for another id.
    """
    seen: list[str] = []
    for message in messages:
        for call in message.get("tool_calls") or []:
            if isinstance(call, Mapping) and isinstance(call.get("id"), str):
                seen.append(call["id"])
        if isinstance(message.get("tool_call_id"), str):
            seen.append(message["tool_call_id"])
    taken = {call_id for call_id in seen if MISTRAL_ID.match(call_id)}
    mapping: dict[str, str] = {}
    for call_id in seen:
        if call_id in taken or call_id in mapping:
            continue
        salt = 0
        while True:
            digest = hashlib.sha256(f"{call_id}\0{salt}".encode()).hexdigest()[:9]
            if digest not in taken:
                break
            salt += 1
        taken.add(digest)
        mapping[call_id] = digest
    return mapping


def _with_mistral_ids(
    messages: list[dict[str, Any]], names: ToolNames
) -> list[dict[str, Any]]:
    mapping = mistral_ids(messages)
    result = []
    for message in messages:
        message = dict(message)
        if message.get("tool_calls"):
            message["tool_calls"] = [
                {**call, "id": _mapped(call["id"], mapping)}
                if isinstance(call, Mapping) and "id" in call
                else call
                for call in message["tool_calls"]
            ]
        if "tool_call_id" in message:
            message["tool_call_id"] = _mapped(message["tool_call_id"], mapping)
        if message.get("role") == "tool" and isinstance(message.get("name"), str):
            message["name"] = names.outgoing(message["name"])
        result.append(message)
    return result


def _mapped(call_id: Any, mapping: Mapping[str, str]) -> Any:
    return mapping.get(call_id, call_id) if isinstance(call_id, str) else call_id


def _text_chunks_joined(data: Any) -> Any:
    """``data`` with a list ``content`` of choices[0] replaced by its joined text chunks."""
    try:
        message = data["choices"][0]["message"]
        content = message["content"]
    except (KeyError, IndexError, TypeError):
        return data
    if not isinstance(content, list):
        return data
    texts = [
        chunk["text"]
        for chunk in content
        if isinstance(chunk, Mapping)
        and chunk.get("type") == "text"
        and isinstance(chunk.get("text"), str)
    ]
    choice = {**data["choices"][0], "message": {**message, "content": "".join(texts)}}
    return {**data, "choices": [choice, *data["choices"][1:]]}
