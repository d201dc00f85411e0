"""OpenAI Chat Completions: request shape, response parsing, names, errors (MockTransport)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_fncall.errors import ProviderError
from pytest_fncall.providers.base import ModelRequest
from pytest_fncall.providers.openai import OpenAIProvider
from pytest_fncall.results import Tool
from pytest_fncall.settings import Settings

KEY = "sk-CANARY-openai-0123456789"
WEATHER = Tool(
    "get_weather",
    "Current weather.",
    {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
)
FACTORIAL = Tool(
    "math.factorial", "n!", {"type": "object", "properties": {"n": {"type": "integer"}}}
)


def completion(message: dict[str, Any], finish: str = "tool_calls") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", **message},
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99},
    }


def tool_call(name: str, arguments: str, call_id: str = "call_abc") -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


class Recorder:
    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0)

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.requests[-1].content)


def provider(
    tmp_path: Path,
    handler: Recorder,
    environment: dict[str, str] | None = None,
    **settings: Any,
) -> OpenAIProvider:
    env = {"OPENAI_API_KEY": KEY} if environment is None else environment
    config = Settings(
        models=(), rootdir=tmp_path, environment=env, max_retries=0, **settings
    )
    return OpenAIProvider("gpt-4o-mini", config, transport=httpx.MockTransport(handler))


def request(**overrides: Any) -> ModelRequest:
    values: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "case_id": "c",
        "messages": (
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Paris?"},
        ),
        "tools": (WEATHER,),
        "tool_choice": "auto",
        "settings": {"temperature": 0},
    }
    values.update(overrides)
    return ModelRequest(**values)


def test_request_shape(tmp_path):
    handler = Recorder(httpx.Response(200, json=completion({"content": "hi"}, "stop")))
    asyncio.run(provider(tmp_path, handler).complete(request()))
    sent = handler.requests[0]
    assert str(sent.url) == "https://api.openai.com/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert handler.body == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Paris?"},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Current weather.",
                    "parameters": WEATHER.parameters,
                },
            }
        ],
        "tool_choice": "auto",
        "temperature": 0,
    }


def test_parallel_calls_usage_and_finish_reason(tmp_path):
    message = {
        "content": None,
        "tool_calls": [
            tool_call("get_weather", '{"city": "Tokyo"}', "call_1"),
            tool_call("get_weather", '{"city": "Osaka"}', "call_2"),
        ],
    }
    handler = Recorder(httpx.Response(200, json=completion(message)))
    turn = asyncio.run(provider(tmp_path, handler).complete(request()))
    assert [(c.id, c.name, c.arguments) for c in turn.calls] == [
        ("call_1", "get_weather", {"city": "Tokyo"}),
        ("call_2", "get_weather", {"city": "Osaka"}),
    ]
    assert turn.text is None
    assert turn.finish_reason == "tool_calls"
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (82, 17)
    assert turn.latency_s is not None
    assert turn.latency_s >= 0


def test_malformed_arguments_are_the_models_mistake_not_an_error(tmp_path):
    message = {
        "content": None,
        "tool_calls": [tool_call("get_weather", '{"city": "Par')],
    }
    handler = Recorder(httpx.Response(200, json=completion(message)))
    turn = asyncio.run(provider(tmp_path, handler).complete(request()))
    assert turn.calls[0].arguments is None
    assert turn.calls[0].raw_arguments == '{"city": "Par'


def test_tool_names_openai_forbids_are_mapped_both_ways(tmp_path):
    message = {"content": None, "tool_calls": [tool_call("math_factorial", '{"n": 5}')]}
    handler = Recorder(httpx.Response(200, json=completion(message)))
    turn = asyncio.run(
        provider(tmp_path, handler).complete(
            request(tools=(FACTORIAL,), tool_choice={"name": "math.factorial"})
        )
    )
    assert handler.body["tools"][0]["function"]["name"] == "math_factorial"
    assert handler.body["tool_choice"] == {
        "type": "function",
        "function": {"name": "math_factorial"},
    }
    assert turn.calls[0].name == "math.factorial"


def test_history_assistant_content_null_is_sent_as_empty_string(tmp_path):
    history = (
        {"role": "user", "content": "5!?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [tool_call("math.factorial", "{}")],
        },
        {"role": "tool", "tool_call_id": "call_abc", "content": "120"},
    )
    handler = Recorder(httpx.Response(200, json=completion({"content": "120"}, "stop")))
    asyncio.run(
        provider(tmp_path, handler).complete(
            request(messages=history, tools=(FACTORIAL,))
        )
    )
    assistant = handler.body["messages"][1]
    assert assistant["content"] == ""
    assert assistant["tool_calls"][0]["function"]["name"] == "math_factorial"


def test_local_server_needs_no_key_and_base_url_comes_from_the_environment(tmp_path):
    handler = Recorder(httpx.Response(200, json=completion({"content": "hi"}, "stop")))
    local = provider(
        tmp_path, handler, {"OPENAI_BASE_URL": "http://127.0.0.1:8799/v1/"}
    )
    asyncio.run(local.complete(request()))
    assert str(handler.requests[0].url) == "http://127.0.0.1:8799/v1/chat/completions"
    assert "authorization" not in handler.requests[0].headers


def test_base_url_option_wins_over_the_environment(tmp_path):
    handler = Recorder(httpx.Response(200, json=completion({"content": "hi"}, "stop")))
    environment = {"OPENAI_BASE_URL": "http://env.invalid/v1"}
    chosen = provider(tmp_path, handler, environment, base_url="http://127.0.0.1:1/v1")
    asyncio.run(chosen.complete(request()))
    assert str(handler.requests[0].url) == "http://127.0.0.1:1/v1/chat/completions"


def test_missing_key_for_the_public_api_is_a_clear_error(tmp_path):
    with pytest.raises(ProviderError, match="OPENAI_API_KEY is not set"):
        provider(tmp_path, Recorder(), {})


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            httpx.Response(
                401,
                json={
                    "error": {
                        "message": f"Incorrect API key provided: {KEY}.",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                },
            ),
            "openai: HTTP 401 Unauthorized: Incorrect API key provided: ***. "
            "(invalid_request_error)",
        ),
        (
            httpx.Response(
                429,
                json={
                    "error": {
                        "message": "You exceeded your current quota.",
                        "code": "insufficient_quota",
                    }
                },
            ),
            "openai: HTTP 429 Too Many Requests: You exceeded your current quota. "
            "(insufficient_quota)",
        ),
        (
            httpx.Response(200, content=b"<html>proxy error</html>"),
            "openai: HTTP 200, but the body is not JSON: <html>proxy error</html>",
        ),
        (
            httpx.Response(200, json={"choices": []}),
            "openai returned a response with no choices",
        ),
    ],
)
def test_errors_name_provider_status_and_message_never_the_key(
    tmp_path, response, expected
):
    handler = Recorder(response)
    with pytest.raises(ProviderError) as caught:
        asyncio.run(provider(tmp_path, handler).complete(request()))
    assert str(caught.value) == expected
    assert KEY not in str(caught.value)
    assert len(handler.requests) == 1  # none of these is retried


def test_required_tool_choice_500_gets_a_hint(tmp_path):
    handler = Recorder(httpx.Response(500, json={"error": {"message": ""}}))
    with pytest.raises(ProviderError, match=r"llama\.cpp.*tool_choice 'required'"):
        asyncio.run(
            provider(tmp_path, handler).complete(request(tool_choice="required"))
        )
