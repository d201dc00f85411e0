"""Unit tests of :mod:`pytest_fncall.lint`: static checks of specs and tools."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_fncall.lint import LintFinding, lint_spec, lint_tool, render_findings
from pytest_fncall.loader import load_spec
from pytest_fncall.results import Tool

TOOLS = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties:
        city: {type: string}
        unit: {type: string, enum: [celsius, fahrenheit]}
        days: {type: integer, minimum: 1}
        place:
          type: object
          properties:
            zip: {type: string}
            country: {type: string}
          required: [zip]
        tags: {type: array, items: {type: string}}
      required: [city]
      additionalProperties: false
  - name: get_time
    description: Current time in a time zone.
    parameters:
      type: object
      properties:
        tz: {type: string}
        city: {type: integer}
      required: [tz, city]
      additionalProperties: false
  - name: send_sms
    description: Send a text message.
    parameters:
      type: object
      properties:
        to: {type: string}
      required: [to]
      additionalProperties: false
"""


def case_findings(tmp_path: Path, expect: str) -> list[LintFinding]:
    """Lint a one-case spec (``expect`` is the YAML under ``expect:``); the tools above
    are clean, so only the case's findings come back."""
    path = tmp_path / "s.fncall.yaml"
    body = textwrap.indent(textwrap.dedent(expect), "      ")
    path.write_text(
        TOOLS + f"cases:\n  - id: c\n    prompt: hi\n    expect:\n{body}",
        encoding="utf-8",
    )
    return lint_spec(load_spec(path), strict_mode=False)


def error(key: str, message: str) -> LintFinding:
    return LintFinding("c", f"cases.c.expect.{key}", message, "error")


def warning(key: str, message: str) -> LintFinding:
    return LintFinding("c", f"cases.c.expect.{key}", message, "warning")


# --- expected arguments ---------------------------------------------------------------


def test_a_spec_that_can_pass_has_no_findings(tmp_path: Path) -> None:
    findings = case_findings(
        tmp_path,
        """\
        call: get_weather
        args:
          city: {$ieq: paris}
          unit: {$optional: celsius}
          days: {$in: [1, 2]}
          place: {zip: "75001"}
          country: $absent
        """,
    )

    assert findings == []


def test_a_literal_of_the_wrong_type(tmp_path: Path) -> None:
    findings = case_findings(tmp_path, "call: get_weather\nargs: {city: 42}\n")

    assert findings == [
        error(
            "args.city",
            "42 can never match: the schema of get_weather refuses it "
            "(42 is not of type 'string')",
        )
    ]


def test_an_optional_literal_outside_the_enum(tmp_path: Path) -> None:
    findings = case_findings(
        tmp_path, "call: get_weather\nargs: {city: Paris, unit: {$optional: kelvin}}\n"
    )

    assert findings == [
        error(
            "args.unit",
            "'kelvin' can never match: the schema of get_weather refuses it "
            "('kelvin' is not one of ['celsius', 'fahrenheit'])",
        )
    ]


def test_eq_and_keyword_constraints(tmp_path: Path) -> None:
    findings = case_findings(tmp_path, "call: get_weather\nargs: {days: {$eq: 0}}\n")

    assert findings == [
        error(
            "args.days",
            "0 can never match: the schema of get_weather refuses it "
            "(0 is less than the minimum of 1)",
        )
    ]


def test_a_literal_object_is_checked_inside(tmp_path: Path) -> None:
    findings = case_findings(
        tmp_path,
        """\
        call: get_weather
        args:
          place: {zip: 75001}
          city: {$any: true}
        """,
    )

    assert findings == [
        error(
            "args.place",
            "{'zip': 75001} can never match: the schema of get_weather refuses it "
            "(at zip: 75001 is not of type 'string')",
        )
    ]


def test_a_literal_object_missing_a_required_key(tmp_path: Path) -> None:
    findings = case_findings(
        tmp_path, "call: get_weather\nargs: {place: {country: FR}}\n"
    )

    assert findings == [
        error(
            "args.place",
            "{'country': 'FR'} can never match: the schema of get_weather refuses it "
            "('zip' is a required property)",
        )
    ]


def test_objects_with_matchers_inside_and_literal_arrays_are_not_looked_into(
    tmp_path: Path,
) -> None:
    findings = case_findings(
        tmp_path,
        "call: get_weather\nargs: {place: {zip: {$regex: '7.*'}, country: 3}, "
        "tags: [1, 2]}\n",
    )

    assert findings == []


