"""Read assistant turns in OpenAI Chat Completions shape (message or whole response)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ProviderError
from ..results import MAX_CALLS_PER_TURN, ModelTurn, ToolCall, Usage, valid_text


def parse_openai_reply(reply: Any, source: str) -> ModelTurn:
    """An assistant message dict, or a whole ``chat.completion`` dict, as a turn.

    ``source`` names who answered, for error messages. A response the code cannot read
    is a :class:`ProviderError`; arguments that are not JSON are the model's mistake and
    stay in the turn (``malformed_args`` later).
    """
    if not isinstance(reply, Mapping):
        raise ProviderError(
            f"{source} returned {type(reply).__name__}; expected an assistant message "
            "dict or a chat.completion dict"
        )
    usage = Usage()
    finish_reason = None
    message: Any = reply
    if "choices" in reply:
        choices = reply["choices"]
        if not isinstance(choices, list) or not choices:
            raise ProviderError(f"{source} returned a response with no choices")
        choice = choices[0]
        if not isinstance(choice, Mapping) or not isinstance(
            choice.get("message"), Mapping
        ):
            raise ProviderError(f"{source}: choices[0] has no 'message' object")
        message = choice["message"]
        finish_reason = _optional_str(choice.get("finish_reason"))
        usage = _usage(reply.get("usage"))
    text = message.get("content")
    if text is not None and not isinstance(text, str):
        raise ProviderError(f"{source}: message 'content' must be a string or null")
    return ModelTurn(
        text=None if text is None else valid_text(text),
        calls=_calls(message.get("tool_calls"), source),
        finish_reason=finish_reason,
        usage=usage,
    )


def _calls(raw: Any, source: str) -> tuple[ToolCall, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ProviderError(f"{source}: 'tool_calls' must be a list")
    if len(raw) > MAX_CALLS_PER_TURN:
        raise ProviderError(too_many_calls(source, len(raw)))
    calls = []
    for index, item in enumerate(raw):
        where = f"{source}: tool_calls[{index}]"
        if not isinstance(item, Mapping):
            raise ProviderError(f"{where} must be an object")
        function = item.get("function")
        if not isinstance(function, Mapping):
            raise ProviderError(f"{where} has no 'function' object")
        name = function.get("name")
        if not isinstance(name, str) or not name:
            raise ProviderError(f"{where}.function has no 'name'")
        call_id = item.get("id")
        call_id = call_id if isinstance(call_id, str) and call_id else f"call_{index}"
        arguments = function.get("arguments", "")
        calls.append(ToolCall.from_model_arguments(call_id, name, arguments))
    return tuple(calls)


def too_many_calls(source: str, count: int) -> str:
    return (
        f"{source}: the reply makes {count} tool calls; pytest-fncall reads at most "
        f"{MAX_CALLS_PER_TURN} from one reply (a runaway model or a broken server)"
    )


def _usage(raw: Any) -> Usage:
    if not isinstance(raw, Mapping):
        return Usage()
    prompt = raw.get("prompt_tokens")
    completion = raw.get("completion_tokens")
    return Usage(
        prompt if isinstance(prompt, int) else None,
        completion if isinstance(completion, int) else None,
    )


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
