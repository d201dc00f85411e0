"""The ``fncall`` fixture: Python tests judged exactly as spec cases, per model."""

from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET

import pytest

SCRIPTED = "--fncall-model=scripted/script.yaml"

TOOLS_MODULE = '''\
from typing import Literal, Optional


def get_weather(city: str, unit: Optional[Literal["celsius", "fahrenheit"]] = None) -> str:
    """Current weather for a city.

    Args:
        city: The city.
        unit: The temperature unit.
    """
    return ""


GET_TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Current time in a time zone.",
        "parameters": {
            "type": "object",
            "properties": {"tz": {"type": "string"}},
            "required": ["tz"],
        },
    },
}
'''

SPEC_TOOLS = """\
version: 1
tools:
  - python: parity_tools:get_weather
  - name: get_time
    description: Current time in a time zone.
    parameters:
      type: object
      properties:
        tz: {type: string}
      required: [tz]
"""

WEATHER_PARIS = "[{calls: [{name: get_weather, arguments: {city: Paris}}]}]"
TIME_UTC = "[{calls: [{name: get_time, arguments: {tz: UTC}}]}]"
TIME_THEN_WEATHER = (
    "[{calls: [{name: get_time, arguments: {tz: UTC}}, "
    "{name: get_weather, arguments: {city: Paris}}]}]"
)

# id, the spec's expect, the Python assertion on `result`, the scripted turn
CASES = [
    (
        "passes",
        "{call: get_weather, args: {city: {$ieq: PARIS}}}",
        'result.assert_called("get_weather", city={"$ieq": "PARIS"})',
        WEATHER_PARIS,
    ),
    (
        "arg_mismatch",
        "{call: get_weather, args: {city: London}}",
        'result.assert_called("get_weather", city="London")',
        WEATHER_PARIS,
    ),
    (
        "wrong_tool",
        "{call: get_weather}",
        'result.assert_called("get_weather")',
        TIME_UTC,
    ),
    (
        "hallucinated",
        "{call: get_weather}",
        'result.assert_called("get_weather")',
        "[{calls: [{name: book_flight, arguments: {to: Paris}}]}]",
    ),
    (
        "schema_and_extra",
        "{call: get_weather}",
        'result.assert_called("get_weather")',
        "[{calls: [{name: get_weather, arguments: {unit: kelvin, x: 1}}]}]",
    ),
    (
        "malformed",
        "{call: get_weather}",
        'result.assert_called("get_weather")',
        """[{calls: [{name: get_weather, arguments: '{"city": "Par'}]}]""",
    ),
    ("no_call_passes", "{no_call: true}", "result.assert_no_call()", "[{text: hi}]"),
    ("unexpected_call", "{no_call: true}", "result.assert_no_call()", WEATHER_PARIS),
    (
        "extra_call",
        "{calls: [get_weather]}",
        'result.assert_calls(["get_weather"])',
        TIME_THEN_WEATHER,
    ),
    (
        "parallel_any_order",  # calls of one message may come in any order
        "{calls: [get_weather, get_time]}",
        'result.assert_calls(["get_weather", "get_time"])',
        TIME_THEN_WEATHER,
    ),
    (
        "unordered_passes",
        "{calls: [get_weather, {tool: get_time, args: {tz: UTC}}], match: unordered}",
        'result.assert_calls(["get_weather", {"tool": "get_time", "args": {"tz": "UTC"}}],'
        ' match="unordered")',
        TIME_THEN_WEATHER,
    ),
    (
        "forbidden",
        "{forbid_tools: [get_time]}",
        'result.check(forbid_tools=["get_time"])',
        TIME_UTC,
    ),
    (
        "reply_mismatch",
        "{no_call: true, reply: {contains: [sunny]}}",
        'result.check(no_call=True, reply={"contains": ["sunny"]})',
        "[{text: It rains.}]",
    ),
]

PASSING = 4  # passes, no_call_passes, parallel_any_order, unordered_passes

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
    "reply_mismatch",
}


def literal(text: str) -> str:
    """``text`` as an fnmatch pattern (brackets in item ids are not character sets)."""
    return re.sub(r"([\[\]])", r"[\1]", text)


