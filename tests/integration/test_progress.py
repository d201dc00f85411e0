"""The live status of a slow run: on a terminal only, erased again, never in a log."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time

from pytest_fncall.progress import status_text
from pytest_fncall.providers.limiter import RequestStats

SPEC = "cases:\n  - id: slow\n    prompt: Weather in Paris?\n    expect: {call: get_weather}\n"


def slow_answer(path, body):
    time.sleep(3.0)  # longer than the quiet wait, so the status shows
    call = {
        "id": "c",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return 200, {"choices": [{"message": message, "finish_reason": "tool_calls"}]}, {}


def test_status_text():
    assert (
        status_text(RequestStats(done=3, in_flight=2))
        == " [fncall: 3 done, 2 in flight]"
    )
    assert status_text(RequestStats(done=3, in_flight=2, retried=1)) == (
        " [fncall: 3 done, 2 in flight, 1 retried]"
    )


def command(server_url: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--fncall-model=openai/m",
        f"--fncall-base-url={server_url}/v1",
    ]


def test_a_terminal_sees_the_status_while_waiting(make_spec, loopback_server, pytester):
    make_spec(body=SPEC)
    loopback_server.responder = slow_answer
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        command(loopback_server.url),
        cwd=pytester.path,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=60) == 0
    text = output.decode(errors="replace")
    assert "[fncall: 0 done, 1 in flight]" in text
    assert "1 passed" in text


def test_a_log_never_sees_it(make_spec, loopback_server, pytester):
    make_spec(body=SPEC)
    loopback_server.responder = slow_answer
    result = subprocess.run(
        command(loopback_server.url), cwd=pytester.path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    assert "[fncall:" not in result.stdout + result.stderr
    assert "weather.fncall.yaml ." in result.stdout
