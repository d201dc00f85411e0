"""Specs run end to end through each wire format against a loopback server that speaks it."""

from __future__ import annotations

from typing import Any

import pytest

SPEC = """\
defaults:
  system: You are a weather assistant.
cases:
  - id: single
    prompt: Weather in Paris?
    expect: {call: get_weather, args: {city: Paris}}
  - id: parallel
    prompt: Weather in Tokyo and Osaka?
    expect:
      match: unordered
      calls:
        - parallel:
            - {tool: get_weather, args: {city: Tokyo}}
            - {tool: get_weather, args: {city: Osaka}}
  - id: text
    prompt: Tell me a joke.
    expect: {no_call: true}
"""

CALLS = {
    "single": [("get_weather", {"city": "Paris"})],
    "parallel": [
        ("get_weather", {"city": "Tokyo"}),
        ("get_weather", {"city": "Osaka"}),
    ],
    "text": [],
}


def openai_reply(
    calls: list[tuple[str, dict[str, Any]]], text: str | None
) -> dict[str, Any]:
    import json

    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = [
            {
                "id": f"call{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
            for i, (name, arguments) in enumerate(calls)
        ]
    return {
        "choices": [{"message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 3},
    }


def mistral_reply(
    calls: list[tuple[str, dict[str, Any]]], text: str | None
) -> dict[str, Any]:
    reply = openai_reply(calls, text)
    for i, call in enumerate(reply["choices"][0]["message"].get("tool_calls", [])):
        call["id"] = f"abcdefgh{i}"
    return reply


def anthropic_reply(
    calls: list[tuple[str, dict[str, Any]]], text: str | None
) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content += [
        {"type": "tool_use", "id": f"toolu_{i}", "name": name, "input": arguments}
        for i, (name, arguments) in enumerate(calls)
    ]
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": content,
        "stop_reason": "tool_use" if calls else "end_turn",
        "usage": {"input_tokens": 5, "output_tokens": 3},
    }


def ollama_reply(
    calls: list[tuple[str, dict[str, Any]]], text: str | None
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text or ""}
    if calls:
        message["tool_calls"] = [
            {"function": {"name": name, "arguments": arguments}}
            for name, arguments in calls
        ]
    return {
        "model": "m",
        "message": message,
        "done": True,
        "done_reason": "stop",
        "prompt_eval_count": 5,
        "eval_count": 3,
    }


FORMATS = {
    # provider: (reply builder, base URL suffix, request path, key variable, auth header)
    "openai": (
        openai_reply,
        "/v1",
        "/v1/chat/completions",
        "OPENAI_API_KEY",
        "Authorization",
    ),
    "mistral": (
        mistral_reply,
        "",
        "/v1/chat/completions",
        "MISTRAL_API_KEY",
        "Authorization",
    ),
    "anthropic": (
        anthropic_reply,
        "",
        "/v1/messages",
        "ANTHROPIC_API_KEY",
        "x-api-key",
    ),
    "ollama": (ollama_reply, "", "/api/chat", None, None),
}


@pytest.mark.parametrize("provider", sorted(FORMATS))
def test_spec_runs_through_each_wire_format(
    provider, make_spec, run_pytest, loopback_server, monkeypatch
):
    build, suffix, path, key_variable, auth_header = FORMATS[provider]
    canary = f"CANARY-{provider}-key-000111222"
    if key_variable:
        monkeypatch.setenv(key_variable, canary)
    make_spec(body=SPEC)

    def answer(path, body):  # runs overlap: answer by the prompt, not by arrival order
        prompt = str(body["messages"][-1]["content"])
        case = {"Paris": "single", "Osaka": "parallel", "joke": "text"}
        (name,) = [name for word, name in case.items() if word in prompt]
        text = "Why did the cloud cry?" if name == "text" else None
        return 200, build(CALLS[name], text), {}

    loopback_server.responder = answer
    result = run_pytest(
        f"--fncall-model={provider}/test-model",
        f"--fncall-base-url={loopback_server.url}{suffix}",
        "--fncall-max-retries=0",
    )
    result.assert_outcomes(passed=3)
    assert [request[0] for request in loopback_server.requests] == [path] * 3
    headers = {k.lower(): v for k, v in loopback_server.requests[0][1].items()}
    if auth_header:
        assert canary in headers[auth_header.lower()]
    body = loopback_server.requests[0][2]
    assert body["model"] == "test-model"
    if provider == "anthropic":
        assert body["system"] == "You are a weather assistant."
        assert body["max_tokens"] > 0
        assert headers["anthropic-version"]
    else:
        assert body["messages"][0] == {
            "role": "system",
            "content": "You are a weather assistant.",
        }
    if provider == "ollama":
        assert body["stream"] is False


def test_provider_errors_end_as_clean_errors_without_the_key(
    make_spec, run_pytest, loopback_server, monkeypatch
):
    canary = "sk-CANARY-integration-123456789"
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    make_spec(body=SPEC)

    def answer(path, body):  # runs overlap: answer by the prompt, not by arrival order
        prompt = body["messages"][-1]["content"]
        if "Paris" in prompt:
            return 401, {"error": {"message": f"bad key {canary}"}}, {}
        if "Osaka" in prompt:
            return 200, b"not json", {}
        return "reset"

    loopback_server.responder = answer
    result = run_pytest(
        "--fncall-model=openai/m",
        f"--fncall-base-url={loopback_server.url}/v1",
        "--fncall-max-retries=0",
        "-vv",
    )
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(
        [
            "*provider error (openai/m): openai: HTTP 401 Unauthorized: bad key ****",
            "*provider error (openai/m): openai: HTTP 200, but the body is not JSON: not json",
            "*provider error (openai/m): openai: connection failed to http://127.0.0.1:*",
        ]
    )
    assert canary not in result.stdout.str() + result.stderr.str()
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    result.stdout.no_fnmatch_line("*Traceback*")


def test_timeout_option_applies(make_spec, run_pytest, loopback_server):
    make_spec(body=SPEC)
    loopback_server.queue(("sleep", 2.0, (200, openai_reply([], "late"), {})))
    result = run_pytest(
        "--fncall-model=openai/m",
        f"--fncall-base-url={loopback_server.url}/v1",
        "--fncall-max-retries=0",
        "--fncall-timeout=0.3",
        "-k",
        "single",
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*openai: request timed out (ReadTimeout)*"])


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "--fncall-timeout=soon",
            "--fncall-timeout / ini fncall_timeout: 'soon' is not a valid float",
        ),
        ("--fncall-timeout=0", "--fncall-timeout must be > 0, got 0"),
        ("--fncall-max-retries=-1", "--fncall-max-retries must be >= 0, got -1"),
    ],
)
def test_bad_option_values_are_usage_errors(run_pytest, option, message):
    result = run_pytest(option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])
