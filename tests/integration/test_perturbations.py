"""``perturb:`` end to end: variants as items, a model that follows names and
descriptions, distractors, loop mode, the robustness table and the JSON report, serially
and under pytest-xdist.

The models are ``python`` providers that read the request as a real model would: they
pick the tool whose description names the topic of the prompt and fill the parameter
whose description says "city", under whatever names the tools are offered."""

from __future__ import annotations

import json

import jsonschema

from pytest_fncall.report_json import report_schema

MODELS = '''
import json


def _call(function, call_id="c1"):
    arguments = {
        name: "Paris"
        for name, schema in function["parameters"].get("properties", {}).items()
        if "city" in schema.get("description", "").lower()
    }
    return {"id": call_id, "type": "function",
            "function": {"name": function["name"], "arguments": json.dumps(arguments)}}


def _topic(request):
    prompt = request["messages"][-1]["content"].lower()
    return "weather" if "weather" in prompt else "time"


def _answer_tool_result(request):
    """In loop mode: repeat the tool's result, if the history names offered tools."""
    offered = {tool["function"]["name"] for tool in request["tools"]}
    said = [call["function"]["name"] for message in request["messages"]
            for call in message.get("tool_calls") or ()]
    said += [m["name"] for m in request["messages"] if m["role"] == "tool"]
    unknown = sorted(set(said) - offered)
    if unknown:
        return {"content": f"the history names tools I was not offered: {unknown}"}
    return {"content": request["messages"][-1]["content"]}


def follower(request):
    if request["messages"][-1]["role"] == "tool":
        return _answer_tool_result(request)
    wanted = "current " + _topic(request)
    for tool in request["tools"]:
        if wanted in tool["function"]["description"].lower():
            return {"content": None, "tool_calls": [_call(tool["function"])]}
    return {"content": "I have no tool for that."}


def greedy(request):
    calls = [
        _call(tool["function"], f"c{index}")
        for index, tool in enumerate(request["tools"])
        if _topic(request) in tool["function"]["description"].lower()
    ]
    return {"content": None, "tool_calls": calls}
'''

TOOLS = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties:
        city: {type: string, description: The city.}
        unit: {type: string, enum: [celsius, fahrenheit], description: The unit.}
      required: [city]
  - name: get_time
    description: Current time in a city.
    parameters:
      type: object
      properties:
        city: {type: string, description: The city.}
      required: [city]
"""

FOLLOWER = "python/models:follower"
GREEDY = "python/models:greedy"

RENAMES = """\
defaults:
  perturb:
    - rename_tools
    - {name: opaque, rename_tools: {style: opaque, seed: 3}, rename_params: {style: opaque}}
    - {shuffle_tools: {seed: 1}}
    - drop_descriptions
cases:
  - id: weather_in_paris
    prompt: What's the weather in Paris?
    expect: {call: get_weather, args: {city: Paris}}
  - id: time_in_paris
    prompt: What time is it in Paris?
    expect: {call: get_time, args: {city: Paris}}
