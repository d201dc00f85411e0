"""--fncall-record-mode: record against a live server, replay with the server gone."""

from __future__ import annotations

import json

import pytest

SPEC = """\
cases:
  - id: paris
    prompt: Weather in Paris?
    expect: {call: get_weather, args: {city: Paris}}
  - id: tokyo
    prompt: Weather in Tokyo?
    expect: {call: get_weather, args: {city: Tokyo}}
"""


def reply(city: str) -> tuple[int, dict, dict]:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": json.dumps({"city": city})},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return 200, {"choices": [{"message": message, "finish_reason": "tool_calls"}]}, {}


def test_record_once_then_replay_offline_with_the_same_verdicts(
    make_spec, run_pytest, loopback_server, pytester, monkeypatch, plugin_args
):
    canary = "sk-CANARY-record-mode-55555"
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    make_spec(body=SPEC)

    def answer(path, body):  # tokyo gets a wrong answer
        return reply("Paris" if "Paris" in body["messages"][-1]["content"] else "Osaka")

    loopback_server.responder = answer
    live = run_pytest(
        "--fncall-model=openai/m",
        f"--fncall-base-url={loopback_server.url}/v1",
        "--fncall-record-mode=once",
        *plugin_args,
    )
    live.assert_outcomes(passed=1, failed=1)
    assert len(loopback_server.requests) == 2
    cassette = pytester.path / "__fncall_cassettes__" / "weather.fncall.json"
    text = cassette.read_text()
    assert canary not in text
    assert sorted(e["case"] for e in json.loads(text)["exchanges"]) == [
        "paris",
        "tokyo",
    ]

    loopback_server.close()
    monkeypatch.delenv("OPENAI_API_KEY")  # replay needs no key and no server
    replay = run_pytest(
        "--fncall-model=openai/m", "--fncall-record-mode=none", *plugin_args
    )
    replay.assert_outcomes(passed=1, failed=1)
    replay.stdout.fnmatch_lines(["*differs:  $.city: expected 'Tokyo', got 'Osaka'"])


def test_a_case_never_recorded_is_an_error_naming_case_and_cassette(
    make_spec, run_pytest, pytester
):
    make_spec(body=SPEC)
    result = run_pytest(
        "--fncall-model=openai/m", "--fncall-record-mode=none", "-k", "paris"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*no recorded exchange for case 'paris' (openai/m, request #1) in "
            "__fncall_cassettes__/weather.fncall.json: the request changed or was never "
            "recorded; record it against a live model with --fncall-record-mode=once"
        ]
    )


def test_record_mode_from_ini_shows_in_the_header(make_spec, run_pytest, pytester):
    pytester.makeini("[pytest]\nfncall_record_mode = none\n")
    make_spec(body=SPEC)
    result = run_pytest("--fncall-model=openai/m")
    result.stdout.fnmatch_lines(["fncall: models=openai/m record-mode=none"])


def test_invalid_record_mode_is_a_usage_error(run_pytest, pytester):
    pytester.makeini("[pytest]\nfncall_record_mode = sometimes\n")
    result = run_pytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*'sometimes' is not a valid fncall_record_mode. "
            "Valid values: off, none, once, new, all.*"
        ]
    )
