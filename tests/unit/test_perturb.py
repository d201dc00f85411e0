"""Perturbations: names, the bijection both ways, the provider wrapper, loading, loop
mode through the runner, and the robustness table."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pytest_fncall.errors import SpecError
from pytest_fncall.loader import CaseDefinition, load_spec
from pytest_fncall.perturb import (
    Perturbation,
    Rename,
    apply,
    item_name,
    run_key,
)
from pytest_fncall.perturb_names import NameClash, camel, renamed, shuffled, snake
from pytest_fncall.perturb_provider import PerturbingProvider
from pytest_fncall.providers.base import ModelRequest
from pytest_fncall.results import ModelTurn, Tool, ToolCall, Trajectory
from pytest_fncall.robustness import original_nodeid, robustness, robustness_lines
from pytest_fncall.runner import judge, run_case
from pytest_fncall.summary import summary_lines
from pytest_fncall.verdict import evaluate

WEATHER = Tool(
    "get_weather",
    "Current weather for a city.",
    {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city.", "title": "City"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "where": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
        "required": ["city"],
        "dependentRequired": {"unit": ["city"]},
        "anyOf": [{"required": ["city"]}, {"required": ["where"]}],
    },
)
TIME = Tool(
    "get_time",
    "Current time in a time zone.",
    {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]},
)
SEARCH = Tool(
    "search_web",
    "Search the web.",
    {"type": "object", "properties": {"q": {"type": "string"}}},
)
TOOLS = (WEATHER, TIME)


def call(name: str, arguments: dict[str, Any] | str, call_id: str = "c1") -> ToolCall:
    return ToolCall.from_model_arguments(call_id, name, arguments)


def by_name(tools: tuple[Tool, ...]) -> dict[str, Tool]:
    return {tool.name: tool for tool in tools}


# --- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "camel_name", "snake_name"),
    [
        ("get_weather", "getWeather", "get_weather"),
        ("getWeatherNow", "getWeatherNow", "get_weather_now"),
        ("HTTPRequest", "httpRequest", "http_request"),
        ("get-weather v2", "getWeatherV2", "get_weather_v2"),
        ("__", "__", "__"),
    ],
)
def test_naming_styles(name: str, camel_name: str, snake_name: str) -> None:
    assert camel(name) == camel_name
    assert snake(name) == snake_name


def test_random_names_depend_on_seed_and_name_only() -> None:
    one = renamed(["a", "b"], "random", 1, "tool")
    assert one == renamed(["b", "a"], "random", 1, "tool")  # order does not matter
    assert one["a"] == renamed(["a"], "random", 1, "tool")["a"]
    assert one != renamed(["a", "b"], "random", 2, "tool")
    assert all(new.startswith("t_") and len(new) == 8 for new in one.values())
    assert set(one.values()).isdisjoint({"a", "b"})


def test_random_names_are_the_same_in_another_process() -> None:
    code = (
        "from pytest_fncall.perturb_names import renamed, shuffled;"
        "print(renamed(['get_weather', 'get_time'], 'random', 7, 'tool'),"
        " shuffled(list(range(9)), 7, 'x'))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    here = renamed(["get_weather", "get_time"], "random", 7, "tool")
    assert outputs == {f"{here} {shuffled(list(range(9)), 7, 'x')}\n"}


def test_opaque_names_number_in_a_seeded_order() -> None:
    names = ["a", "b", "c", "d"]
    mapping = renamed(names, "opaque", 0, "tool")
    assert sorted(mapping.values()) == ["tool_0", "tool_1", "tool_2", "tool_3"]
    assert mapping == renamed(names, "opaque", 0, "tool")
    orders = {
        tuple(renamed(names, "opaque", seed, "tool").values()) for seed in range(6)
    }
    assert len(orders) > 1


def test_a_style_that_merges_two_names_is_refused() -> None:
    with pytest.raises(NameClash, match="'get_weather' and 'getWeather' would both"):
        renamed(["get_weather", "getWeather"], "snake", 0, "tool")


def test_a_shuffle_always_changes_the_order() -> None:
    for seed in range(50):
        assert shuffled([1, 2], seed, "s") == [2, 1]
        order = shuffled([1, 2, 3, 4], seed, "s")
        assert order != [1, 2, 3, 4]
        assert sorted(order) == [1, 2, 3, 4]
    assert shuffled([1], 0, "s") == [1]


# --- apply and the way back ------------------------------------------------------------


def test_renamed_tools_map_back_and_the_canonical_name_is_unknown() -> None:
    perturbed = apply(Perturbation("r", rename_tools=Rename("random", 3)), TOOLS)
    offered = perturbed.tool_names["get_weather"]
    assert offered != "get_weather"
    assert [t.name for t in perturbed.tools] == [
        offered,
        perturbed.tool_names["get_time"],
    ]
    assert perturbed.tools[0].parameters == WEATHER.parameters  # parameters untouched

    back = perturbed.map_call_back(call(offered, {"city": "Paris"}))
    assert (back.name, back.arguments) == ("get_weather", {"city": "Paris"})
    trajectory = Trajectory((ModelTurn(None, (back,)),))
    from pytest_fncall.expectations import Expectation

    assert evaluate(Expectation(), trajectory, TOOLS) == []

    used_canonical = perturbed.map_call_back(call("get_weather", {"city": "Paris"}))
    assert used_canonical.name == f"get_weather (offered as {offered!r})"
    failures = evaluate(
        Expectation(), Trajectory((ModelTurn(None, (used_canonical,)),)), TOOLS
    )
    assert [f.code for f in failures] == ["unknown_tool"]
    unknown = perturbed.map_call_back(call("book_flight", {}))
    assert unknown.name == "book_flight"


def test_map_style_may_swap_names() -> None:
    swap = Rename("map", map={"get_weather": "get_time", "get_time": "get_weather"})
    perturbed = apply(Perturbation("swap", rename_tools=swap), TOOLS)
    assert [t.name for t in perturbed.tools] == ["get_time", "get_weather"]
    assert perturbed.tools[0].description == WEATHER.description
    assert (
        perturbed.map_call_back(call("get_time", {"city": "x"})).name == "get_weather"
    )
    assert perturbed.map_call_back(call("get_weather", {"tz": "x"})).name == "get_time"


def test_renamed_parameters_keep_the_schema_consistent() -> None:
    perturbed = apply(Perturbation("p", rename_params=Rename("opaque", 0)), TOOLS)
    names = perturbed.param_names["get_weather"]
    city, unit, where = names["city"], names["unit"], names["where"]
    assert {city, unit, where} == {"arg_0", "arg_1", "arg_2"}
    schema = by_name(perturbed.tools)["get_weather"].parameters
    assert list(schema["properties"]) == [city, unit, where]  # order kept
    assert schema["properties"][city] == {"type": "string", "description": "The city."}
    assert schema["properties"][unit]["enum"] == ["celsius", "fahrenheit"]
    assert schema["properties"][where]["required"] == ["city"]  # nested: untouched
    assert schema["required"] == [city]
    assert schema["dependentRequired"] == {unit: [city]}
    assert schema["anyOf"] == [{"required": [city]}, {"required": [where]}]
    assert WEATHER.parameters["required"] == ["city"]  # the canonical tool is intact

    from pytest_fncall.validation import argument_failures

    back = perturbed.map_call_back(
        call("get_weather", {city: "Paris", unit: "celsius"})
    )
    assert back.arguments == {"city": "Paris", "unit": "celsius"}
    assert json.loads(back.raw_arguments) == back.arguments
    assert argument_failures(back, WEATHER.parameters) == []

    canonical = perturbed.map_call_back(call("get_weather", {"city": "Paris"}))
    assert canonical.arguments == {f"city (offered as {city!r})": "Paris"}
    codes = {f.code for f in argument_failures(canonical, WEATHER.parameters)}
    # the top-level anyOf wants city or where: a schema_violation as well
    assert codes == {"unexpected_param", "missing_required", "schema_violation"}


def test_unparsed_arguments_come_back_as_they_came() -> None:
    perturbed = apply(Perturbation("p", rename_params=Rename("random", 0)), TOOLS)
    broken = call("get_time", '{"tz": ')
    back = perturbed.map_call_back(broken)
    assert (back.arguments, back.raw_arguments) == (None, '{"tz": ')


def test_drop_descriptions() -> None:
    def described(drop: str) -> tuple[str, str | None]:
        perturbed = apply(Perturbation("d", drop_descriptions=drop), TOOLS)
        weather = by_name(perturbed.tools)["get_weather"]
        return weather.description, weather.parameters["properties"]["city"].get(
            "description"
        )

    assert described("tools") == ("", "The city.")
    assert described("params") == ("Current weather for a city.", None)
    assert described("all") == ("", None)


def test_shuffle_and_distractors_are_seeded() -> None:
    tools = (WEATHER, TIME, SEARCH)
    shuffle = Perturbation("s", shuffle_seed=5)
    assert [t.name for t in apply(shuffle, TOOLS).tools] == ["get_time", "get_weather"]
    placed = {
        tuple(
            t.name
            for t in apply(
                Perturbation("d", distractors=(SEARCH,), distractor_seed=seed), tools
            ).tools
        )
        for seed in range(10)
    }
    assert len(placed) == 3  # first, middle or last, as seeds vary
    perturbed = apply(Perturbation("d", distractors=(SEARCH,)), tools)
    assert perturbed.distractors == {"search_web"}
    assert perturbed == apply(Perturbation("d", distractors=(SEARCH,)), tools)


def test_history_goes_out_under_the_offered_names() -> None:
    perturbed = apply(
        Perturbation(
            "both", rename_tools=Rename("random", 1), rename_params=Rename("random", 1)
        ),
        TOOLS,
    )
    weather = perturbed.tool_names["get_weather"]
    city = perturbed.param_names["get_weather"]["city"]
    said = [
        call(weather, {city: "Paris"}, "a"),
        call("get_time", {"tz": "UTC"}, "b"),  # a canonical name: marked
        call(weather, "not json", "c"),
    ]
    canonical = [perturbed.map_call_back(c) for c in said]
    history = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.raw_arguments},
                }
                for c in canonical
            ],
        },
        {"role": "tool", "tool_call_id": "a", "name": "get_weather", "content": "18"},
        {
            "role": "assistant",
            "tool_calls": [
                {"function": {"name": "get_weather", "arguments": {"city": "x"}}}
            ],
        },
    ]
    before = json.dumps(history)
    out = perturbed.outgoing_messages(history)
    assert json.dumps(history) == before  # nothing changed in place
    functions = [c["function"] for c in out[1]["tool_calls"]]
    assert [(f["name"], f["arguments"]) for f in functions] == [
        (c.name, c.raw_arguments) for c in said
    ]
    assert out[2]["name"] == weather
    assert out[3]["tool_calls"][0]["function"] == {
        "name": weather,
        "arguments": {city: "x"},
    }
    assert out[0] == history[0]
    assert perturbed.outgoing_choice({"name": "get_time"}) == {
        "name": perturbed.tool_names["get_time"]
    }
    assert perturbed.outgoing_choice("required") == "required"


class Recorder:
    """A model that answers with ``answer(request)`` and keeps every request."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest) -> ModelTurn:
        self.requests.append(request)
        return self.answer(request)  # type: ignore[no-any-return]