"""


def test_a_model_that_follows_names_passes_renamed_and_shuffled_variants(
    make_spec, pytester, run_pytest, plugin_args
):
    make_spec(body=TOOLS + RENAMES, tools=False)
    pytester.makepyfile(models=MODELS)
    result = run_pytest(
        *plugin_args, f"--fncall-model={FOLLOWER}", "-rA", "--fncall-report=report.json"
    )
    result.assert_outcomes(passed=8, failed=2)
    for line in (  # in any order: xdist reports as the workers finish
        f"PASSED *::weather_in_paris[[]{FOLLOWER}[]]",
        f"PASSED *::weather_in_paris[[]{FOLLOWER}-rename_tools[]]",
        f"PASSED *::weather_in_paris[[]{FOLLOWER}-opaque[]]",
        f"PASSED *::weather_in_paris[[]{FOLLOWER}-shuffle_tools[]]",
        f"FAILED *::weather_in_paris[[]{FOLLOWER}-drop_descriptions[]]*",
    ):
        result.stdout.fnmatch_lines([line])
    result.stdout.fnmatch_lines(
        [
            "robustness: pass rate per perturbation vs the same cases unperturbed",
            "perturbation        cases    rate original     delta",
            FOLLOWER,
            "  drop_descriptions     2    0.0%   100.0%  -100.0pp",
            "  opaque                2  100.0%   100.0%    +0.0pp",
            "  rename_tools          2  100.0%   100.0%    +0.0pp",
            "  shuffle_tools         2  100.0%   100.0%    +0.0pp",
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(["missing_call: expected a call to get_weather*"])

    report = json.loads((pytester.path / "report.json").read_text())
    jsonschema.validate(report, report_schema())
    variants = {(c["case"], c["perturbation"]): c["outcome"] for c in report["cases"]}
    assert variants[("weather_in_paris", None)] == "passed"
    assert variants[("weather_in_paris", "opaque")] == "passed"
    assert variants[("time_in_paris", "drop_descriptions")] == "failed"
    assert len(variants) == 10
    rows = {row["perturbation"]: row for row in report["robustness"][FOLLOWER]}
    assert rows["drop_descriptions"]["delta"] == -100.0
    assert rows["rename_tools"]["pass_rate"] == 1.0
    # the trajectory is in canonical names, whatever the model saw
    opaque = next(
        c
        for c in report["cases"]
        if c["perturbation"] == "opaque" and c["case"] == "time_in_paris"
    )
    (called,) = opaque["trials"][0]["steps"][0]["calls"]
    assert (called["name"], called["arguments"]) == ("get_time", {"city": "Paris"})


def test_k_selects_a_variant(make_spec, pytester, run_pytest):
    make_spec(body=TOOLS + RENAMES, tools=False)
    pytester.makepyfile(models=MODELS)
    result = run_pytest(f"--fncall-model={FOLLOWER}", "-k", "rename_tools", "-rA")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [f"PASSED *::time_in_paris[[]{FOLLOWER}-rename_tools[]]"]
    )
    no_model = run_pytest("--collect-only", "-q", "-k", "shuffle_tools")
    no_model.stdout.fnmatch_lines(
        [
            "weather.fncall.yaml::weather_in_paris[[]shuffle_tools[]]",
            "weather.fncall.yaml::time_in_paris[[]shuffle_tools[]]",
        ]
    )


DISTRACTORS = """\
cases:
  - id: weather
    prompt: What's the weather in Paris?
    expect:
      calls: [{tool: get_weather, args: {city: Paris}}]
      match: superset
    perturb:
      - name: distracted
        distractors:
          from:
            - name: weather_forecast
              description: Weather forecast for a city, days ahead.
              parameters:
                type: object
                properties: {city: {type: string, description: The city.}}
            - {name: get_news, description: Headlines of the day.}
      - name: tolerated
        distractors:
          from:
            - name: weather_forecast
              description: Weather forecast for a city, days ahead.
              parameters:
                type: object
                properties: {city: {type: string, description: The city.}}
          may_call: true
"""


def test_a_call_to_a_distractor_is_forbidden(
    make_spec, pytester, run_pytest, plugin_args
):
    make_spec(body=TOOLS + DISTRACTORS, tools=False)
    pytester.makepyfile(models=MODELS)
    result = run_pytest(
        *plugin_args, f"--fncall-model={FOLLOWER}", f"--fncall-model={GREEDY}", "-rA"
    )
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(
        [
            "forbidden_call: call #* weather_forecast is forbidden",
            '    actual:   weather_forecast(city="Paris")',
            "    forbids:  weather_forecast(...)",
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines([f"FAILED *::weather[[]{GREEDY}-distracted[]]*"])
    assert "get_news is forbidden" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            f"{GREEDY}",
            "  distracted     1    0.0%   100.0%  -100.0pp",
            "  tolerated      1  100.0%   100.0%    +0.0pp",
        ],
        consecutive=True,
    )


LOOP = """\
mocks:
  get_weather: [{when: {city: Paris}, return: "18 degrees in Paris"}]
cases:
  - id: loop_weather
    prompt: What's the weather in Paris?
    expect:
      calls: [{tool: get_weather, args: {city: Paris}}]
      reply: {contains: "18 degrees"}
    perturb: [{rename_tools: {seed: 9}, rename_params: {seed: 9}, shuffle_tools: {}}]
"""


def test_loop_mode_under_renamed_tools(make_spec, pytester, run_pytest, plugin_args):
    make_spec(body=TOOLS + LOOP, tools=False)
    pytester.makepyfile(models=MODELS)
    result = run_pytest(*plugin_args, f"--fncall-model={FOLLOWER}", "-rA")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            f"PASSED *::loop_weather[[]{FOLLOWER}-rename_tools+rename_params+shuffle_tools[]]"
        ]
    )


def test_recorded_variants_replay_in_other_processes(make_spec, pytester, run_pytest):
    make_spec(body=TOOLS + RENAMES, tools=False)
    pytester.makepyfile(models=MODELS)
    run_pytest(
        f"--fncall-model={FOLLOWER}", "--fncall-record-mode=once"
    ).assert_outcomes(passed=8, failed=2)
    cassette = json.loads(
        (pytester.path / "__fncall_cassettes__" / "weather.fncall.json").read_text()
    )
    text = json.dumps(cassette)
    assert "weather_in_paris[rename_tools]" in text
    assert "time_in_paris[opaque]" in text
    pytester.path.joinpath("models.py").write_text(
        "def follower(request):\n    raise X\n"
    )
    replayed = run_pytest(
        f"--fncall-model={FOLLOWER}", "--fncall-record-mode=none", "-n", "2"
    )
    replayed.assert_outcomes(
        passed=8, failed=2
    )  # same names and order in new processes
