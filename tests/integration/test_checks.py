"""Each DESIGN §4 check passes and fails where it should, serially and under xdist."""

from __future__ import annotations

import re

import pytest

SPEC = """\
cases:
  - id: right_tool_loose_args
    prompt: Weather in Paris?
    expect:
      call: get_weather
      args: {city: {$ieq: PARIS}, unit: {$optional: celsius}}
  - id: parallel_any_order
    prompt: Weather in Tokyo and Osaka?
    expect:
      match: unordered
      calls:
        - parallel:
            - {tool: get_weather, args: {city: Tokyo}}
            - {tool: get_weather, args: {city: Osaka}}
  - id: superset_allows_extra
    prompt: Weather in Paris?
    expect:
      match: superset
      calls: [{tool: get_weather, args: {city: Paris}}]
  - id: numeric_matchers
    prompt: Weather in Paris?
    expect:
      call: get_weather
      args:
        city: {$in: [Paris, paris]}
        unit: {$type: string}
  - id: wrong_tool
    prompt: Weather in Paris?
    expect: {call: get_weather}
  - id: hallucinated
    prompt: Weather in Paris?
    expect: {call: get_weather}
  - id: malformed
    prompt: Weather in Paris?
    expect: {call: get_weather}
  - id: missing_required
    prompt: What time is it?
    expect: {call: get_time}
  - id: enum_violation
    prompt: Weather in Paris?
    expect: {call: get_weather}
  - id: undeclared_argument
    prompt: Weather in Paris?
    expect: {call: get_weather}
  - id: forbidden
    prompt: Weather in Paris?
    expect:
      match: superset
      calls: [get_weather]
      forbid_tools: [get_time]
  - id: missing_call
    prompt: Weather in Paris?
    expect: {call: get_weather}
  - id: regex_mismatch
    prompt: Weather in Paris?
    expect:
      call: get_weather
      args: {city: {$regex: "(?i)paris"}}
  - id: call_not_wanted
    prompt: Tell me a joke.
    expect: {no_call: true}
  - id: out_of_order
    prompt: Time, then weather.
    expect:
      match: unordered
      calls: [{tool: get_time, id: time}, {tool: get_weather, id: weather}]
      before: [[time, weather]]
  - id: times_short
    prompt: Weather twice.
    expect:
      calls: [{tool: get_weather, times: 2}]
"""

SCRIPT = """\
right_tool_loose_args: [{calls: [{name: get_weather, arguments: {city: paris}}]}]
parallel_any_order:
  - calls:
      - {name: get_weather, arguments: {city: Osaka}}
      - {name: get_weather, arguments: {city: Tokyo}}
superset_allows_extra:
  - calls:
      - {name: get_time, arguments: {tz: Europe/Paris}}
      - {name: get_weather, arguments: {city: Paris}}
numeric_matchers: [{calls: [{name: get_weather, arguments: {city: Paris, unit: celsius}}]}]
wrong_tool: [{calls: [{name: get_time, arguments: {tz: Europe/Paris}}]}]
hallucinated: [{calls: [{name: get_wether, arguments: {city: Paris}}]}]
malformed: [{calls: [{name: get_weather, arguments: '{"city": "Par'}]}]
missing_required: [{calls: [{name: get_time, arguments: {}}]}]
enum_violation: [{calls: [{name: get_weather, arguments: {city: Paris, unit: kelvin}}]}]
undeclared_argument: [{calls: [{name: get_weather, arguments: {city: Paris, days: 2}}]}]
forbidden:
  - calls:
      - {name: get_weather, arguments: {city: Paris}}
      - {name: get_time, arguments: {tz: UTC}}
missing_call: [{text: "I think it is sunny."}]
regex_mismatch: [{calls: [{name: get_weather, arguments: {city: "Paris, Texas"}}]}]
call_not_wanted: [{calls: [{name: get_time, arguments: {tz: UTC}}]}]
out_of_order:
  - calls:
      - {name: get_weather, arguments: {city: Paris}}
      - {name: get_time, arguments: {tz: UTC}}
times_short: [{calls: [{name: get_weather, arguments: {city: Paris}}]}]
"""

EXPECTED_CODES = {
    "wrong_tool": {"wrong_tool"},
    "hallucinated": {"unknown_tool", "missing_call"},
    "malformed": {"malformed_args"},
    "missing_required": {"missing_required"},
    "enum_violation": {"schema_violation"},
    "undeclared_argument": {"unexpected_param"},
    "forbidden": {"forbidden_call"},
    "missing_call": {"missing_call"},
    "regex_mismatch": {"arg_mismatch"},
    "call_not_wanted": {"unexpected_call"},
    "times_short": {"count_mismatch"},
    "out_of_order": {"order_violation"},
}

PASSING = {
    "right_tool_loose_args",
    "parallel_any_order",
    "superset_allows_extra",
    "numeric_matchers",
}


def failure_codes(output: str) -> dict[str, set[str]]:
    """Map each failed case id to the failure codes its report lists."""
    output = output.split("short test summary info")[
        0
    ]  # CI=true prints full messages there
    sections = re.split(
        r"^_+ fncall: (\S+)\[scripted/script.yaml\] _+$", output, flags=re.M
    )
    codes: dict[str, set[str]] = {}
    for name, body in zip(sections[1::2], sections[2::2], strict=True):
        codes[name] = set(re.findall(r"^([a-z_]+): ", body, flags=re.M)) - {"fncall"}
    return codes


def test_every_check_passes_and_fails_with_its_code(
    make_spec, make_script, run_pytest, plugin_args
):
    make_spec(body=SPEC)
    make_script(SCRIPT)
    result = run_pytest("--fncall-model=scripted/script.yaml", "-rA", *plugin_args)
    result.assert_outcomes(passed=len(PASSING), failed=len(EXPECTED_CODES))
    output = result.stdout.str()
    for case in PASSING:
        assert re.search(rf"PASSED .*::{case}\[scripted/script.yaml\]", output), case
    codes = failure_codes(output)
    assert codes == EXPECTED_CODES


@pytest.mark.parametrize(
    ("matcher", "value", "passes"),
    [
        ("{$range: [1, 3]}", 2, True),
        ("{$range: [1, 3]}", 4, False),
        ("{$approx: 2.5, abs: 0.1}", 2.55, True),
        ("{$approx: 2.5, abs: 0.01}", 2.55, False),
        ("{$type: integer}", 2, True),
        ("{$type: integer}", 2.5, False),
        ("{$in: [1, 2]}", 2.0, True),
    ],
)
def test_numeric_matchers_end_to_end(
    make_spec, make_script, run_pytest, matcher, value, passes
):
    make_spec(
        body=f"""\
        version: 1
        tools:
          - name: get_forecast
            parameters: {{type: object, properties: {{days: {{type: number}}}}}}
        cases:
          - id: numbers
            prompt: x
            expect:
              call: get_forecast
              args: {{days: {matcher}}}
        """,
        tools=False,
    )
    make_script(
        f"numbers: [{{calls: [{{name: get_forecast, arguments: {{days: {value}}}}}]}}]"
    )
    result = run_pytest("--fncall-model=scripted/script.yaml")
    result.assert_outcomes(passed=int(passes), failed=int(not passes))
