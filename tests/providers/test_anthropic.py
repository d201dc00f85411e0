"""The ``anthropic`` provider against a mock Messages API (no network)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_fncall.errors import ProviderError
from pytest_fncall.providers.anthropic import AnthropicProvider
from pytest_fncall.providers.base import ModelRequest
from pytest_fncall.results import ModelTurn, Tool, Usage
from pytest_fncall.settings import Settings

KEY = "sk-ant-CANARY-123456789"
WEATHER = Tool(
    "get_weather",
    "Get the current weather in a given location",
    {"type": "object", "properties": {"location": {"type": "string"}}},
)
FACTORIAL = Tool(
    "math.factorial", "n!", {"type": "object", "properties": {"n": {"type": "integer"}}}
)
# The documented examples of the Messages API reference and the tool-use guide.
TEXT_REPLY = {
    "content": [{"text": "Hi! My name is Claude.", "type": "text"}],
    "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
    "model": "claude-3-7-sonnet-20250219",
    "role": "assistant",
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "type": "message",
    "usage": {"input_tokens": 2095, "output_tokens": 503},
}
THINKING = (
    "<thinking>I need to use the get_weather, and the user wants SF, which is likely "
    "San Francisco, CA.</thinking>"
)
SF = {"location": "San Francisco, CA", "unit": "celsius"}


def tool_use(call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": call_id, "name": name, "input": arguments}


def reply(*blocks: dict[str, Any], stop: str = "tool_use") -> dict[str, Any]:
    return {
        "id": "msg_01Aq9w938a90dw8q",
        "type": "message",
        "role": "assistant",
        "model": "claude-3-7-sonnet-20250219",
        "content": list(blocks),
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 472, "output_tokens": 89},
    }


Answer = dict[str, Any] | httpx.Response


class Server:
    """A mock transport answering in turn and keeping every request it saw."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        return (
            answer
            if isinstance(answer, httpx.Response)
            else httpx.Response(200, json=answer)
        )

    @property
    def body(self) -> Any:
        return json.loads(self.requests[-1].content)


def make(
    tmp_path: Path,
    server: Server,
    env: dict[str, str] | None = None,
    **settings: Any,
) -> AnthropicProvider:
    environment = {"ANTHROPIC_API_KEY": KEY} if env is None else env
    options = {"max_retries": 0, **settings}
    config = Settings(models=(), rootdir=tmp_path, environment=environment, **options)
    return AnthropicProvider("claude-sonnet-4-5", config, transport=server.transport)


def ask(
    provider: AnthropicProvider,
    messages: list[dict[str, Any]] | None = None,
    tools: tuple[Tool, ...] = (),
    **fields: Any,
) -> ModelTurn:
    messages = messages or [{"role": "user", "content": "Hello"}]
    request = ModelRequest("anthropic/claude", "case", tuple(messages), tools, **fields)
    return asyncio.run(provider.complete(request))


def test_simple_prompt_request_and_text_reply(tmp_path: Path) -> None:
    server = Server(TEXT_REPLY)
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello"},
    ]
    turn = ask(make(tmp_path, server), messages)
    sent = server.requests[0]
    assert str(sent.url) == "https://api.anthropic.com/v1/messages"
    assert sent.headers["x-api-key"] == KEY
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.headers.get_list("content-type") == ["application/json"]
    assert "authorization" not in sent.headers
    assert server.body == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Hello"}],
    }
    assert turn.text == "Hi! My name is Claude."
    assert turn.calls == ()
    assert turn.finish_reason == "end_turn"
    assert turn.usage == Usage(2095, 503)
    assert turn.latency_s is not None
    assert turn.latency_s >= 0


def test_settings_override_drop_and_map(tmp_path: Path) -> None:
    server = Server(TEXT_REPLY, TEXT_REPLY)
    provider = make(tmp_path, server)
    openai_only: dict[str, Any] = {"seed": 1, "parallel_tool_calls": False, "n": 1}
    openai_only |= {"frequency_penalty": 0.1, "presence_penalty": 0.2}
    openai_only |= {"response_format": {"type": "json_object"}}
    settings = {"max_tokens": 50, "temperature": 0, "top_k": 5, "stop": "END"}
    ask(provider, settings={**settings, **openai_only})
    body = server.body
    del body["messages"]
    assert body == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 50,
        "temperature": 0,
        "top_k": 5,
        "stop_sequences": ["END"],
    }
    ask(provider, settings={"stop": ["a", "b"], "top_p": 0.9})
    assert server.body["stop_sequences"] == ["a", "b"]
    assert server.body["top_p"] == 0.9
    assert server.body["max_tokens"] == 1024