def test_in_values_the_schema_refuses(tmp_path: Path) -> None:
    findings = case_findings(
        tmp_path,
        """\
        calls:
          - tool: get_weather
            args: {unit: {$in: [celsius, kelvin, 5]}}
          - tool: get_weather
            args: {unit: {$in: [kelvin]}}
        match: unordered
        """,
    )

    assert findings == [
        warning(
            "calls[0].args.unit",
            "$in values the schema of get_weather refuses can never match "
            "('kelvin': 'kelvin' is not one of ['celsius', 'fahrenheit']; "
            "5: 5 is not one of ['celsius', 'fahrenheit'])",
        ),
        error(
            "calls[1].args.unit",
            "no $in value fits the schema of get_weather, so none can match "
            "('kelvin': 'kelvin' is not one of ['celsius', 'fahrenheit'])",
        ),
    ]


def test_an_argument_the_tool_does_not_declare(tmp_path: Path) -> None:
    findings = case_findings(
        tmp_path,
        """\
        call: send_sms
        args:
          to: "+331234"
          text: hello
          body: {$optional: hi}
          subject: $absent
        """,
    )

    assert findings == [
        error(
            "args.text",
            "'text' is not a parameter of send_sms (parameters: to): a call passing "
            "it fails as unexpected_param",
        ),
        warning(
            "args.body",
            "'body' is not a parameter of send_sms (parameters: to): a valid call "
            "never has it",
        ),
    ]


def test_absent_on_a_required_parameter(tmp_path: Path) -> None:
    findings = case_findings(tmp_path, "call: send_sms\nargs: {to: $absent}\n")

    assert findings == [
        error(
            "args.to",
            "'to' is required by send_sms: a valid call always has it, so $absent "
            "can never match",
        )
    ]


def test_exact_arguments_without_a_required_parameter(tmp_path: Path) -> None:
    findings = case_findings(
        tmp_path,
        """\
        calls:
          - {tool: get_time, args: {tz: UTC}, args_mode: exact}
        """,
    )

    assert findings == [
        error(
            "calls[0].args_mode",
            "args_mode: exact leaves out 'city', which get_time requires: no valid "
            "call can match",
        )
    ]


def test_parallel_members_are_located(tmp_path: Path) -> None:
    findings = case_findings(
        tmp_path,
        """\
        calls:
          - send_sms
          - parallel:
              - {tool: get_weather, args: {city: Paris}}
              - {tool: get_weather, args: {city: 1}}
          - parallel:
              - {tool: get_time, args: {tz: 2, city: 3}}
        match: unordered
        """,
    )

    assert [(f.key, f.severity) for f in findings] == [
        ("cases.c.expect.calls[1].parallel[1].args.city", "error"),
        ("cases.c.expect.calls[2].parallel[0].args.tz", "error"),
    ]


def test_a_glob_is_wrong_only_when_no_tool_it_matches_fits(tmp_path: Path) -> None:
    fits_one = case_findings(tmp_path, "calls: [{tool: 'get_*', args: {city: 3}}]\n")
    fits_none = case_findings(
        tmp_path, "calls: [{tool: 'get_*', args: {city: {a: 1}}}]\n"
    )

    assert fits_one == []  # get_time takes an integer city
    assert fits_none == [
        error(
            "calls[0].args.city",
            "no tool matching 'get_*' fits: get_weather: {'a': 1} can never match: "
            "the schema of get_weather refuses it ({'a': 1} is not of type 'string'); "
            "get_time: {'a': 1} can never match: the schema of get_time refuses it "
            "({'a': 1} is not of type 'integer')",
        )
    ]


def test_a_forbid_pattern_that_can_never_match_is_a_warning(tmp_path: Path) -> None:
    findings = case_findings(
        tmp_path,
        """\
        forbid_tools: [get_time]
        forbid:
          - {tool: send_sms, args: {to: 5}}
        """,
    )

    assert findings == [
        warning(
            "forbid[send_sms].args.to",
            "a forbidden call to send_sms: 5 can never match: the schema of send_sms "
            "refuses it (5 is not of type 'string') (this forbid pattern can never "
            "match)",
        )
    ]


def test_a_schema_without_properties_takes_any_key(tmp_path: Path) -> None:
    path = tmp_path / "s.fncall.yaml"
    path.write_text(
        "version: 1\ntools:\n  - {name: ping, description: Ping., "
        "parameters: {type: object}}\n  - {name: pong, description: Pong.}\n"
        "cases:\n  - id: c\n    prompt: hi\n    expect:\n"
        "      calls: [{tool: ping, args: {x: 1}}, {tool: pong, args: {x: 1}}]\n",
        encoding="utf-8",
    )

    assert lint_spec(load_spec(path), strict_mode=False) == [
        error(  # a tool without parameters has none (`properties: {}`)
            "calls[1].args.x",
            "'x' is not a parameter of pong (parameters: none): a call passing it "
            "fails as unexpected_param",
        )
    ]


# --- tools --------------------------------------------------------------------------

CLEAN = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}


def tool_messages(tool: Tool, strict_mode: bool = False) -> list[tuple[str, str, str]]:
    return [
        (f.key, f.severity, f.message)
        for f in lint_tool(tool, strict_mode=strict_mode)
        if f.case_id is None
    ]


