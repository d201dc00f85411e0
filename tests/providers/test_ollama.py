"""OllamaProvider against a mock transport: requests, replies and errors."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_fncall.errors import ProviderError
from pytest_fncall.providers import make_builtin_provider
from pytest_fncall.providers.base import ModelRequest
from pytest_fncall.providers.ollama import OllamaProvider
from pytest_fncall.results import ModelTurn, Tool
from pytest_fncall.settings import Settings

WEATHER_TOOL = Tool(
    "get_current_weather",
    "Get the current weather for a location",
    {
        "type": "object",
        "properties": {
            "location": {
                "type": "string",
                "description": "The location to get the weather for, e.g. San Francisco, CA",
            },
            "format": {
                "type": "string",
                "description": "The format to return the weather in, e.g. 'celsius' or "
                "'fahrenheit'",
                "enum": ["celsius", "fahrenheit"],
            },
        },
        "required": ["location", "format"],
    },
)
TIME_TOOL = Tool(
    "get_time",
    "Current time in a time zone",
    {"type": "object", "properties": {"tz": {"type": "string"}}},
)
FACTORIAL_TOOL = Tool(
    "math.factorial",
    "n!",
    {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
)
QUESTION = {"role": "user", "content": "What is the weather today in Paris?"}
DOCS_REPLY = {
    "model": "llama3.2",
    "created_at": "2024-07-22T20:33:28.123648Z",
    "message": {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "function": {
                    "name": "get_current_weather",
                    "arguments": {"format": "celsius", "location": "Paris, FR"},
                }
            }
        ],
    },
    "done_reason": "stop",
    "done": True,
    "total_duration": 885095291,
    "load_duration": 3753500,
    "prompt_eval_count": 122,
    "prompt_eval_duration": 328493000,
    "eval_count": 33,
    "eval_duration": 552222000,
}


class Server:
    """A mock Ollama: records requests, answers from a list of (status, body)."""

    def __init__(self, *answers: tuple[int, Any]) -> None:
        self.answers = list(answers) or [(200, DOCS_REPLY)]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def make(
    tmp_path: Path,
    server: Server | None = None,
    environment: dict[str, str] | None = None,
    **options: Any,
) -> OllamaProvider:
    settings = Settings(
        models=(),
        rootdir=tmp_path,
        environment=environment or {},
        **{"max_retries": 0, **options},
    )
    return OllamaProvider("llama3.2", settings, httpx.MockTransport(server or Server()))


def request(**fields: Any) -> ModelRequest:
    defaults: dict[str, Any] = {
        "model": "ollama/llama3.2",
        "case_id": "case",
        "messages": (QUESTION,),
        "tools": (WEATHER_TOOL,),
    }
    return ModelRequest(**{**defaults, **fields})


def ask(provider: OllamaProvider, **fields: Any) -> ModelTurn:
    return asyncio.run(provider.complete(request(**fields)))


def error(provider: OllamaProvider, **fields: Any) -> str:
    with pytest.raises(ProviderError) as info:
        ask(provider, **fields)
    return str(info.value)


def function(tool: Tool) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def test_request_follows_the_documented_shape(tmp_path):
    server = Server()
    ask(make(tmp_path, server))
    sent = server.requests[0]
    assert str(sent.url) == "http://localhost:11434/api/chat"
    assert "authorization" not in sent.headers
    assert server.body() == {
        "model": "llama3.2",
        "messages": [QUESTION],
        "tools": [function(WEATHER_TOOL)],
        "stream": False,
    }


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0:11434", "http://localhost:11434/api/chat"),
        ("0.0.0.0", "http://localhost:11434/api/chat"),
        ("localhost:11434", "http://localhost:11434/api/chat"),
        (":11500", "http://localhost:11500/api/chat"),
        ("gpu-box", "http://gpu-box:11434/api/chat"),
        ("[::1]:11434", "http://[::1]:11434/api/chat"),
        ("http://0.0.0.0:8080/", "http://localhost:8080/api/chat"),
        (
            "https://ollama.example.com/proxy/",
            "https://ollama.example.com/proxy/api/chat",
        ),
    ],
)
def test_ollama_host_is_read_like_ollama_does(tmp_path, host, url):
    assert make(tmp_path, environment={"OLLAMA_HOST": host}).url == url


def test_base_url_wins_over_ollama_host(tmp_path):
    provider = make(
        tmp_path, environment={"OLLAMA_HOST": "elsewhere:1"}, base_url="localhost:9999"
    )
    assert provider.url == "http://localhost:9999/api/chat"


def test_a_host_that_is_not_one(tmp_path):
    with pytest.raises(ProviderError, match="host 'localhost:port' is not valid"):
        make(tmp_path, environment={"OLLAMA_HOST": "localhost:port"})


@pytest.mark.parametrize(
    ("choice", "tools"),
    [
        ("auto", [WEATHER_TOOL, TIME_TOOL]),
        ("required", [WEATHER_TOOL, TIME_TOOL]),
        ({"name": "get_time"}, [TIME_TOOL]),
        ("none", None),
    ],
)
def test_tool_choice_decides_which_tools_are_sent(tmp_path, choice, tools):
    server = Server()
    ask(make(tmp_path, server), tools=(WEATHER_TOOL, TIME_TOOL), tool_choice=choice)
    body = server.body()
    assert "tool_choice" not in body
    if tools is None:
        assert "tools" not in body
    else:
        assert body["tools"] == [function(tool) for tool in tools]


def test_settings_go_under_options(tmp_path):
    server = Server()
    settings = {
        "temperature": 0,
        "top_p": 0.9,
        "seed": 42,
        "num_ctx": 8192,
        "stop": "###",
        "max_tokens": 128,
        "options": {"top_k": 20},
        "keep_alive": "10m",
        "format": "json",
        "parallel_tool_calls": False,
        "stream": True,
    }
    ask(make(tmp_path, server), settings=settings)
    body = server.body()
    assert body["options"] == {
        "temperature": 0,
        "top_p": 0.9,
        "seed": 42,
        "num_ctx": 8192,
        "stop": ["###"],
        "num_predict": 128,
        "top_k": 20,
    }
    assert (body["keep_alive"], body["format"], body["stream"]) == (
        "10m",
        "json",
        False,
    )
    assert "parallel_tool_calls" not in body


def test_history_sends_arguments_as_objects_and_tool_names(tmp_path):
    server = Server()
    messages = (
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "5! and 3!?"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "math.factorial", "arguments": '{"n": 5}'},
                },
                {
                    "id": "call_b",
                    "type": "function",
                    "function": {"name": "math.factorial", "arguments": {"n": 3}},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": "120"},
        {"role": "tool", "tool_call_id": "call_b", "content": "6"},
        {"role": "tool", "name": "get_time", "content": "noon"},
    )
    ask(make(tmp_path, server), messages=messages, tools=(FACTORIAL_TOOL,))
    call = {"function": {"name": "math.factorial", "arguments": {"n": 5}}}
    assert server.body()["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "5! and 3!?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                call,
                {"function": {"name": "math.factorial", "arguments": {"n": 3}}},
            ],
        },
        {"role": "tool", "content": "120", "tool_name": "math.factorial"},
        {"role": "tool", "content": "6", "tool_name": "math.factorial"},
        {"role": "tool", "content": "noon", "tool_name": "get_time"},
    ]
    assert server.body()["tools"][0]["function"]["name"] == "math.factorial"


def test_images_as_data_urls_are_sent_as_images(tmp_path):
    server = Server()
    content = [
        {"type": "text", "text": "What is this?"},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="},
        },
    ]
    ask(make(tmp_path, server), messages=({"role": "user", "content": content},))
    assert server.body()["messages"] == [
        {"role": "user", "content": "What is this?", "images": ["iVBORw0KGgo="]}
    ]


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        (
            {
                "role": "assistant",
                "tool_calls": [{"function": {"name": "f", "arguments": "[1]"}}],
            },
            "messages[0].tool_calls[0].function.arguments must be a JSON object",
        ),
        (
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
                ],
            },
            "messages[0]: a content part 'image_url' cannot be sent to Ollama",
        ),
    ],
)
def test_history_ollama_cannot_take(tmp_path, message, problem):
    server = Server()
    assert problem in error(make(tmp_path, server), messages=(message,))
    assert server.requests == []


def test_text_reply(tmp_path):
    reply = {
        "model": "llama3.2",
        "message": {"role": "assistant", "content": "It is sunny."},
        "done_reason": "stop",
        "done": True,
        "prompt_eval_count": 26,
        "eval_count": 5,
    }
    turn = ask(make(tmp_path, Server((200, reply))))
    assert (turn.text, turn.calls, turn.finish_reason) == ("It is sunny.", (), "stop")
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (26, 5)
    assert turn.latency_s is not None


def test_one_call_from_the_documented_reply(tmp_path):
    turn = ask(make(tmp_path))
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (122, 33)
    assert turn.finish_reason == "stop"
    [call] = turn.calls
    assert (call.id, call.name, call.arguments) == (
        "call_0",
        "get_current_weather",
        {"format": "celsius", "location": "Paris, FR"},
    )


def test_parallel_calls_get_ids_in_order(tmp_path):
    reply = json.loads(json.dumps(DOCS_REPLY))
    reply["message"]["tool_calls"].append(
        {"function": {"name": "math.factorial", "arguments": {"n": 5}}}
    )
    turn = ask(
        make(tmp_path, Server((200, reply))), tools=(WEATHER_TOOL, FACTORIAL_TOOL)
    )
    assert [(c.id, c.name, c.arguments) for c in turn.calls] == [
        (
            "call_0",
            "get_current_weather",
            {"format": "celsius", "location": "Paris, FR"},
        ),
        ("call_1", "math.factorial", {"n": 5}),
    ]


def test_a_model_without_tool_support_is_not_retried(tmp_path):
    body = {"error": "registry.ollama.ai/library/gemma:2b does not support tools"}
    server = Server((400, body))
    message = error(make(tmp_path, server, max_retries=3))
    assert message.startswith(
        "ollama: HTTP 400 Bad Request: registry.ollama.ai/library/gemma:2b "
        "does not support tools; choose a model with tool support"
    )
    assert len(server.requests) == 1


def test_a_missing_model_says_so(tmp_path):
    server = Server((404, {"error": 'model "llama9" not found, try pulling it first'}))
    assert error(make(tmp_path, server)) == (
        'ollama: HTTP 404 Not Found: model "llama9" not found, try pulling it first'
    )


def test_a_wrong_path_answers_plain_text(tmp_path):
    message = error(make(tmp_path, Server((404, "404 page not found"))))
    assert message == "ollama: HTTP 404 Not Found: 404 page not found"


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (
            "not json at all",
            "ollama: HTTP 200, but the body is not JSON: not json at all",
        ),
        ({"done": True}, "ollama: the reply has no 'message' object"),
    ],
)
def test_unreadable_replies(tmp_path, reply, problem):
    assert error(make(tmp_path, Server((200, reply)))) == problem


def test_a_503_is_retried_then_succeeds(tmp_path):
    server = Server(
        (503, {"error": "server busy, please try again"}), (200, DOCS_REPLY)
    )
    provider = make(tmp_path, server, max_retries=1)
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    provider.policy = dataclasses.replace(provider.policy, sleep=fake_sleep)
    turn = ask(provider)
    assert [call.name for call in turn.calls] == ["get_current_weather"]
    assert len(server.requests) == 2
    assert len(sleeps) == 1


def test_the_registry_builds_it(tmp_path):
    settings = Settings(models=(), rootdir=tmp_path, environment={})
    provider = make_builtin_provider("ollama", "qwen3:8b", settings)
    assert isinstance(provider, OllamaProvider)
    assert (provider.model, provider.url) == (
        "qwen3:8b",
        "http://localhost:11434/api/chat",
    )
