"""Hostile responses, per wire format: whatever JSON (or not) a server sends, a turn ends
as a ProviderError (a pytest error) or a judged trajectory (pass, or failures with their
codes), in bounded time and memory: never another exception, never a hang.

The fuzz tests generate valid-looking and broken bodies per wire format (missing fields,
wrong types, nulls, huge or deeply nested arguments, non-object arguments, duplicate call
ids, thousands of calls, truncated or non-JSON bodies, error statuses), serve them through
``httpx.MockTransport`` and push the outcome through everything that reads a turn: the
verdict, the failure text, a cassette (written and replayed) and the JSON and HTML
reports. ``FNCALL_FUZZ_EXAMPLES=2000`` runs them longer (CI); the default stays quick.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import os
import re
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pytest_fncall.cassettes import Cassette, request_key
from pytest_fncall.errors import ProviderError
from pytest_fncall.files import write_atomically
from pytest_fncall.loader import CaseDefinition, load_spec
from pytest_fncall.providers.anthropic import AnthropicProvider
from pytest_fncall.providers.base import ModelRequest
from pytest_fncall.providers.http import MAX_RESPONSE_BYTES
from pytest_fncall.providers.mistral import MistralProvider
from pytest_fncall.providers.ollama import OllamaProvider
from pytest_fncall.providers.openai import OpenAIProvider
from pytest_fncall.records import case_record
from pytest_fncall.report import render_failures
from pytest_fncall.report_html import html_report
from pytest_fncall.report_json import build_report, report_text
from pytest_fncall.results import (
    MAX_ARGUMENT_DEPTH,
    MAX_CALLS_PER_TURN,
    MAX_FAILURES_PER_CODE,
    ModelTurn,
    ToolCall,
    Trajectory,
    failure_count,
)
from pytest_fncall.runner import build_request
from pytest_fncall.settings import Settings
from pytest_fncall.verdict import evaluate

WIRES = ("openai", "mistral", "anthropic", "ollama")
PROVIDERS: dict[str, Any] = {
    "openai": OpenAIProvider,
    "mistral": MistralProvider,
    "anthropic": AnthropicProvider,
    "ollama": OllamaProvider,
}
CODES = {
    "malformed_args",
    "schema_violation",
    "missing_required",
    "unexpected_param",
    "unknown_tool",
    "wrong_tool",
    "arg_mismatch",
    "missing_call",
    "extra_call",
    "unexpected_call",
    "order_violation",
    "not_parallel",
    "count_mismatch",
    "forbidden_call",
    "snapshot_mismatch",
}
KEYS = {
    "OPENAI_API_KEY": "sk-hostile-openai-0123456789",
    "MISTRAL_API_KEY": "hostile-mistral-0123456789",
    "ANTHROPIC_API_KEY": "sk-ant-hostile-0123456789",
}
SPEC = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties:
        city: {type: string}
        unit: {type: string, enum: [celsius, fahrenheit]}
      required: [city]
  - name: get_time
    description: Current time in a time zone.
    parameters:
      type: object
      properties:
        tz: {type: string}
      required: [tz]
cases:
  - id: paris
    prompt: Weather in Paris?
    expect: {call: get_weather, args: {city: Paris}}
"""
MAX_TEXT = 60_000  # characters of failure text for one item, whatever the reply
MAX_SECONDS = 20.0  # for one reply, read, judged, recorded and reported
EXAMPLES = int(os.environ.get("FNCALL_FUZZ_EXAMPLES", "60"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ---------------------------------------------------------------- the pipeline


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> CaseDefinition:
    path = tmp_path_factory.mktemp("spec") / "weather.fncall.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return load_spec(path).cases[0]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def make_provider(
    wire: str, handler: Callable[[httpx.Request], Any], rootdir: Path
) -> Any:
    config = Settings(
        models=(),
        rootdir=rootdir,
        environment=dict(KEYS),
        max_retries=0,
        timeout_s=10,
        base_url="http://hostile.test",
    )
    return PROVIDERS[wire]("m", config, transport=httpx.MockTransport(handler))


def serve(body: bytes, status: int = 200, **headers: str) -> Callable[..., Any]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status,
            content=body,
            headers={"content-type": "application/json", **headers},
        )

    return handler


