"""Failures a real API produces, against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from pytest_fncall.errors import ProviderError
from pytest_fncall.providers.base import ModelRequest
from pytest_fncall.providers.openai import OpenAIProvider
from pytest_fncall.settings import Settings

KEY = "sk-CANARY-loopback-987654321"
OK = (
    200,
    {
        "choices": [
            {
                "message": {"role": "assistant", "content": "done"},
                "finish_reason": "stop",
            }
        ]
    },
    {},
)
REQUEST = ModelRequest("m", "case", ({"role": "user", "content": "hi"},), ())


def ask(server: Any, tmp_path, **settings: Any) -> Any:
    config = Settings(
        models=(),
        rootdir=tmp_path,
        base_url=f"{server.url}/v1",
        environment={"OPENAI_API_KEY": KEY},
        **settings,
    )
    return asyncio.run(OpenAIProvider("m", config).complete(REQUEST))


def test_429_with_retry_after_twice_then_success_waits_as_told(
    loopback_server, tmp_path
):
    loopback_server.queue(
        (429, {"error": {"message": "slow down"}}, {"Retry-After": "1"}),
        (429, {"error": {"message": "slow down"}}, {"retry-after-ms": "400"}),
        OK,
    )
    started = time.monotonic()
    turn = ask(loopback_server, tmp_path, max_retries=3)
    assert turn.text == "done"
    assert time.monotonic() - started >= 1.4
    # latency is the answering attempt's time, not the 1.4 s of back-off before it
    assert turn.latency_s is not None
    assert turn.latency_s < 1.0
    assert len(loopback_server.requests) == 3
    path, headers, _ = loopback_server.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == f"Bearer {KEY}"


def test_500_once_then_success(loopback_server, tmp_path):
    loopback_server.queue((500, {"error": {"message": "boom"}}, {}), OK)
    assert ask(loopback_server, tmp_path, max_retries=1).text == "done"
    assert len(loopback_server.requests) == 2


def test_retries_run_out(loopback_server, tmp_path):
    loopback_server.queue(*[(503, {"error": {"message": "overloaded"}}, {})] * 3)
    with pytest.raises(ProviderError) as caught:
        ask(loopback_server, tmp_path, max_retries=2)
    assert str(caught.value) == (
        "openai: HTTP 503 Service Unavailable: overloaded (after 3 attempts)"
    )


def test_401_is_not_retried_and_hides_the_key(loopback_server, tmp_path):
    body = {"error": {"message": f"Incorrect API key provided: {KEY}", "type": "auth"}}
    loopback_server.queue((401, body, {}), OK)
    with pytest.raises(ProviderError) as caught:
        ask(loopback_server, tmp_path, max_retries=3)
    assert str(caught.value) == (
        "openai: HTTP 401 Unauthorized: Incorrect API key provided: *** (auth)"
    )
    assert len(loopback_server.requests) == 1


def test_non_json_body(loopback_server, tmp_path):
    loopback_server.queue((200, b"Gateway says hello", {}))
    with pytest.raises(
        ProviderError, match="HTTP 200, but the body is not JSON: Gateway says"
    ):
        ask(loopback_server, tmp_path, max_retries=0)


def test_a_response_slower_than_the_timeout(loopback_server, tmp_path):
    loopback_server.queue(("sleep", 2.0, OK))
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        ask(loopback_server, tmp_path, max_retries=0, timeout_s=0.3)
    assert "openai: request timed out (ReadTimeout) at http://127.0.0.1:" in str(
        caught.value
    )
    assert time.monotonic() - started < 1.9


def test_a_reset_connection(loopback_server, tmp_path):
    loopback_server.queue("reset")
    with pytest.raises(
        ProviderError, match=r"openai: connection failed to http://127\.0\.0\.1"
    ):
        ask(loopback_server, tmp_path, max_retries=0)


def test_a_reset_connection_is_retried(loopback_server, tmp_path):
    loopback_server.queue("reset", OK)
    assert ask(loopback_server, tmp_path, max_retries=1).text == "done"


def test_nothing_listening(tmp_path, loopback_server):
    url = loopback_server.url
    loopback_server.close()
    config = Settings(models=(), rootdir=tmp_path, base_url=f"{url}/v1", max_retries=0)
    with pytest.raises(ProviderError, match="connection failed"):
        asyncio.run(OpenAIProvider("m", config).complete(REQUEST))