def test_history_is_converted_merged_and_alternating(tmp_path: Path) -> None:
    server = Server(TEXT_REPLY)
    calls = [
        {
            "id": "toolu_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"location": "Paris"}'},
        },
        {
            "id": "toolu_2",
            "type": "function",
            "function": {"name": "math.factorial", "arguments": {"n": 5}},
        },
    ]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "Be brief."},
        {"role": "system", "content": "Use tools."},
        {"role": "user", "content": "Weather in Paris, and 5!?"},
        {"role": "assistant", "content": "Checking.", "tool_calls": calls},
        {"role": "tool", "tool_call_id": "toolu_1", "content": "18°C"},
        {
            "role": "tool",
            "tool_call_id": "toolu_2",
            "content": "boom",
            "is_error": True,
        },
        {"role": "user", "content": "And?"},
        {"role": "assistant", "content": "Hmm."},
        {"role": "assistant", "content": None, "tool_calls": calls[:1]},
    ]
    ask(make(tmp_path, server), messages, (WEATHER, FACTORIAL))
    body = server.body
    assert body["system"] == "Be brief.\n\nUse tools."
    assert body["messages"] == [
        {"role": "user", "content": "Weather in Paris, and 5!?"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Checking."},
                tool_use("toolu_1", "get_weather", {"location": "Paris"}),
                tool_use("toolu_2", "math_factorial", {"n": 5}),
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18°C"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_2",
                    "content": "boom",
                    "is_error": True,
                },
                {"type": "text", "text": "And?"},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Hmm."},
                tool_use("toolu_1", "get_weather", {"location": "Paris"}),
            ],
        },
    ]


@pytest.mark.parametrize("arguments", ['{"location": ', "[1]"])
def test_history_with_bad_arguments_names_the_message(
    tmp_path: Path, arguments: str
) -> None:
    call = {"id": "t", "function": {"name": "get_weather", "arguments": arguments}}
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
    ]
    server = Server()
    with pytest.raises(ProviderError, match=r"messages\[1\].*get_weather"):
        ask(make(tmp_path, server), messages, (WEATHER,))
    assert server.requests == []


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", {"type": "auto"}),
        ("required", {"type": "any"}),
        ("none", {"type": "none"}),
        ({"name": "math.factorial"}, {"type": "tool", "name": "math_factorial"}),
    ],
)
def test_tools_and_tool_choice(tmp_path: Path, choice: Any, wire: Any) -> None:
    server = Server(reply(tool_use("toolu_9", "math_factorial", {"n": 5})))
    turn = ask(make(tmp_path, server), tools=(WEATHER, FACTORIAL), tool_choice=choice)
    assert server.body["tools"] == [
        {
            "name": "get_weather",
            "description": WEATHER.description,
            "input_schema": WEATHER.parameters,
        },
        {
            "name": "math_factorial",
            "description": "n!",
            "input_schema": FACTORIAL.parameters,
        },
    ]
    assert server.body["tool_choice"] == wire
    (call,) = turn.calls
    assert (call.id, call.name, call.arguments) == (
        "toolu_9",
        "math.factorial",
        {"n": 5},
    )


def test_no_tools_means_no_tools_or_choice(tmp_path: Path) -> None:
    server = Server(TEXT_REPLY)
    ask(make(tmp_path, server), tool_choice="required")
    assert "tools" not in server.body
    assert "tool_choice" not in server.body


def test_reply_with_text_and_one_tool_use(tmp_path: Path) -> None:
    answer = reply(
        {"type": "text", "text": THINKING},
        tool_use("toolu_01A09q90qw90lq917835lq9", "get_weather", SF),
    )
    turn = ask(make(tmp_path, Server(answer)), tools=(WEATHER,))
    assert turn.text == THINKING
    (call,) = turn.calls
    assert call.id == "toolu_01A09q90qw90lq917835lq9"
    assert call.name == "get_weather"
    assert call.arguments == SF
    assert json.loads(call.raw_arguments) == SF
    assert turn.finish_reason == "tool_use"
    assert turn.usage == Usage(472, 89)


def test_reply_with_tool_use_only_and_parallel_calls_in_order(tmp_path: Path) -> None:
    answer = reply(
        tool_use("toolu_a", "get_weather", {"location": "Paris"}),
        {"type": "thinking", "thinking": "…", "signature": "x"},
        tool_use("toolu_b", "math_factorial", {"n": 3}),
    )
    turn = ask(make(tmp_path, Server(answer)), tools=(WEATHER, FACTORIAL))
    assert turn.text is None
    assert [(c.id, c.name, c.arguments) for c in turn.calls] == [
        ("toolu_a", "get_weather", {"location": "Paris"}),
        ("toolu_b", "math.factorial", {"n": 3}),
    ]