def ask(provider: Any, request: ModelRequest) -> ModelTurn:
    async def bounded() -> ModelTurn:
        turn: ModelTurn = await asyncio.wait_for(provider.complete(request), 30)
        return turn

    return asyncio.run(bounded())


def outcome(wire: str, handler: Any, case: CaseDefinition, workdir: Path) -> str:
    """``"error"`` (a ProviderError), ``"failed"`` or ``"passed"``; the turn is also
    judged, rendered, recorded, replayed and reported, each step bounded."""
    started = time.monotonic()
    request = build_request(case, "m")
    try:
        turn = ask(make_provider(wire, handler, workdir), request)
    except ProviderError as exc:
        message = str(exc)
        assert message.startswith(wire)
        assert len(message) < 2_000, message[:300]
        assert not any(key in message for key in KEYS.values())
        return "error"
    assert len(turn.calls) <= MAX_CALLS_PER_TURN
    trajectory = Trajectory((turn,))
    failures = evaluate(case.expectation, trajectory, case.tools)
    assert {failure.code for failure in failures} <= CODES
    for code in {failure.code for failure in failures}:
        listed = [f for f in failures if f.code == code and not f.hidden]
        assert len(listed) <= MAX_FAILURES_PER_CODE
    text = render_failures("paris[m]", failures, trajectory, case.messages, 2)
    assert len(text) < MAX_TEXT
    text.encode("utf-8")  # printable: no lone surrogate
    replayed_names = _record_and_replay(turn, request, workdir)
    assert replayed_names == [(c.name, c.arguments is None) for c in turn.calls]
    _report(case, failures, trajectory, workdir)
    assert time.monotonic() - started < MAX_SECONDS
    return "failed" if failures else "passed"


def _record_and_replay(
    turn: ModelTurn, request: ModelRequest, workdir: Path
) -> list[tuple[str, bool]]:
    path = workdir / "__fncall_cassettes__" / "weather.fncall.json"
    path.unlink(missing_ok=True)
    key = request_key("openai", request)
    recorder = Cassette(path, list(KEYS.values()))
    recorder.record("paris", "m", key, 0, request, turn)
    recorder.flush()
    json.loads(path.read_text(encoding="utf-8"))
    replayed = Cassette(path, []).find("paris", "m", key, 0)
    assert replayed is not None
    return [(c.name, c.arguments is None) for c in replayed.calls]


def _report(
    case: CaseDefinition, failures: Any, trajectory: Trajectory, workdir: Path
) -> None:
    record = case_record(
        nodeid="weather.fncall.yaml::paris[m]",
        file="weather.fncall.yaml",
        case="paris",
        model="m",
        outcome="failed" if failures else "passed",
        failures=failures,
        trajectories=[(trajectory, not failures)],
        messages=case.messages,
    )
    document = build_report([record], ["m"])
    path = workdir / "report.json"
    write_atomically(path, report_text(document))
    json.loads(path.read_text(encoding="utf-8"))
    write_atomically(workdir / "report.html", html_report(document))


