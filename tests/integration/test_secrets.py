"""Secrets canary: no key reaches any file written or anything printed.

Every provider variable holds a canary key, and a server that speaks every wire format
echoes the key it was sent (``Authorization`` / ``x-api-key``), and the other canaries
too, inside error messages (JSON and plain text) and inside a successful reply: in a
tool-call argument and in the model's text, as a leaky model would. Then every feature
runs: live, record, replay, ``--fncall-report``, ``--fncall-html``, ``--junitxml``,
snapshots (``--fncall-snapshot --snapshot-update``, then compared), failures and errors at
``-vv``, serially and under xdist. Every file under the test directory and everything
printed is searched for the canaries and for fragments of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CANARIES = {
    "OPENAI_API_KEY": "sk-CANARY-openai-QZXWVKJYHMPT",
    "MISTRAL_API_KEY": "CANARY-mistral-WQZJXKVYPHMR",
    "ANTHROPIC_API_KEY": "sk-ant-CANARY-anthropic-ZXQWJKVHYMRP",
}
MODELS = ("openai/m", "mistral/m", "anthropic/m", "ollama/m")
SPEC = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties: {city: {type: string}}
      required: [city]
cases:
  - id: echo_in_args
    prompt: Weather in Paris? (echo args)
    expect: {call: get_weather, args: {city: Paris}}
  - id: echo_in_text
    prompt: Say hello. (echo text)
    expect: {no_call: true}
  - id: echo_in_json_error
    prompt: Weather in Rome? (echo json error)
    expect: {call: get_weather, args: {city: Rome}}
  - id: echo_in_text_error
    prompt: Weather in Oslo? (echo text error)
    expect: {call: get_weather, args: {city: Oslo}}
"""


def fragments(secret: str) -> list[str]:
    """The canary, and every 6-character piece of its random tail (a cut message
    must not leak part of a key either)."""
    tail = secret.rsplit("-", 1)[1]
    return [secret, *(tail[i : i + 6] for i in range(len(tail) - 5))]


def leaks(text: str) -> list[str]:
    return [
        piece
        for secret in CANARIES.values()
        for piece in fragments(secret)
        if piece in text
    ]


class EchoingModel:
    """Answers each wire format, echoing the key it was sent (and every canary)."""

    def __init__(self, server: Any) -> None:
        self.server = server

    def __call__(self, path: str, body: Any) -> Any:
        sent_headers = next(
            h for _, h, b in reversed(self.server.requests) if b is body
        )
        headers = {key.lower(): value for key, value in sent_headers.items()}
        sent = headers.get("authorization") or headers.get("x-api-key") or "nothing"
        echo = f"you sent {sent}; I also know {' and '.join(CANARIES.values())}"
        prompt = body["messages"][-1]["content"]
        if "json error" in prompt:
            return (401, {"error": {"message": f"Invalid key: {echo}"}}, {})
        if "text error" in prompt:
            return (500, f"<html>Internal error. {echo}</html>".encode(), {})
        if "echo args" in prompt:
            return (200, self.reply(path, {"city": echo}, None), {})
        return (200, self.reply(path, None, f"Hello! {echo}"), {})

    @staticmethod
    def reply(path: str, arguments: Any, text: str | None) -> dict[str, Any]:
        if path.endswith("/messages"):  # Anthropic
            content: list[dict[str, Any]] = (
                [{"type": "text", "text": text}] if text else []
            )
            if arguments is not None:
                content.append(
                    {
                        "type": "tool_use",
                        "id": "t1",
                        "name": "get_weather",
                        "input": arguments,
                    }
                )
            return {"content": content, "stop_reason": "end_turn"}
        calls = []
        if arguments is not None:
            function = {"name": "get_weather", "arguments": arguments}
            if not path.endswith("/api/chat"):  # OpenAI and Mistral: a JSON string
                function["arguments"] = json.dumps(arguments)
            calls.append({"id": "abcdefgh1", "type": "function", "function": function})
        message = {"role": "assistant", "content": text or "", "tool_calls": calls}
        if path.endswith("/api/chat"):  # Ollama
            return {"message": message, "done": True, "done_reason": "stop"}
        return {"choices": [{"message": message, "finish_reason": "stop"}]}