def test_the_provider_wrapper_perturbs_the_request_and_maps_the_turn_back() -> None:
    perturbed = apply(
        Perturbation("r", rename_tools=Rename("camel"), distractors=(SEARCH,)),
        (WEATHER, TIME, SEARCH),
    )
    inner = Recorder(
        lambda request: ModelTurn(None, (call("getWeather", {"city": "Paris"}),))
    )
    request = ModelRequest(
        model="m",
        case_id="c",
        messages=({"role": "user", "content": "hi"},),
        tools=(WEATHER, TIME),  # the distractor is offered even when not asked for
        tool_choice={"name": "get_weather"},
    )
    turn = asyncio.run(PerturbingProvider(inner, perturbed).complete(request))
    assert [c.name for c in turn.calls] == ["get_weather"]
    sent = inner.requests[0]
    assert sorted(t.name for t in sent.tools) == ["getTime", "getWeather", "searchWeb"]
    assert sent.tool_choice == {"name": "getWeather"}
    assert sent.case_id == "c"  # the scripted provider still finds the case


def test_item_names_and_cassette_keys() -> None:
    assert (
        item_name("c", "openai/gpt-4o", "rename_tools")
        == "c[openai/gpt-4o-rename_tools]"
    )
    assert item_name("c", "openai/gpt-4o", None) == "c[openai/gpt-4o]"
    assert item_name("c", None, "rename_tools") == "c[rename_tools]"
    assert item_name("c", None, None) == "c"
    perturbed = apply(Perturbation("v"), TOOLS)
    assert (run_key("c", None), run_key("c", perturbed)) == ("c", "c[v]")