@pytest.mark.parametrize("arguments", [[1, 2], '{"location": "Paris"}', None])
def test_non_object_input_is_a_malformed_call(tmp_path: Path, arguments: Any) -> None:
    answer = reply(tool_use("toolu_x", "get_weather", arguments))
    (call,) = ask(make(tmp_path, Server(answer)), tools=(WEATHER,)).calls
    assert call.name == "get_weather"
    assert call.arguments is None
    assert call.parse_error is not None
    assert "not an object" in call.parse_error


def test_usage_counts_cached_input(tmp_path: Path) -> None:
    answer = dict(TEXT_REPLY)
    answer["usage"] = {
        "input_tokens": 10,
        "cache_read_input_tokens": 100,
        "cache_creation_input_tokens": 5,
        "output_tokens": 7,
    }
    assert ask(make(tmp_path, Server(answer))).usage == Usage(115, 7)


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"id": "msg_1", "type": "message"}, "no 'content' list"),
        ([1, 2], "no 'content' list"),
        (reply({"text": "no type"}), r"content\[0\].*'type'"),
        (reply({"type": "tool_use", "id": "t", "input": {}}), r"content\[0\].*'name'"),
        (reply({"type": "text"}), r"content\[0\].*'text'"),
    ],
)
def test_unexpected_reply_shape(tmp_path: Path, answer: Any, problem: str) -> None:
    server = Server(httpx.Response(200, json=answer))
    with pytest.raises(ProviderError, match=f"^anthropic: .*{problem}"):
        ask(make(tmp_path, server))


def test_http_401_names_status_and_message_but_not_the_key(tmp_path: Path) -> None:
    error = {
        "type": "error",
        "error": {
            "type": "authentication_error",
            "message": f"invalid x-api-key {KEY}",
        },
    }
    server = Server(httpx.Response(401, json=error))
    with pytest.raises(ProviderError) as caught:
        ask(make(tmp_path, server))
    message = str(caught.value)
    assert "HTTP 401" in message
    assert "invalid x-api-key" in message
    assert "authentication_error" in message
    assert "CANARY" not in message
    assert len(server.requests) == 1


def test_overloaded_529_is_retried(tmp_path: Path) -> None:
    overloaded = {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    server = Server(httpx.Response(529, json=overloaded), TEXT_REPLY)
    provider = make(tmp_path, server, max_retries=1)
    delays: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    provider.policy = dataclasses.replace(provider.policy, sleep=fake_sleep)
    assert ask(provider).text == "Hi! My name is Claude."
    assert len(server.requests) == 2
    assert len(delays) == 1


def test_non_json_success_body(tmp_path: Path) -> None:
    server = Server(httpx.Response(200, text="<html>gateway</html>"))
    with pytest.raises(
        ProviderError, match="anthropic: HTTP 200, but the body is not JSON"
    ):
        ask(make(tmp_path, server))


def test_missing_key_with_public_url_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="ANTHROPIC_API_KEY"):
        make(tmp_path, Server(), env={})


Configure = Callable[[Path, Server], AnthropicProvider]


@pytest.mark.parametrize(
    "configure",
    [
        lambda p, s: make(p, s, env={"ANTHROPIC_BASE_URL": "http://proxy:8080/"}),
        lambda p, s: make(p, s, env={}, base_url="http://proxy:8080"),
    ],
    ids=["environment", "settings"],
)
def test_other_base_url_needs_no_key(tmp_path: Path, configure: Configure) -> None:
    server = Server(TEXT_REPLY)
    ask(configure(tmp_path, server))
    sent = server.requests[0]
    assert str(sent.url) == "http://proxy:8080/v1/messages"
    assert "x-api-key" not in sent.headers
    assert sent.headers["anthropic-version"] == "2023-06-01"


def test_settings_base_url_wins_over_environment(tmp_path: Path) -> None:
    server = Server(TEXT_REPLY)
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": "http://env:1"}
    ask(make(tmp_path, server, env=env, base_url="http://flag:2"))
    assert str(server.requests[0].url) == "http://flag:2/v1/messages"


def test_404_with_v1_in_base_url_gets_a_hint(tmp_path: Path) -> None:
    error = {
        "type": "error",
        "error": {"type": "not_found_error", "message": "Not found"},
    }
    server = Server(httpx.Response(404, json=error))
    with pytest.raises(ProviderError, match=r"HTTP 404.*drop the trailing /v1"):
        ask(make(tmp_path, server, env={}, base_url="http://proxy/v1"))