def search_everything(root: Path, outputs: list[str]) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            found += [f"{path.relative_to(root)}: {piece}" for piece in leaks(text)]
    for number, output in enumerate(outputs):
        found += [f"output of run {number}: {piece}" for piece in leaks(output)]
    return found


@pytest.mark.parametrize("plugin_args", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_no_canary_in_any_file_or_output(
    pytester, loopback_server, monkeypatch, plugin_args
):
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    loopback_server.responder = EchoingModel(loopback_server)
    (pytester.path / "weather.fncall.yaml").write_text(SPEC, encoding="utf-8")
    models = [f"--fncall-model={model}" for model in MODELS]
    base = f"--fncall-base-url={loopback_server.url}/v1"
    outputs = []

    def run(label: str, *args: str) -> pytest.RunResult:
        result = pytester.runpytest_subprocess(
            "-p",
            "no:cacheprovider",
            "-vv",
            "-rA",
            *models,
            f"--fncall-report={label}.json",
            f"--fncall-html={label}.html",
            f"--junitxml={label}.xml",
            "--fncall-max-retries=0",
            *plugin_args,
            *args,
        )
        outputs.extend([result.stdout.str(), result.stderr.str()])
        assert "INTERNALERROR" not in result.stdout.str()
        return result

    live = run("live", base, "--fncall-snapshot", "--snapshot-update")
    live.assert_outcomes(passed=4, failed=4, errors=8)
    recorded = run("record", base, "--fncall-record-mode=once", "--fncall-snapshot")
    recorded.assert_outcomes(passed=4, failed=4, errors=8)
    loopback_server.close()
    for name in CANARIES:  # replay needs neither keys nor server
        monkeypatch.delenv(name)
    replayed = run("replay", "--fncall-record-mode=none", "--fncall-snapshot")
    replayed.assert_outcomes(passed=4, failed=4, errors=8)  # errors: never recorded

    # The runs did see the canaries and said what happened, with the keys replaced:
    text = "\n".join(outputs)
    assert "Invalid key: you sent Bearer ***; I also know *** and *** and ***" in text
    assert "Internal error. you sent ***; I also know" in text  # x-api-key, not JSON
    assert "you sent nothing; I also know *** and *** and ***" in text  # ollama
    written = sorted(
        p.name
        for p in pytester.path.rglob("*")
        if p.is_file() and "***" in p.read_text(errors="replace")
    )
    assert "weather.fncall.json" in written  # the cassette
    assert "live.json" in written
    assert "replay.html" in written
    assert any(name.endswith("].json") for name in written)  # a snapshot

    assert search_everything(pytester.path, outputs) == []


LEAKY_MODEL = """\
import json, os


def respond(body):
    key = os.environ["OPENAI_API_KEY"]
    call = {"id": "1", "type": "function",
            "function": {"name": "get_weather", "arguments": json.dumps({"city": key})}}
    return {"role": "assistant", "content": "my key is " + key, "tool_calls": [call]}
"""


def test_an_in_process_model_that_echoes_a_key_leaks_nothing_either(
    pytester, monkeypatch
):
    """No HTTP layer to scrub the reply here: the failure text and every file written
    (cassette, snapshot, reports) scrub on their own."""
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    (pytester.path / "weather.fncall.yaml").write_text(SPEC, encoding="utf-8")
    (pytester.path / "leaky.py").write_text(LEAKY_MODEL, encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-vv",
        "-rA",
        "--fncall-model=python/leaky:respond",
        "--fncall-record-mode=once",
        "--fncall-report=report.json",
        "--fncall-html=report.html",
        "--junitxml=junit.xml",
        "--fncall-snapshot",
        "--snapshot-update",
    )
    result.assert_outcomes(failed=4)
    output = result.stdout.str() + result.stderr.str()
    assert 'city="***"' in output
    assert "my key is ***" in output
    assert search_everything(pytester.path, [output]) == []


def test_the_search_finds_a_leak():
    """The check above can fail: a canary, or a piece of one, is found."""
    assert leaks(f"key={CANARIES['OPENAI_API_KEY']}")
    assert leaks("Invalid key: sk-CANARY-openai-QZXWVK…")
    assert not leaks("Invalid key: ***")