# --- loading ---------------------------------------------------------------------------

HEADER = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties: {city: {type: string}}
      required: [city]
  - name: get_time
    description: Current time.
    parameters: {type: object, properties: {tz: {type: string}}}
"""


def load(tmp_path: Path, body: str) -> tuple[CaseDefinition, ...]:
    path = tmp_path / "s.fncall.yaml"
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return load_spec(path).cases


def problems(tmp_path: Path, body: str) -> list[str]:
    with pytest.raises(SpecError) as raised:
        load(tmp_path, body)
    return [f"{p.line}: {p.key_path}: {p.message}" for p in raised.value.problems]


def test_variants_from_defaults_a_case_replaces_or_drops_them(tmp_path: Path) -> None:
    first, second, third = load(
        tmp_path,
        """\
        defaults:
          perturb: [rename_tools, {shuffle_tools: {seed: 2}, drop_descriptions: tools}]
        cases:
          - {id: a, prompt: hi}
          - {id: b, prompt: hi, perturb: [{name: mine, rename_params: {style: snake}}]}
          - {id: c, prompt: hi, perturb: []}
        """,
    )
    assert [v.perturbation.name for v in first.variants if v.perturbation] == [
        "rename_tools",
        "shuffle_tools+drop_descriptions",
    ]
    assert first.perturbation is None
    assert [v.perturbation.name for v in second.variants if v.perturbation] == ["mine"]
    assert third.variants == ()
    variant = first.variants[0]
    assert (variant.id, variant.tools, variant.variants) == ("a", first.tools, ())


def test_distractors_are_offered_and_forbidden(tmp_path: Path) -> None:
    (tmp_path / "more.json").write_text(
        json.dumps(
            [
                {"name": "get_weather", "description": "spec's own: left out"},
                {"name": "search_web", "description": "Search."},
                {"name": "book_taxi", "description": "Book."},
                {"name": "send_mail", "description": "Mail."},
            ]
        )
    )
    (case,) = load(
        tmp_path,
        """\
        cases:
          - id: a
            prompt: hi
            expect: {call: get_weather}
            perturb:
              - {name: forbidden, distractors: {from: {file: more.json}, count: 2}}
              - name: allowed
                distractors: {from: [{name: x_tool}], may_call: true}
        """,
    )
    forbidden, allowed = case.variants
    extra = [t.name for t in forbidden.tools[2:]]
    assert len(extra) == 2
    assert set(extra) <= {"search_web", "book_taxi", "send_mail"}
    assert [p.label for p in forbidden.expectation.forbid] == extra
    assert [t.name for t in allowed.tools] == ["get_weather", "get_time", "x_tool"]
    assert allowed.expectation.forbid == ()

    calls = (call("get_weather", {"city": "Paris"}), call(extra[0], {}, "c2"))
    trajectory = Trajectory((ModelTurn(None, calls),))
    assert "forbidden_call" in {f.code for f in judge(forbidden, trajectory)}
    assert "forbidden_call" not in {f.code for f in judge(allowed, trajectory)}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "cases:\n  - id: a\n    prompt: hi\n    perturb: [rename_tools, rename_tools]\n",
            "15: cases.a.perturb[1]: two variants are named 'rename_tools'; give one "
            "a 'name:'",
        ),
        (
            "defaults:\n  perturb: [{rename_tools: {map: {nope: x}}}]\n"
            "cases:\n  - id: a\n    prompt: hi\n",
            "13: defaults.perturb[0].rename_tools.map.nope: case 'a': 'nope' names no tool "
            "of this spec or its distractors (tools: get_time, get_weather)",
        ),
        (
            "cases:\n  - id: a\n    prompt: hi\n    perturb:\n"
            "      - distractors: {from: {name: get_time}}\n",
            "16: cases.a.perturb[0].distractors.from: no distractors: every tool of the "
            "source is one of the spec's own tools",
        ),
        (
            "cases:\n  - id: a\n    prompt: hi\n    perturb:\n"
            "      - distractors: {from: {name: x}, count: 2}\n",
            "16: cases.a.perturb[0].distractors.count: count 2 is more than the 1 "
            "distractor the source offers besides the spec's own tools",
        ),
        (
            "cases:\n  - id: a\n    prompt: hi\n    perturb:\n"
            "      - distractors: {from: {file: missing.json}}\n",
            "16: cases.a.perturb[0].distractors.from.file: tools file not found: *",
        ),
        (
            "cases:\n  - id: a\n    prompt: hi\n    perturb:\n"
            "      - rename_tools: {map: {get_weather: get_time}}\n",
            "16: cases.a.perturb[0].rename_tools: the renamed names clash: 'get_weather' "
            "and 'get_time' would both be called 'get_time'",
        ),
        (
            "cases:\n  - id: a\n    prompt: hi\n    perturb: [{name: empty}]\n",
            "15: cases.a.perturb[0]: *a variant needs a transform*",
        ),
        (
            "cases:\n  - id: a\n    prompt: hi\n    perturb: [{rename_tools: {style: map}}]\n",
            "15: cases.a.perturb[0].rename_tools: *'map' goes with style 'map'*",
        ),
        (
            "cases:\n  - id: a\n    prompt: hi\n    perturb: [{rename_tools: {map: {a: 'b c'}}}]\n",
            "15: cases.a.perturb[0].rename_tools: map: 'a' -> 'b c': a tool name has 1 to "
            "64 letters, digits, '_' or '-'",
        ),
    ],
    ids=[
        "duplicate-name",
        "map-unknown-tool",
        "no-distractors",
        "count-too-big",
        "missing-file",
        "clash",
        "no-transform",
        "map-style-without-map",
        "bad-new-name",
    ],
)
def test_mistakes_in_perturb(tmp_path: Path, body: str, expected: str) -> None:
    found = problems(tmp_path, body)
    assert len(found) == 1
    pattern = ".*".join(re.escape(piece) for piece in expected.split("*"))
    assert re.fullmatch(pattern, found[0]), found[0]


# --- loop mode through the runner ------------------------------------------------------


def test_loop_history_carries_offered_names_the_trajectory_canonical_ones(
    tmp_path: Path,
) -> None:
    (case,) = load(
        tmp_path,
        """\
        mocks:
          get_weather: [{when: {city: Paris}, return: {temp: 18}}]
        cases:
          - id: a
            prompt: Weather in Paris?
            expect: {calls: [get_weather], match: superset}
            perturb: [{rename_tools: {seed: 4}, rename_params: {seed: 4}}]
        """,
    )
    (variant,) = case.variants
    assert variant.perturbation is not None
    weather = variant.perturbation.tool_names["get_weather"]
    city = variant.perturbation.param_names["get_weather"]["city"]

    def answer(request: ModelRequest) -> ModelTurn:
        if request.step == 0:
            return ModelTurn(None, (call(weather, {city: "Paris"}),))
        return ModelTurn("18 degrees")

    model = Recorder(answer)
    trajectory = asyncio.run(run_case(variant, model, "m"))
    second = model.requests[1].messages
    assert second[1]["tool_calls"][0]["function"] == {
        "name": weather,
        "arguments": json.dumps({city: "Paris"}),
    }
    assert (second[2]["name"], json.loads(second[2]["content"])) == (
        weather,
        {"temp": 18},
    )
    (placed,) = trajectory.placed_calls()
    assert (placed.call.name, placed.call.arguments) == (
        "get_weather",
        {"city": "Paris"},
    )
    assert placed.result is not None
    assert not placed.result.is_error  # the mock matched: canonical names
    assert judge(variant, trajectory) == []


# --- robustness table ------------------------------------------------------------------


def record(
    nodeid: str, outcome: str, perturbation: str | None = None
) -> dict[str, Any]:
    model = nodeid.split("[", 1)[1].split("-", 1)[0].rstrip("]")
    return {
        "nodeid": nodeid,
        "file": "s.fncall.yaml",
        "case": nodeid.split("::")[1].split("[")[0],
        "model": model,
        "outcome": outcome,
        "perturbation": perturbation,
        "failures": [] if outcome == "passed" else [{"code": "wrong_tool"}],
        "trials": [],
        "usage": {},
        "latency_s": None,
    }


RECORDS = [
    record("s::a[m]", "passed"),
    record("s::b[m]", "passed"),
    record("s::c[m]", "failed"),
    record("s::a[m-rename_tools]", "passed", "rename_tools"),
    record("s::b[m-rename_tools]", "failed", "rename_tools"),
    record("s::c[m-rename_tools]", "failed", "rename_tools"),
    record("s::a[m-distractors]", "error", "distractors"),  # not judged: left out
]


def test_original_nodeid() -> None:
    assert original_nodeid("s::a[m/x-y-v]", "v") == "s::a[m/x-y]"
    assert original_nodeid("s::a[v]", "v") == "s::a"
    assert original_nodeid("s::a[m]", "v") is None


def test_robustness_pairs_each_variant_with_its_original() -> None:
    table = robustness(RECORDS, ["m"])
    assert table == {
        "m": [
            {
                "perturbation": "distractors",
                "cases": 0,
                "passed": 0,
                "pass_rate": None,
                "original_passed": 0,
                "original_pass_rate": None,
                "delta": None,
            },
            {
                "perturbation": "rename_tools",
                "cases": 3,
                "passed": 1,
                "pass_rate": 0.3333,
                "original_passed": 2,
                "original_pass_rate": 0.6667,
                "delta": -33.33,
            },
        ]
    }
    assert robustness(RECORDS[:3], ["m"]) == {}


def test_robustness_lines_in_the_summary() -> None:
    lines = summary_lines(RECORDS, ["m"], width=80)
    at = lines.index(
        "robustness: pass rate per perturbation vs the same cases unperturbed"
    )
    assert lines[at + 1 :] == [
        "perturbation   cases    rate original     delta",
        "m",
        "  distractors      0       -        -         -",
        "  rename_tools     3   33.3%    66.7%   -33.3pp",
    ]
    assert all(len(line) <= 80 for line in lines)
    long = robustness_lines(
        [
            record("s::a[m]", "passed"),
            record("s::a[m-" + "v" * 90 + "]", "passed", "v" * 90),
        ],
        ["m"],
        80,
    )
    assert all(len(line) <= 80 for line in long)