# ---------------------------------------------------------------- strategies

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=12)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def mostly(
    usual: st.SearchStrategy[Any], *others: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """``usual`` five times in six, else one of ``others``."""
    return st.sampled_from([True] * 5 + [False]).flatmap(
        lambda normal: usual if normal else st.one_of(*others)
    )


DEPTHS = st.sampled_from(
    [2, MAX_ARGUMENT_DEPTH, MAX_ARGUMENT_DEPTH + 1, 200, 900, 100_000]
)
# Sentinels, expanded in the serialised body (hypothesis need not build deep values):
# "@@deepobj70@@" becomes a 70-deep object, "@@sdeeplist9@@" a string holding a 9-deep list.
DEEP_VALUE = st.builds("@@deep{}{}@@".format, st.sampled_from(["obj", "list"]), DEPTHS)
DEEP_STRING = st.builds(
    "@@sdeep{}{}@@".format, st.sampled_from(["obj", "list"]), DEPTHS
)
HUGE = "x" * 1_000_000
WEATHER_ARGS = st.fixed_dictionaries(
    {"city": st.sampled_from(["Paris", "Rome", HUGE, "\ud800", "Par\x00is"])},
    optional={
        "unit": st.sampled_from(["celsius", "kelvin"]) | JSON,
        "extra": JSON,
    },
)
ARG_OBJECTS = WEATHER_ARGS | st.dictionaries(st.text(max_size=5), JSON, max_size=4)
ARG_STRINGS = (
    WEATHER_ARGS.map(json.dumps)
    | JSON.map(json.dumps)
    | st.sampled_from(["", " ", "{", "null", "[1, 2]", '"Paris"', "42", "{}"])
    | st.text(max_size=20)
    | DEEP_STRING
    | st.just(json.dumps({f"k{i}": i for i in range(20_000)}))
)
ARGUMENTS = ARG_STRINGS | ARG_OBJECTS | DEEP_VALUE | JSON
NAMES = mostly(
    st.sampled_from(["get_weather", "get_time", "unknown", "", "x" * 10_000]),
    st.text(max_size=10),
    JSON,
)
IDS = st.sampled_from(["call_1", "call_1", "", "a" * 5_000]) | JSON
TEXTS = mostly(st.none() | st.text(max_size=20), st.just(HUGE), st.just("\udc80"), JSON)


def dropping(strategy: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """Dicts from ``strategy`` with any of their keys left out (each one in six)."""
    keep = st.sampled_from([True] * 5 + [False])
    return st.builds(
        lambda value, kept: {k: v for i, (k, v) in enumerate(value.items()) if kept[i]},
        strategy,
        st.lists(keep, min_size=8, max_size=8),
    )


def many(valid: dict[str, Any]) -> st.SearchStrategy[list[Any]]:
    counts = st.sampled_from([2, MAX_CALLS_PER_TURN, MAX_CALLS_PER_TURN + 1, 5_000])
    return counts.map(lambda n: [valid] * n)


def broken(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly ``strategy``; one time in six, any JSON value instead."""
    return st.sampled_from([False] * 5 + [True]).flatmap(
        lambda spoilt: JSON if spoilt else strategy
    )


OPENAI_CALL = dropping(
    st.fixed_dictionaries(
        {
            "id": IDS,
            "type": st.just("function") | JSON,
            "function": broken(
                dropping(st.fixed_dictionaries({"name": NAMES, "arguments": ARGUMENTS}))
            ),
        }
    )
)
VALID_OPENAI_CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}


def openai_responses(content: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    message = dropping(
        st.fixed_dictionaries(
            {
                "role": st.just("assistant"),
                "content": content,
                "tool_calls": mostly(
                    st.lists(broken(OPENAI_CALL), max_size=4),
                    st.none(),
                    many(VALID_OPENAI_CALL),
                    JSON,
                ),
            }
        )
    )
    choice = dropping(
        st.fixed_dictionaries(
            {
                "index": st.just(0),
                "message": broken(message),
                "finish_reason": st.sampled_from(["stop", "tool_calls"]) | JSON,
            }
        )
    )
    usage = dropping(
        st.fixed_dictionaries({"prompt_tokens": JSON, "completion_tokens": JSON})
    )
    return broken(
        dropping(
            st.fixed_dictionaries(
                {
                    "choices": mostly(
                        st.lists(broken(choice), min_size=1, max_size=2),
                        st.just([]),
                        JSON,
                    ),
                    "usage": broken(usage),
                }
            )
        )
    )


MISTRAL_CHUNKS = st.lists(
    broken(
        dropping(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["text", "thinking"]) | JSON, "text": TEXTS}
            )
        )
    ),
    max_size=3,
)
ANTHROPIC_BLOCK = broken(
    dropping(
        st.fixed_dictionaries(
            {
                "type": mostly(st.sampled_from(["text", "tool_use", "thinking"]), JSON),
                "text": TEXTS,
                "id": IDS,
                "name": NAMES,
                "input": ARGUMENTS,
            }
        )
    )
)
VALID_TOOL_USE = {
    "type": "tool_use",
    "id": "toolu_1",
    "name": "get_weather",
    "input": {"city": "Paris"},
}
OLLAMA_CALL = broken(
    dropping(
        st.fixed_dictionaries(
            {
                "function": broken(
                    dropping(
                        st.fixed_dictionaries({"name": NAMES, "arguments": ARGUMENTS})
                    )
                )
            }
        )
    )
)
VALID_OLLAMA_CALL = {
    "function": {"name": "get_weather", "arguments": {"city": "Paris"}}
}
RESPONSES: dict[str, st.SearchStrategy[Any]] = {
    "openai": openai_responses(TEXTS),
    "mistral": openai_responses(TEXTS | MISTRAL_CHUNKS),
    "anthropic": broken(
        dropping(
            st.fixed_dictionaries(
                {
                    "type": st.just("message"),
                    "role": st.just("assistant"),
                    "content": mostly(
                        st.lists(ANTHROPIC_BLOCK, max_size=4),
                        many(VALID_TOOL_USE),
                        JSON,
                    ),
                    "stop_reason": st.sampled_from(["tool_use", "end_turn"]) | JSON,
                    "usage": broken(
                        dropping(
                            st.fixed_dictionaries(
                                {
                                    "input_tokens": JSON,
                                    "output_tokens": JSON,
                                    "cache_read_input_tokens": JSON,
                                }
                            )
                        )
                    ),
                }
            )
        )
    ),
    "ollama": broken(
        dropping(
            st.fixed_dictionaries(
                {
                    "model": st.just("m"),
                    "message": broken(
                        dropping(
                            st.fixed_dictionaries(
                                {
                                    "role": st.just("assistant"),
                                    "content": TEXTS,
                                    "tool_calls": mostly(
                                        st.lists(OLLAMA_CALL, max_size=4),
                                        st.none(),
                                        many(VALID_OLLAMA_CALL),
                                        JSON,
                                    ),
                                }
                            )
                        )
                    ),
                    "done": st.just(True) | JSON,
                    "done_reason": st.just("stop") | JSON,
                    "prompt_eval_count": JSON,
                    "eval_count": JSON,
                }
            )
        )
    ),
}
_SENTINEL = re.compile(r'"@@(s?)deep(obj|list)(\d+)@@"')


def expand(text: str) -> str:
    def deep(match: re.Match[str]) -> str:
        depth = int(match[3])
        if match[2] == "obj":
            value = '{"a":' * depth + "1" + "}" * depth
        else:
            value = "[" * depth + "]" * depth
        return json.dumps(value) if match[1] else value

    return _SENTINEL.sub(deep, text)


@st.composite
def bodies(draw: st.DrawFn, wire: str) -> tuple[int, bytes]:
    """A status and a body: the document serialised, then perhaps spoilt."""
    status = draw(st.sampled_from([200] * 24 + [400, 401, 404, 429, 500, 503]))
    text = expand(json.dumps(draw(RESPONSES[wire])))
    body = text.encode("utf-8", "surrogatepass")
    spoil = draw(st.sampled_from(["none"] * 16 + ["cut", "garbage", "empty", "latin"]))
    if spoil == "cut":
        body = body[: draw(st.integers(0, max(0, len(body) - 1)))]
    elif spoil == "garbage":
        body = draw(st.binary(max_size=64))
    elif spoil == "empty":
        body = b""
    elif spoil == "latin":
        body = text.encode("latin-1", "replace")
    return status, body


# ---------------------------------------------------------------- fuzz tests


@pytest.mark.parametrize("wire", WIRES)
@fuzz
@given(data=st.data())
def test_any_body_ends_as_a_provider_error_or_a_judged_turn(
    wire: str, data: st.DataObject, case: CaseDefinition, workdir: Path
) -> None:
    status, body = data.draw(bodies(wire), label="status and body")
    result = outcome(wire, serve(body, status), case, workdir)
    event(f"outcome: {result}")  # --hypothesis-show-statistics shows the mix
    assert result in ("error", "failed", "passed")
    if status != 200:
        assert result == "error"


@pytest.mark.parametrize("wire", WIRES)
@fuzz
@given(arguments=ARGUMENTS)
def test_any_arguments_of_a_well_formed_reply_are_judged(
    wire: str, arguments: Any, case: CaseDefinition, workdir: Path
) -> None:
    """A well-formed reply with one call is never a provider error, whatever its
    arguments: the model's mistakes are failures with codes (``malformed_args``...)."""
    body = expand(json.dumps(_one_call_reply(wire, arguments)))
    handler = serve(body.encode("utf-8", "surrogatepass"))
    result = outcome(wire, handler, case, workdir)
    event(f"outcome: {result}")
    depth = re.search(r"@@deep(?:obj|list)(\d+)@@", json.dumps(arguments))
    if depth and int(depth[1]) > 500:
        return  # the body itself is too deep to decode: an error is right too
    assert result in ("failed", "passed")


def _one_call_reply(wire: str, arguments: Any) -> dict[str, Any]:
    if wire in ("openai", "mistral"):
        call = {"id": "abcdefgh1", "type": "function"}
        call["function"] = {"name": "get_weather", "arguments": arguments}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        return {"choices": [{"message": message, "finish_reason": "tool_calls"}]}
    if wire == "anthropic":
        block = {"type": "tool_use", "id": "t1", "name": "get_weather"}
        return {"content": [{**block, "input": arguments}], "stop_reason": "tool_use"}
    function = {"name": "get_weather", "arguments": arguments}
    message = {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"function": function}],
    }
    return {"message": message, "done": True}


# ---------------------------------------------------------------- explicit cases


def reply_with_calls(wire: str, calls: list[tuple[str, Any, str]]) -> dict[str, Any]:
    """A well-formed reply whose calls are ``(name, arguments, id)``."""
    if wire in ("openai", "mistral"):
        tool_calls = [
            {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
            for n, a, i in calls
        ]
        message = {"role": "assistant", "content": None, "tool_calls": tool_calls}
        return {"choices": [{"message": message, "finish_reason": "tool_calls"}]}
    if wire == "anthropic":
        blocks = [
            {"type": "tool_use", "id": i, "name": n, "input": json.loads(a)}
            for n, a, i in calls
        ]
        return {"content": blocks, "stop_reason": "tool_use"}
    tool_calls = [
        {"function": {"name": n, "arguments": json.loads(a)}} for n, a, _ in calls
    ]
    return {"message": {"role": "assistant", "content": "", "tool_calls": tool_calls}}


def judged(
    wire: str, document: Any, case: CaseDefinition, workdir: Path
) -> tuple[ModelTurn, list[Any], str]:
    body = expand(json.dumps(document)).encode()
    turn = ask(make_provider(wire, serve(body), workdir), build_request(case, "m"))
    trajectory = Trajectory((turn,))
    failures = evaluate(case.expectation, trajectory, case.tools)
    text = render_failures("paris[m]", failures, trajectory, case.messages, 2)
    return turn, failures, text


@pytest.mark.parametrize("wire", WIRES)
def test_more_calls_than_the_cap_is_a_provider_error_naming_it(wire, case, workdir):
    calls = [
        ("get_weather", '{"city": "Paris"}', f"c{i}")
        for i in range(MAX_CALLS_PER_TURN + 1)
    ]
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        judged(wire, reply_with_calls(wire, calls), case, workdir)
    assert f"makes {MAX_CALLS_PER_TURN + 1} tool calls" in str(caught.value)
    assert f"at most {MAX_CALLS_PER_TURN}" in str(caught.value)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("wire", WIRES)
def test_a_thousand_wrong_calls_give_a_bounded_report(wire, case, workdir):
    calls = [
        ("get_time", json.dumps({"tz": "UTC", f"x{i}": i}), "dup") for i in range(1000)
    ]
    started = time.monotonic()
    turn, failures, text = judged(wire, reply_with_calls(wire, calls), case, workdir)
    assert time.monotonic() - started < 10
    assert len(turn.calls) == 1000
    assert failure_count(failures) > 1000  # every failed check counted...
    assert len(failures) < 6 * (MAX_FAILURES_PER_CODE + 1)  # ...but not all listed
    assert len(text) < MAX_TEXT
    assert "... and 980 more unexpected_param failures (not listed)" in text
    assert "... and 950 more calls" in text


@pytest.mark.parametrize("wire", WIRES)
def test_duplicate_call_ids_are_two_calls(wire, case, workdir):
    calls = [
        ("get_weather", '{"city": "Paris"}', "same"),
        ("get_weather", '{"city": "Rome"}', "same"),
    ]
    turn, failures, _ = judged(wire, reply_with_calls(wire, calls), case, workdir)
    assert [c.arguments for c in turn.calls] == [{"city": "Paris"}, {"city": "Rome"}]
    assert [f.code for f in failures] == ["extra_call"]


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    ("arguments", "why"),
    [
        ("[1, 2]", "arguments are a JSON array, not an object"),
        ("null", "arguments are a JSON null, not an object"),
        ('"Paris"', "arguments are a JSON string, not an object"),
        ("42", "arguments are a JSON number, not an object"),
        (
            '{"a":' * (MAX_ARGUMENT_DEPTH + 1) + "1" + "}" * (MAX_ARGUMENT_DEPTH + 1),
            f"arguments are nested deeper than {MAX_ARGUMENT_DEPTH} levels",
        ),
    ],
    ids=["array", "null", "string", "number", "too-deep"],
)
def test_arguments_that_are_not_an_object_are_malformed(
    wire, arguments, why, case, workdir
):
    document = reply_with_calls(wire, [("get_weather", arguments, "c1")])
    turn, failures, text = judged(wire, document, case, workdir)
    if wire == "ollama" and arguments == '"Paris"':
        why = "invalid JSON: Expecting value: line 1 column 1 (char 0)"  # JSON text
    assert turn.calls[0].parse_error == why
    assert [f.code for f in failures] == ["malformed_args"]
    assert len(text) < 5_000


@pytest.mark.parametrize("wire", ["openai", "mistral"])
def test_arguments_nested_100k_deep_are_malformed_not_a_recursion_error(
    wire, case, workdir
):
    deep = "[" * 100_000 + "]" * 100_000
    document = reply_with_calls(wire, [("get_weather", deep, "c1")])
    turn, failures, text = judged(wire, document, case, workdir)
    assert turn.calls[0].parse_error == (
        f"arguments are nested deeper than {MAX_ARGUMENT_DEPTH} levels"
    )
    assert [f.code for f in failures] == ["malformed_args"]
    assert len(text) < 5_000


@pytest.mark.parametrize("wire", WIRES)
def test_arguments_at_the_depth_limit_are_judged_normally(wire, case, workdir):
    depth = MAX_ARGUMENT_DEPTH - 1  # the arguments object itself is one level
    nested = '{"a":' * depth + "1" + "}" * depth
    arguments = '{"city": "Paris", "unit": ' + nested + "}"
    document = reply_with_calls(wire, [("get_weather", arguments, "c1")])
    turn, failures, _ = judged(wire, document, case, workdir)
    assert turn.calls[0].arguments is not None
    assert {f.code for f in failures} == {"schema_violation"}  # unit: not a string


@pytest.mark.parametrize("wire", WIRES)
def test_a_body_nested_100k_deep_is_a_provider_error(wire, case, workdir):
    body = ('{"x":' + "[" * 100_000 + "]" * 100_000 + "}").encode()
    provider = make_provider(wire, serve(body), workdir)
    with pytest.raises(ProviderError, match="nests arrays or objects too deeply"):
        ask(provider, build_request(case, "m"))


@pytest.mark.parametrize("wire", WIRES)
def test_an_error_body_nested_deeply_still_gives_its_status(wire, case, workdir):
    body = ('{"error": ' * 900 + '"deep"' + "}" * 900).encode()
    provider = make_provider(wire, serve(body, 400), workdir)
    with pytest.raises(ProviderError, match=r"HTTP 400 Bad Request"):
        ask(provider, build_request(case, "m"))


@pytest.mark.parametrize("wire", WIRES)
def test_a_body_over_the_size_cap_is_refused_before_it_is_read(wire, case, workdir):
    """Declared too large (content-length), or streamed without a length: either way
    the read stops at the cap, so memory stays bounded (measured with tracemalloc)."""
    big = b" " * (MAX_RESPONSE_BYTES + 1)
    provider = make_provider(wire, serve(big), workdir)
    with pytest.raises(ProviderError, match="larger than 16 MiB"):
        ask(provider, build_request(case, "m"))

    chunk = b" " * (1024 * 1024)

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(200):  # 200 MiB, if anyone read it all
            yield chunk

    def streaming(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    provider = make_provider(wire, streaming, workdir)
    tracemalloc.start()
    try:
        with pytest.raises(ProviderError, match="larger than 16 MiB"):
            ask(provider, build_request(case, "m"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_RESPONSE_BYTES


@pytest.mark.parametrize("wire", WIRES)
def test_lone_surrogates_are_replaced_so_everything_can_be_written(wire, case, workdir):
    arguments = json.dumps({"city": "Par\ud800is", "\udc80": 1})
    document = reply_with_calls(wire, [("get_weather", arguments, "c1")])
    if wire in ("openai", "mistral"):
        document["choices"][0]["message"]["content"] = "bad \udfff text"
    assert outcome(wire, serve(json.dumps(document).encode()), case, workdir) == (
        "failed"
    )
    turn, _, text = judged(wire, document, case, workdir)
    assert turn.calls[0].arguments == {"city": "Par\ufffdis", "\ufffd": 1}
    text.encode("utf-8")


@pytest.mark.parametrize(
    "retry_after", ["nan", "inf", "-5", "Mon, 99 Foo 2024", "1e999", "soon"]
)
def test_hostile_retry_after_headers_neither_crash_nor_stall(
    retry_after, case, workdir
):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    body = json.dumps({"error": {"message": "slow down"}}).encode()
    provider = make_provider("openai", serve(body, 429), workdir)
    header = retry_after
    provider.policy = dataclasses.replace(
        provider.policy,
        max_retries=2,
        sleep=sleep,
        transport=httpx.MockTransport(serve(body, 429, **{"retry-after": header})),
    )
    with pytest.raises(ProviderError, match="HTTP 429"):
        ask(provider, build_request(case, "m"))
    assert len(waits) == 2
    assert all(0 <= wait <= 120 for wait in waits)


@pytest.mark.parametrize("wire", WIRES)
def test_a_redirect_loop_and_a_broken_encoding_are_provider_errors(wire, case, workdir):
    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": str(request.url)})

    with pytest.raises(ProviderError, match="failed"):
        ask(make_provider(wire, loop, workdir), build_request(case, "m"))
    not_gzip = serve(b"plain text", 200, **{"content-encoding": "gzip"})
    with pytest.raises(ProviderError, match="failed"):
        ask(make_provider(wire, not_gzip, workdir), build_request(case, "m"))
    fine = json.dumps(_one_call_reply(wire, {"city": "Paris"})).encode()
    real_gzip = serve(gzip.compress(fine), **{"content-encoding": "gzip"})
    turn = ask(make_provider(wire, real_gzip, workdir), build_request(case, "m"))
    assert turn.calls[0].arguments == {"city": "Paris"}


# ---------------------------------------------------------------- verdict and text


def test_the_verdict_and_its_text_stay_bounded_with_5000_calls(case):
    """Beyond one reply's cap, trajectories can still be long (scripted or python
    providers, several steps): the verdict and the failure text stay small and quick."""
    kinds = [
        lambda i: ToolCall.from_model_arguments(f"c{i}", "nope", "{}"),
        lambda i: ToolCall.from_model_arguments(f"c{i}", "get_weather", "{bad"),
        lambda i: ToolCall.from_model_arguments(
            f"c{i}", "get_weather", json.dumps({"city": f"C{i}", "x" * 50: "y" * 500})
        ),
    ]
    for make in kinds:
        trajectory = Trajectory(
            tuple(
                ModelTurn(None, tuple(make(i) for i in range(s, s + 1000)))
                for s in range(0, 5000, 1000)
            )
        )
        started = time.monotonic()
        failures = evaluate(case.expectation, trajectory, case.tools)
        text = render_failures("paris[m]", failures, trajectory, case.messages, 2)
        assert time.monotonic() - started < 10
        assert failure_count(failures) >= 5000
        assert len(failures) <= 4 * (MAX_FAILURES_PER_CODE + 1)
        assert len(text) < MAX_TEXT
        assert "more calls" in text


def test_render_failures_bounds_what_it_is_given(case):
    """Failures from anywhere (a plugin, a reliability verdict) are bounded too."""
    from pytest_fncall.results import Failure

    failures = [
        Failure("extra_call", "x" * 10_000, tuple(f"line {i}" for i in range(500)))
        for _ in range(300)
    ]
    call = ToolCall.from_model_arguments("c", "f" * 10_000, json.dumps({"k": HUGE}))
    trajectory = Trajectory((ModelTurn("t" * 100_000, (call,) * 300),))
    text = render_failures("paris[m]", failures, trajectory, case.messages, 2)
    assert text.startswith("fncall: paris[m]: 300 checks failed")
    assert "... and 280 more extra_call failures (not listed)" in text
    assert "... and 475 more lines" in text
    assert "... and 250 more calls" in text
    assert len(text) < MAX_TEXT


# ---------------------------------------------------------------- end to end

END_TO_END_SPEC = SPEC.replace(
    "cases:\n",
    """cases:
  - id: deep
    prompt: deep
    expect: {call: get_weather, args: {city: Paris}}
  - id: too_deep
    prompt: too_deep
    expect: {call: get_weather, args: {city: Paris}}
  - id: thousand
    prompt: thousand
    expect: {call: get_weather, args: {city: Paris}}
  - id: too_many
    prompt: too_many
    expect: {call: get_weather, args: {city: Paris}}
  - id: surrogates
    prompt: surrogates
    expect: {call: get_weather, args: {city: Paris}}
""",
)


def end_to_end_reply(path: str, body: Any) -> Any:
    prompt = body["messages"][-1]["content"]
    depth = MAX_ARGUMENT_DEPTH - 1
    arguments = {
        "deep": '{"city": "Paris", "unit": '
        + '{"a":' * depth
        + "1"
        + "}" * depth
        + "}",
        "too_deep": "[" * 100_000 + "]" * 100_000,
        "surrogates": '{"city": "Par\\ud800is"}',
    }.get(prompt, '{"city": "Paris"}')
    count = {"thousand": MAX_CALLS_PER_TURN, "too_many": MAX_CALLS_PER_TURN + 1}
    calls = [
        {
            "id": "same",
            "type": "function",
            "function": {"name": "get_weather", "arguments": arguments},
        }
    ] * count.get(prompt, 1)
    message = {"role": "assistant", "content": "\udc80", "tool_calls": calls}
    document = {"choices": [{"message": message, "finish_reason": "tool_calls"}]}
    return (200, json.dumps(document).encode(), {})


@pytest.mark.parametrize("plugin_args", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_hostile_replies_end_to_end_with_every_writer(
    pytester, loopback_server, plugin_args
):
    """Deep, too deep, a thousand and too many calls, lone surrogates: through a live
    recorded run with reports, JUnit and snapshots, then replayed; no INTERNALERROR."""
    (pytester.path / "weather.fncall.yaml").write_text(END_TO_END_SPEC)
    loopback_server.responder = end_to_end_reply
    common = [
        "-p",
        "no:cacheprovider",
        "-vv",
        "--fncall-model=openai/m",
        "--fncall-report=report.json",
        "--fncall-html=report.html",
        "--junitxml=junit.xml",
        "--fncall-snapshot",
        *plugin_args,
    ]
    live = pytester.runpytest_subprocess(
        *common,
        f"--fncall-base-url={loopback_server.url}/v1",
        "--fncall-record-mode=once",
        "--snapshot-update",
        "--fncall-max-retries=0",
    )
    replay = pytester.runpytest_subprocess(*common, "--fncall-record-mode=none")
    for result in (live, replay):
        output = result.stdout.str()
        assert "INTERNALERROR" not in output
        assert "Traceback" not in output
        result.assert_outcomes(passed=1, failed=4, errors=1)  # paris passes
        report = json.loads((pytester.path / "report.json").read_text())
        codes = {case["case"]: case["failures"] for case in report["cases"]}
        assert {f["code"] for f in codes["too_deep"]} == {"malformed_args"}
        assert {f["code"] for f in codes["deep"]} == {"schema_violation"}
        assert {f["code"] for f in codes["thousand"]} == {"count_mismatch"}
        assert len(codes["thousand"]) == MAX_FAILURES_PER_CODE + 1
        assert len(output) < 200_000
    assert f"makes {MAX_CALLS_PER_TURN + 1} tool calls" in live.stdout.str()
