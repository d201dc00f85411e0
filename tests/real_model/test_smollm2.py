"""End to end against a real model: SmolLM2-135M behind llama.cpp's OpenAI-compatible server.

`.ci/run` builds and starts the server and sets FNCALL_REAL_MODEL_URL; locally these tests
skip without it (see README, "Try it against a real model"), or deselect them with
``-m "not real_model"``. SmolLM2-135M is a weak model: these tests check what is certain
(items end passed or failed, never in error; a named tool_choice yields that tool with
schema-valid arguments), not that the model is good.
"""

from __future__ import annotations

import json
import os
import re

import pytest

pytestmark = pytest.mark.real_model

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
  - name: math.factorial
    description: Factorial of a whole number n.
    parameters:
      type: object
      properties:
        n: {type: integer}
      required: [n]
defaults:
  system: You are a helpful assistant. Use a tool when one fits.
  settings: {temperature: 0}
cases:
  - id: named_weather
    prompt: What's the weather in Paris?
    tool_choice: {name: get_weather}
    expect: {call: get_weather}
  - id: named_dotted_tool
    prompt: What is 5 factorial?
    tool_choice: {name: math.factorial}
    expect: {call: math.factorial}
  - id: auto_weather
    prompt: What's the weather in Paris, in celsius?
    expect:
      call: get_weather
      args: {city: {$ieq: paris}}
  - id: auto_smalltalk
    prompt: Say hello.
    expect: {no_call: true}
"""


@pytest.fixture
def real_model_url() -> str:
    url = os.environ.get("FNCALL_REAL_MODEL_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the real-model tests: FNCALL_REAL_MODEL_URL is not set"
            )
        pytest.skip("FNCALL_REAL_MODEL_URL is not set (start the server: see README)")
    return url


def run_real(pytester: pytest.Pytester, url: str, *args: str) -> pytest.RunResult:
    pytester.makefile(".fncall.yaml", real=SPEC)
    return pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--fncall-model=openai/smollm2",
        f"--fncall-base-url={url}",
        "-rA",
        *args,
    )


def test_items_end_passed_or_failed_never_in_error(pytester, real_model_url):
    result = run_real(pytester, real_model_url)
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 4


def test_named_tool_choice_yields_that_tool_with_valid_arguments(
    pytester, real_model_url
):
    result = run_real(pytester, real_model_url, "-k", "named")
    result.assert_outcomes(passed=2)


def test_failures_carry_codes_from_a_real_reply(pytester, real_model_url):
    result = run_real(pytester, real_model_url, "-k", "auto")
    for section in re.split(r"^_+ fncall: ", result.stdout.str(), flags=re.M)[1:]:
        codes = set(
            re.findall(r"^([a-z_]+): ", section.split("short test summary")[0], re.M)
        )
        assert codes - {"fncall"}, section  # every failure names at least one code


def test_a_request_the_server_cannot_answer_is_a_clean_error(pytester, real_model_url):
    pytester.makefile(
        ".fncall.yaml",
        required=SPEC.replace(
            "tool_choice: {name: get_weather}", "tool_choice: required"
        ),
    )
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--fncall-model=openai/smollm2",
        f"--fncall-base-url={real_model_url}",
        "--fncall-max-retries=0",
        "-k",
        "named_weather and required",
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*openai: HTTP 500 Internal Server Error: internal_server_error; some "
            "OpenAI-compatible servers (llama.cpp) answer 5xx to tool_choice 'required'*"
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


LOOP_SPEC = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties:
        city: {type: string}
      required: [city]
mocks:
  get_weather:
    - return: {temp_c: 18, sky: clear}
defaults:
  system: You are a helpful assistant. Use a tool when one fits.
  settings: {temperature: 0}
cases:
  - id: loop_weather
    prompt: What's the weather in Paris?
    tool_choice: {name: get_weather}
    max_steps: 3
    expect: {calls: [get_weather], match: superset}
"""


def test_a_loop_runs_against_the_real_server(pytester, real_model_url):
    """The history the loop sends (assistant tool_calls with empty content, then
    role=tool results under the model's ids) is accepted by a real server, step after
    step; whatever the weak model does, the item ends passed or failed, never in error."""
    pytester.makefile(".fncall.yaml", loop=LOOP_SPEC)
    report = pytester.path / "report.json"
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "--fncall-model=openai/smollm2",
        f"--fncall-base-url={real_model_url}",
        f"--fncall-report={report}",
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 1
    (case,) = json.loads(report.read_text())["cases"]
    (trial,) = case["trials"]
    first = trial["steps"][0]["calls"][0]
    assert first["name"] == "get_weather"
    assert first["result"] == {
        "content": '{"temp_c": 18, "sky": "clear"}',
        "is_error": False,
        "fault": None,
    }
    assert (
        len(trial["steps"]) >= 2
    )  # the server answered the history with a result in it