def test_a_clean_tool_has_no_findings() -> None:
    assert tool_messages(Tool("get_weather", "Weather.", CLEAN), strict_mode=True) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            "weather.get",
            "has '.': OpenAI, Anthropic and Mistral accept only letters, digits, '_' "
            "and '-' (use 'rename' on a file or python source)",
        ),
        (
            "get weather/now",
            "has ' ' '/': OpenAI, Anthropic and Mistral accept only letters, digits, "
            "'_' and '-' (use 'rename' on a file or python source)",
        ),
        ("x" * 65, "has 65 characters; OpenAI, Anthropic and Mistral accept 64"),
        ("", "is empty"),
    ],
)
def test_tool_names_providers_refuse(name: str, problem: str) -> None:
    assert tool_messages(Tool(name, "Weather.", CLEAN)) == [
        (f"tools.{name}", "error", f"the name {name!r} {problem}")
    ]


def test_a_64_character_name_is_fine() -> None:
    assert tool_messages(Tool("x" * 64, "Weather.", CLEAN)) == []


def test_descriptions() -> None:
    assert tool_messages(Tool("a", " ", CLEAN)) == [
        (
            "tools.a.description",
            "warning",
            "no description: models choose tools by what their descriptions say",
        )
    ]
    assert tool_messages(Tool("a", "x" * 1024, CLEAN)) == []
    assert tool_messages(Tool("a", "x" * 1025, CLEAN)) == [
        (
            "tools.a.description",
            "error",
            "the description has 1025 characters; OpenAI accepts at most 1024",
        )
    ]


def test_parameter_names_and_untyped_parameters() -> None:
    schema = {
        "type": "object",
        "properties": {
            "first name": {"type": "string"},
            "note": {"description": "Anything."},
            "extra": True,
            "address": {
                "type": "object",
                "properties": {"post/code": {"type": "string"}},
            },
        },
    }

    assert tool_messages(Tool("a", "A.", schema)) == [
        (
            "tools.a.parameters",
            "error",
            "Anthropic refuses parameter names outside [a-zA-Z0-9_.-]{1,64}: "
            "first name, properties.address.post/code",
        ),
        (
            "tools.a.parameters.properties.note",
            "warning",
            "parameter 'note' accepts any value: its schema has no type; say what it "
            "takes (with python sources: add a type hint)",
        ),
        (
            "tools.a.parameters.properties.extra",
            "warning",
            "parameter 'extra' accepts any value: its schema has no type; say what it "
            "takes (with python sources: add a type hint)",
        ),
    ]


def test_openai_strict_mode_warnings() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string", "minLength": 1},
            "place": {
                "type": "object",
                "properties": {"zip": {"type": "string"}},
                "additionalProperties": False,
            },
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        },
        "required": ["city", "place", "tags"],
        "allOf": [{"required": ["city"]}],
    }

    assert tool_messages(Tool("a", "A.", schema), strict_mode=True) == [
        (
            "tools.a.parameters",
            "warning",
            "OpenAI strict mode (strict: true) would refuse it: no "
            "'additionalProperties: false' at (root); properties missing from "
            "'required' (strict mode wants them all, optional ones nullable) at "
            "properties.place: zip; unsupported allOf at (root), minLength at "
            "properties.city, uniqueItems at properties.tags",
        )
    ]
    assert tool_messages(Tool("a", "A.", schema), strict_mode=False) == []


def test_lint_spec_lists_tool_findings_before_case_findings(tmp_path: Path) -> None:
    path = tmp_path / "s.fncall.yaml"
    path.write_text(
        "version: 1\ntools:\n  - name: get.weather\n    description: W.\n"
        "    parameters: {type: object, properties: {city: {type: string}}}\n"
        "cases:\n  - id: c\n    prompt: hi\n    expect:\n"
        "      call: get.weather\n      args: {city: 1}\n",
        encoding="utf-8",
    )

    findings = lint_spec(load_spec(path))

    assert [(f.case_id, f.key, f.severity) for f in findings] == [
        (None, "tools.get.weather", "error"),
        (None, "tools.get.weather.parameters", "warning"),
        ("c", "cases.c.expect.args.city", "error"),
    ]


# --- rendering ----------------------------------------------------------------------


def test_render_nothing() -> None:
    assert render_findings([]) == "fncall lint: no problems found"


def test_render_findings() -> None:
    findings = [
        LintFinding(None, "tools.a", "bad name", "error"),
        LintFinding("c", "cases.c.expect.args.x", "never", "error"),
        LintFinding(None, "tools.a.description", "empty", "warning"),
    ]

    assert render_findings(findings) == (
        "error: tools.a: bad name\n"
        "error: cases.c.expect.args.x: never\n"
        "warning: tools.a.description: empty\n"
        "fncall lint: 2 errors, 1 warning"
    )
    assert render_findings(findings[2:]).endswith("\nfncall lint: 1 warning")
