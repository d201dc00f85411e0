"""MistralProvider against a mock transport: requests, replies and errors."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_fncall.errors import ProviderError
from pytest_fncall.providers import make_builtin_provider
from pytest_fncall.providers.base import ModelRequest
from pytest_fncall.providers.mistral import MistralProvider, mistral_ids
from pytest_fncall.results import ModelTurn, Tool
from pytest_fncall.settings import Settings

KEY = "CANARY-mistral-key-123456"
PAYMENT_TOOL = Tool(
    "retrieve_payment_status",
    "Get payment status of a transaction",
    {
        "type": "object",
        "properties": {
            "transaction_id": {"type": "string", "description": "The transaction id."}
        },
        "required": ["transaction_id"],
    },
)
DATE_TOOL = Tool(
    "retrieve_payment_date",
    "Get payment date of a transaction",
    PAYMENT_TOOL.parameters,
)
FACTORIAL_TOOL = Tool(
    "math.factorial",
    "n!",
    {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
)
QUESTION = {"role": "user", "content": "What's the status of my transaction T1001?"}
DOCS_REPLY = {
    "id": "cf79f7daaee244b1a0ae5c7b1444424a",
    "object": "chat.completion",
    "created": 1719836418,
    "model": "mistral-large-latest",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "D681PevKs",
                        "function": {
                            "name": "retrieve_payment_status",
                            "arguments": '{"transaction_id": "T1001"}',
                        },
                    }
                ],
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 167, "total_tokens": 190, "completion_tokens": 23},
}


class Server:
    """A mock Mistral: records requests, answers from a list of (status, body)."""

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
    server: Server,
    environment: dict[str, str] | None = None,
    **options: Any,
) -> MistralProvider:
    env = {"MISTRAL_API_KEY": KEY} if environment is None else environment
    settings = Settings(
        models=(), rootdir=tmp_path, environment=env, **{"max_retries": 0, **options}
    )
    return MistralProvider(
        "mistral-large-latest", settings, httpx.MockTransport(server)
    )


def request(**fields: Any) -> ModelRequest:
    defaults: dict[str, Any] = {
        "model": "mistral/mistral-large-latest",
        "case_id": "case",
        "messages": (QUESTION,),
        "tools": (PAYMENT_TOOL,),
    }
    return ModelRequest(**{**defaults, **fields})


def ask(provider: MistralProvider, **fields: Any) -> ModelTurn:
    return asyncio.run(provider.complete(request(**fields)))


def error(provider: MistralProvider, **fields: Any) -> str:
    with pytest.raises(ProviderError) as info:
        ask(provider, **fields)
    return str(info.value)


def test_request_follows_the_documented_shape(tmp_path):
    server = Server()
    ask(make(tmp_path, server), settings={"temperature": 0})
    sent = server.requests[0]
    assert str(sent.url) == "https://api.mistral.ai/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"] == "application/json"
    assert server.body() == {
        "model": "mistral-large-latest",
        "messages": [QUESTION],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "retrieve_payment_status",
                    "description": "Get payment status of a transaction",
                    "parameters": PAYMENT_TOOL.parameters,
                },
            }
        ],
        "tool_choice": "auto",
        "temperature": 0,
    }


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "any"),
        (
            {"name": "retrieve_payment_status"},
            {"type": "function", "function": {"name": "retrieve_payment_status"}},
        ),
    ],
)
def test_tool_choice_uses_mistral_vocabulary(tmp_path, choice, sent):
    server = Server()
    ask(make(tmp_path, server), tool_choice=choice)
    assert server.body()["tool_choice"] == sent


def test_settings_are_renamed_kept_or_dropped(tmp_path):
    server = Server()
    settings = {
        "seed": 7,
        "max_completion_tokens": 64,
        "parallel_tool_calls": False,
        "top_p": 0.9,
        "user": "someone",
        "safe_prompt": True,
    }
    ask(make(tmp_path, server), settings=settings)
    body = server.body()
    assert {key: body[key] for key in set(body) - {"model", "messages", "tools"}} == {
        "tool_choice": "auto",
        "random_seed": 7,
        "max_tokens": 64,
        "parallel_tool_calls": False,
        "top_p": 0.9,
        "safe_prompt": True,
    }


def history(*call_ids: str) -> tuple[dict[str, Any], ...]:
    calls = [
        {
            "id": call_id,
            "type": "function",
            "function": {"name": "retrieve_payment_status", "arguments": "{}"},
        }
        for call_id in call_ids
    ]
    results = [
        {"role": "tool", "tool_call_id": call_id, "content": "paid"}
        for call_id in call_ids
    ]
    return (
        QUESTION,
        {"role": "assistant", "content": None, "tool_calls": calls},
        *results,
    )


def test_history_ids_become_stable_nine_character_ids(tmp_path):
    server = Server()
    provider = make(tmp_path, server)
    ids = ("call_abc123", "D681PevKs", "toolu_01A09q90qw90lq917835lq9")
    ask(provider, messages=history(*ids))
    ask(provider, messages=history(*ids))
    first, second = server.body(0), server.body(1)
    assert first == second  # deterministic
    sent_calls = [call["id"] for call in first["messages"][1]["tool_calls"]]
    sent_results = [message["tool_call_id"] for message in first["messages"][2:]]
    assert sent_calls == sent_results
    assert sent_calls[1] == "D681PevKs"  # already valid: kept
    assert all(re.fullmatch(r"[a-zA-Z0-9]{9}", call_id) for call_id in sent_calls)
    assert len(set(sent_calls)) == 3
    assert first["messages"][1]["content"] == ""


def test_mapped_ids_never_collide_with_kept_ones():
    taken = mistral_ids([{"role": "tool", "tool_call_id": "call_1"}])["call_1"]
    mapping = mistral_ids(
        [
            {"role": "tool", "tool_call_id": "call_1"},
            {"role": "tool", "tool_call_id": taken},
        ]
    )
    assert set(mapping) == {"call_1"}
    assert mapping["call_1"] != taken
    assert re.fullmatch(r"[a-zA-Z0-9]{9}", mapping["call_1"])


def test_dotted_tool_names_are_mapped_both_ways(tmp_path):
    reply = json.loads(json.dumps(DOCS_REPLY))
    reply["choices"][0]["message"]["tool_calls"][0]["function"] = {
        "name": "math_factorial",
        "arguments": {"n": 5},
    }
    server = Server((200, reply))
    messages = (
        QUESTION,
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "a1b2c3d4e",
                    "type": "function",
                    "function": {"name": "math.factorial", "arguments": '{"n": 4}'},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "a1b2c3d4e",
            "name": "math.factorial",
            "content": "24",
        },
    )
    turn = ask(
        make(tmp_path, server),
        messages=messages,
        tools=(FACTORIAL_TOOL,),
        tool_choice={"name": "math.factorial"},
    )
    body = server.body()
    assert body["tools"][0]["function"]["name"] == "math_factorial"
    assert body["tool_choice"]["function"]["name"] == "math_factorial"
    assert body["messages"][1]["tool_calls"][0]["function"]["name"] == "math_factorial"
    assert body["messages"][2]["name"] == "math_factorial"
    assert [(call.name, call.arguments) for call in turn.calls] == [
        ("math.factorial", {"n": 5})
    ]


def test_text_reply(tmp_path):
    reply = {
        "choices": [
            {
                "message": {"role": "assistant", "content": "Which transaction?"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14},
    }
    turn = ask(make(tmp_path, Server((200, reply))))
    assert (turn.text, turn.calls, turn.finish_reason) == (
        "Which transaction?",
        (),
        "stop",
    )
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (10, 4)
    assert turn.latency_s is not None


def test_one_call_from_the_documented_reply(tmp_path):
    turn = ask(make(tmp_path, Server()))
    assert turn.finish_reason == "tool_calls"
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (167, 23)
    [call] = turn.calls
    assert (call.id, call.name, call.arguments) == (
        "D681PevKs",
        "retrieve_payment_status",
        {"transaction_id": "T1001"},
    )


def test_parallel_calls_keep_their_order_and_argument_forms(tmp_path):
    reply = json.loads(json.dumps(DOCS_REPLY))
    calls = reply["choices"][0]["message"]["tool_calls"]
    calls.append(
        {
            "id": "Ab3dE6gH9",
            "function": {
                "name": "retrieve_payment_date",
                "arguments": {"transaction_id": "T1001"},
            },
        }
    )
    turn = ask(make(tmp_path, Server((200, reply))), tools=(PAYMENT_TOOL, DATE_TOOL))
    assert [(c.id, c.name, c.arguments) for c in turn.calls] == [
        ("D681PevKs", "retrieve_payment_status", {"transaction_id": "T1001"}),
        ("Ab3dE6gH9", "retrieve_payment_date", {"transaction_id": "T1001"}),
    ]


def test_content_chunks_of_reasoning_models_become_text(tmp_path):
    content = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "Hmm."}]},
        {"type": "text", "text": "Paid."},
    ]
    reply = {"choices": [{"message": {"content": content}, "finish_reason": "stop"}]}
    assert ask(make(tmp_path, Server((200, reply)))).text == "Paid."


@pytest.mark.parametrize(
    ("base_url", "environment", "url"),
    [
        ("http://localhost:8080/", {}, "http://localhost:8080/v1/chat/completions"),
        (
            None,
            {"MISTRAL_BASE_URL": "http://gpu:9000"},
            "http://gpu:9000/v1/chat/completions",
        ),
        ("http://gpu:9000/v1", {}, "http://gpu:9000/v1/chat/completions"),
    ],
)
def test_other_servers_need_no_key(tmp_path, base_url, environment, url):
    server = Server()
    ask(make(tmp_path, server, environment, base_url=base_url))
    assert str(server.requests[0].url) == url
    assert "authorization" not in server.requests[0].headers


def test_the_public_api_needs_a_key(tmp_path):
    settings = Settings(models=(), rootdir=tmp_path, environment={})
    with pytest.raises(ProviderError, match="MISTRAL_API_KEY is not set"):
        make_builtin_provider("mistral", "mistral-small-latest", settings)


def test_unauthorized_never_shows_the_key(tmp_path):
    body = {"message": f"Unauthorized: key {KEY} is not valid", "request_id": "r1"}
    server = Server((401, body))
    message = error(make(tmp_path, server, max_retries=3))
    assert message.startswith("mistral: HTTP 401 Unauthorized: Unauthorized: key ***")
    assert KEY not in message
    assert len(server.requests) == 1


def test_error_object_message_and_type(tmp_path):
    body = {
        "object": "error",
        "message": "Invalid model: mistral-huge",
        "type": "invalid_model",
        "param": None,
        "code": "1500",
    }
    assert error(make(tmp_path, Server((400, body)))) == (
        "mistral: HTTP 400 Bad Request: Invalid model: mistral-huge (invalid_model)"
    )


@pytest.mark.parametrize("nested", [False, True], ids=["detail", "message.detail"])
def test_validation_errors_are_readable(tmp_path, nested):
    detail = {
        "detail": [
            {
                "type": "extra_forbidden",
                "loc": ["body", "logit_bias"],
                "msg": "Extra inputs are not permitted",
                "input": {},
            }
        ]
    }
    body = {"object": "error", "message": detail, "type": "invalid_request_error"}
    message = error(
        make(tmp_path, Server((422, body if nested else detail))),
        settings={"logit_bias": {}, "temperature": 0},
    )
    assert message.startswith(
        "mistral: HTTP 422 Unprocessable Entity: Extra inputs are not permitted"
    )
    assert message.endswith(
        "; Mistral rejects fields it does not know (settings sent: logit_bias, temperature)"
    )


def test_a_reply_that_is_not_json(tmp_path):
    message = error(make(tmp_path, Server((200, "<html>upstream</html>"))))
    assert (
        message == "mistral: HTTP 200, but the body is not JSON: <html>upstream</html>"
    )


def test_a_503_is_retried_then_succeeds(tmp_path):
    server = Server((503, {"message": "Service unavailable"}), (200, DOCS_REPLY))
    provider = make(tmp_path, server, max_retries=1)
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    provider.policy = dataclasses.replace(provider.policy, sleep=fake_sleep)
    turn = ask(provider)
    assert [call.name for call in turn.calls] == ["retrieve_payment_status"]
    assert len(server.requests) == 2
    assert len(sleeps) == 1
    assert server.body(0) == server.body(1)


def test_the_registry_builds_it(tmp_path):
    settings = Settings(
        models=(), rootdir=tmp_path, environment={"MISTRAL_API_KEY": KEY}
    )
    provider = make_builtin_provider("mistral", "mistral-small-latest", settings)
    assert isinstance(provider, MistralProvider)
    assert provider.model == "mistral-small-latest"