CODE_LINE = re.compile(r"^(?:E\s+)?([a-z_]+): ", re.MULTILINE)


def write_parity_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(parity_tools=TOOLS_MODULE)
    spec = (
        SPEC_TOOLS
        + "cases:\n"
        + "".join(
            f"  - id: {case}\n    prompt: x\n    expect: {expect}\n"
            for case, expect, _, _ in CASES
        )
    )
    (pytester.path / "parity.fncall.yaml").write_text(spec, encoding="utf-8")
    tests = [
        "import pytest\nfrom parity_tools import GET_TIME, get_weather\n\n"
        "pytestmark = pytest.mark.fncall(tools=[get_weather, GET_TIME])\n"
    ]
    tests += [
        f"\ndef test_{case}(fncall):\n"
        f'    result = fncall.run(prompt="x")\n'
        f"    {assertion}\n"
        for case, _, assertion, _ in CASES
    ]
    pytester.makepyfile(test_parity="".join(tests))
    script = "".join(
        f"{key}: {turn}\n"
        for case, _, _, turn in CASES
        for key in (case, f"test_{case}")
    )
    (pytester.path / "script.yaml").write_text(script, encoding="utf-8")


def verdicts(path) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(kind, case) -> (outcome, sorted failure codes), from a JUnit XML file."""
    found = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "").split("[")[0]
        kind = "python" if name.startswith("test_") else "yaml"
        problems = [c for c in case if c.tag in ("failure", "error", "skipped")]
        outcome = problems[0].tag if problems else "passed"
        text = "".join((p.text or "") + (p.get("message") or "") for p in problems[:1])
        codes = sorted(set(CODE_LINE.findall(text)) & CODES)
        found[(kind, name.removeprefix("test_"))] = (outcome, codes)
    return found


def test_python_api_and_yaml_agree_on_every_case(
    pytester, run_pytest, plugin_args, tmp_path
):
    write_parity_project(pytester)
    xml = tmp_path / "junit.xml"
    result = run_pytest(SCRIPTED, f"--junitxml={xml}", *plugin_args)
    result.assert_outcomes(passed=2 * PASSING, failed=2 * (len(CASES) - PASSING))
    found = verdicts(xml)
    assert len(found) == 2 * len(CASES)
    for case, *_ in CASES:
        assert found[("python", case)] == found[("yaml", case)], case
    expected_codes = {
        "passes": [],
        "arg_mismatch": ["arg_mismatch"],
        "wrong_tool": ["wrong_tool"],
        "hallucinated": ["missing_call", "unknown_tool"],
        "schema_and_extra": [
            "missing_required",
            "schema_violation",
            "unexpected_param",
        ],
        "malformed": ["malformed_args"],
        "no_call_passes": [],
        "unexpected_call": ["unexpected_call"],
        "extra_call": ["extra_call"],
        "parallel_any_order": [],
        "unordered_passes": [],
        "forbidden": ["forbidden_call"],
        "reply_mismatch": ["reply_mismatch"],
    }
    assert {case: found[("python", case)][1] for case, *_ in CASES} == expected_codes


def test_a_failed_assertion_shows_the_spec_items_report(pytester, run_pytest):
    write_parity_project(pytester)
    result = run_pytest(SCRIPTED, "-k", "arg_mismatch")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            '>       result.assert_called("get_weather", city="London")',
            literal(
                "E       pytest_fncall.errors.FncallFailure: fncall: "
                "test_arg_mismatch[scripted/script.yaml]: 1 check failed"
            ),
            "E       arg_mismatch: get_weather was called with arguments the case "
            "does not expect",
            'E           actual:   get_weather(city="Paris")',
            "E           differs:  $.city: expected 'London', got 'Paris'",
            "E       (-v shows the transcript)",
            "test_parity.py:*: FncallFailure",
        ]
    )
    assert "api_result.py" not in result.stdout.str()  # the helpers' frames are hidden
    verbose = run_pytest(SCRIPTED, "-k", "test_arg_mismatch", "-v")
    verbose.stdout.fnmatch_lines(
        ["E       transcript:", "E           user: x", "E           assistant calls *"]
    )


def test_a_provider_failure_is_an_error_naming_the_model(pytester, run_pytest):
    pytester.makepyfile(
        """
        def test_unscripted(fncall):
            fncall.run(prompt="x")
        """
    )
    pytester.makefile(".yaml", script="other: [{text: hi}]\n")
    result = run_pytest(SCRIPTED)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            literal("*ERROR at call of test_unscripted[scripted/script.yaml]*"),
            "E   *ProviderError: fncall: provider error (scripted/script.yaml): "
            "script.yaml has no entry for case 'test_unscripted'*",
        ]
    )


def test_without_a_model_the_test_skips_with_the_spec_items_reason(
    pytester, run_pytest
):
    pytester.makepyfile(
        """
        def test_needs_a_model(fncall):
            raise AssertionError("never runs")

        def test_plain():
            pass
        """
    )
    result = run_pytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*no model configured (use --fncall-model)"])


def test_each_configured_model_and_the_marks_model_parametrise_the_test(
    pytester, run_pytest
):
    pytester.makepyfile(
        """
        import pytest

        TOOL = {"name": "get_weather", "parameters": {"type": "object"}}

        @pytest.mark.parametrize("city", ["Paris", "Rome"])
        def test_per_model(fncall, fncall_model, city):
            result = fncall.run(prompt=city, tools=[TOOL])
            assert result.model == fncall_model
            result.assert_called("get_weather", city=city)

        @pytest.mark.fncall(model="scripted/b.yaml", tools=[TOOL])
        def test_pinned(fncall):
            fncall.run(prompt="x").assert_no_call()
        """
    )
    turns = (
        "'test_per_model[{0}]': [{{calls: [{{name: get_weather, arguments: "
        "{{city: {0}}}}}]}}]\n"
    )
    for name in ("a.yaml", "b.yaml"):
        text = (
            turns.format("Paris") + turns.format("Rome") + "test_pinned: [{text: hi}]\n"
        )
        (pytester.path / name).write_text(text, encoding="utf-8")
    result = run_pytest(
        "--fncall-model=scripted/a.yaml", "--fncall-model=scripted/b.yaml", "-v"
    )
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines_random(
        [
            literal("*::test_per_model[Paris-scripted/a.yaml] PASSED*"),
            literal("*::test_per_model[Rome-scripted/b.yaml] PASSED*"),
            literal("*::test_pinned[scripted/b.yaml] PASSED*"),
        ]
    )
    assert "test_pinned[scripted/a.yaml]" not in result.stdout.str()
    unconfigured = run_pytest("-v", "-rs")  # the mark's model runs without any other
    unconfigured.assert_outcomes(passed=1, skipped=2)
    unconfigured.stdout.fnmatch_lines(
        [literal("*::test_pinned[scripted/b.yaml] PASSED*")]
    )


def test_cassettes_record_python_runs_and_replay_them_offline(
    pytester, run_pytest, plugin_args
):
    write_parity_project(pytester)
    recorded = run_pytest(
        SCRIPTED, "--fncall-record-mode=once", "-k", "test_", *plugin_args
    )
    recorded.assert_outcomes(passed=PASSING, failed=len(CASES) - PASSING)
    cassette = pytester.path / "__fncall_cassettes__" / "test_parity.json"
    exchanges = json.loads(cassette.read_text(encoding="utf-8"))["exchanges"]
    assert sorted(e["case"] for e in exchanges) == sorted(
        f"test_{case}" for case, *_ in CASES
    )
    (pytester.path / "script.yaml").unlink()  # replay needs no model
    replayed = run_pytest(
        SCRIPTED, "--fncall-record-mode=none", "-k", "test_", *plugin_args
    )
    replayed.assert_outcomes(passed=PASSING, failed=len(CASES) - PASSING)
    replayed.stdout.fnmatch_lines(["*differs:  $.city: expected 'London', got 'Paris'"])


def test_a_trajectory_compares_with_a_syrupy_snapshot(pytester, run_pytest):
    test = textwrap.dedent(
        """
        TOOL = {"name": "get_weather", "parameters": {"type": "object"}}

        def test_pinned(fncall, snapshot):
            result = fncall.run(prompt="x", tools=[TOOL])
            assert result.trajectory_data == snapshot
        """
    )
    pytester.makepyfile(test_snap=test)
    script = pytester.path / "script.yaml"
    script.write_text(
        "test_pinned: [{calls: [{name: get_weather, arguments: {city: Paris}}]}]\n",
        encoding="utf-8",
    )
    run_pytest(SCRIPTED, "--snapshot-update").assert_outcomes(passed=1)
    run_pytest(SCRIPTED).assert_outcomes(passed=1)
    script.write_text(
        "test_pinned: [{calls: [{name: get_weather, arguments: {city: Rome}}]}]\n",
        encoding="utf-8",
    )
    changed = run_pytest(SCRIPTED)
    changed.assert_outcomes(failed=1)
    changed.stdout.fnmatch_lines(["*'city': 'Rome'*"])


def test_the_fncall_mark_selects_python_tests_and_spec_items(pytester, run_pytest):
    write_parity_project(pytester)
    pytester.makepyfile(test_other="def test_plain():\n    pass\n")
    selected = run_pytest(SCRIPTED, "--collect-only", "-q", "-m", "fncall")
    assert "test_other.py::test_plain" not in selected.stdout.str()
    selected.stdout.fnmatch_lines_random(
        [
            literal("test_parity.py::test_passes[scripted/script.yaml]"),
            literal("parity.fncall.yaml::passes[scripted/script.yaml]"),
        ]
    )
    others = run_pytest(SCRIPTED, "--collect-only", "-q", "-m", "not fncall")
    others.stdout.fnmatch_lines(["test_other.py::test_plain", "*1/* tests collected*"])
    run_pytest("--markers").stdout.fnmatch_lines(
        [
            "@pytest.mark.fncall: a pytest-fncall case from a Python test using the "
            "fncall fixture (on a test, class or module, fncall(model=*"
        ]
    )


def test_mistakes_in_the_test_are_reported_plainly(pytester, run_pytest):
    pytester.makepyfile(
        """
        import pytest

        TOOL = {"name": "get_weather", "parameters": {"type": "object"}}

        def test_typo(fncall):
            fncall.run(prompt="x", tools=[TOOL]).check(cal="get_weather")

        def test_undeclared(fncall):
            fncall.run(prompt="x", tools=[TOOL]).assert_called("get_time")
        """
    )
    pytester.makepyfile(
        test_mark="""
        import pytest

        @pytest.mark.fncall(modle="openai/x")
        def test_bad_mark(fncall):
            pass
        """
    )
    (pytester.path / "script.yaml").write_text(
        "test_typo: [{text: hi}]\ntest_undeclared: [{text: hi}]\n", encoding="utf-8"
    )
    result = run_pytest(SCRIPTED, "--continue-on-collection-errors")
    result.assert_outcomes(failed=2, errors=1)
    result.stdout.fnmatch_lines_random(
        [
            "E   *FncallUsageError: expect.cal: unknown key 'cal' (did you mean 'call'?)",
            "E   *FncallUsageError: expect.call: 'get_time' names no declared tool "
            "(declared: get_weather)",
            literal(
                "*@pytest.mark.fncall takes model=... and tools=[...], not keyword "
                "'modle'"
            ),
        ]
    )


def test_python_tests_appear_in_the_json_report(pytester, run_pytest, plugin_args):
    write_parity_project(pytester)
    run_pytest(
        SCRIPTED,
        "-k",
        "test_passes or test_wrong_tool",
        "--fncall-report=r.json",
        *plugin_args,
    )
    report = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))
    cases = {case["case"]: case for case in report["cases"]}
    assert cases["test_passes"]["outcome"] == "passed"
    assert cases["test_wrong_tool"]["outcome"] == "failed"
    assert [f["code"] for f in cases["test_wrong_tool"]["failures"]] == ["wrong_tool"]
    calls = cases["test_wrong_tool"]["trials"][0]["steps"][0]["calls"]
    assert [call["name"] for call in calls] == ["get_time"]
