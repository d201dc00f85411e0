"""A spec mistake is a collection error naming file:line and key path, never a traceback."""

from __future__ import annotations

import pytest

GOOD_CASE = """\
cases:
  - id: ok
    prompt: Weather in Paris?
    expect: {call: get_weather}
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "cases:\n  - id: a\n    prompt: x\n    expcet: {call: get_weather}\n",
            "weather.fncall.yaml:21: cases.a.expcet: unknown key 'expcet' "
            "(did you mean 'expect'?)",
            id="misspelt-key",
        ),
        pytest.param(
            "cases:\n  - id: a\n    prompt: x\n    expect:\n      call: get_weather\n"
            "      args: {city: {$regx: Par}}\n",
            "weather.fncall.yaml:23: cases.a.expect.args.city.$regx: unknown matcher "
            "'$regx' (did you mean '$regex'?)",
            id="unknown-matcher",
        ),
        pytest.param(
            "cases:\n  - id: a\n    prompt: x\n    tool_choice: sometimes\n",
            "weather.fncall.yaml:21: cases.a.tool_choice: Input should be 'auto', "
            "'required' or 'none' or Input should be a valid dictionary*",
            id="wrong-type",
        ),
        pytest.param(
            "cases:\n  - id: a\n    prompt: x\n  - id: a\n    prompt: y\n",
            "weather.fncall.yaml:21: cases.a.id: duplicate case id 'a' (first at line 19)",
            id="duplicate-id",
        ),
        pytest.param(
            "cases:\n  - id: a\n    prompt: x\n    expect: {call: get_wether}\n",
            "weather.fncall.yaml:21: cases.a.expect.call: 'get_wether' names no declared "
            "tool (declared: get_weather, get_time)",
            id="undeclared-tool",
        ),
        pytest.param(
            "cases:\n  - id: a\n    prompt: x\n    tools: {exclude: [get_time]}\n"
            "    expect: {calls: [get_time]}\n",
            "weather.fncall.yaml:22: cases.a.expect.calls[[]0[]].tool: 'get_time' is "
            "declared but not offered in this case (see its 'tools:')",
            id="excluded-tool",
        ),
        pytest.param(
            "cases:\n  - id: a\n    prompt: x\n    params: []\n",
            "weather.fncall.yaml:21: cases.a.params: 'params' belongs to parametrised "
            "cases, which this version of pytest-fncall does not run yet",
            id="not-yet-supported",
        ),
        pytest.param(
            "cases:\n  - id: a\n    prompt: [\n",
            "weather.fncall.yaml:21: YAML syntax error: *",
            id="yaml-syntax",
        ),
        pytest.param(
            "cases:\n  - id: bad id\n    prompt: x\n",
            "weather.fncall.yaml:19: cases[[]0[]].id: 'bad id' may hold only letters, digits, "
            "'_', '.' and '-'",
            id="bad-case-id",
        ),
        pytest.param(
            "cases:\n  - id: a\n    prompt: x\n    messages: [{role: user, content: y}]\n",
            "weather.fncall.yaml:19: cases.a: a case needs exactly one of 'prompt' or "
            "'messages'",
            id="prompt-and-messages",
        ),
    ],
)
def test_spec_error_names_file_line_and_key(make_spec, run_pytest, body, expected):
    make_spec(body=body)
    result = run_pytest()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*ERROR collecting weather.fncall.yaml*", expected])
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*INTERNALERROR*")


def test_several_problems_are_listed_together(make_spec, run_pytest):
    make_spec(
        body="cases:\n  - id: a\n    prompt: x\n    expect: {call: nope}\n"
        "  - id: a\n    prompt: x\n",
    )
    result = run_pytest()
    result.stdout.fnmatch_lines(
        [
            "weather.fncall.yaml:21: cases.a.expect.call: 'nope' names no declared tool*",
            "weather.fncall.yaml:22: cases.a.id: duplicate case id 'a' (first at line 19)",
        ],
        consecutive=True,
    )


def test_invalid_tool_schema_is_a_spec_error(make_spec, run_pytest):
    make_spec(
        body="""\
        version: 1
        tools:
          - name: t
            parameters: {type: object, properties: {a: {type: strin}}}
        cases:
          - id: a
            prompt: x
        """,
        tools=False,
    )
    result = run_pytest()
    result.stdout.fnmatch_lines(
        [
            "weather.fncall.yaml:4: tools[[]0[]].parameters: t: invalid JSON Schema at "
            "properties/a/type: *"
        ]
    )


def test_unregistered_yaml_mark_is_an_error_under_strict_markers(make_spec, run_pytest):
    make_spec(body="cases:\n  - id: a\n    prompt: x\n    marks: [slowww]\n")
    result = run_pytest("--strict-markers")
    result.stdout.fnmatch_lines(
        [
            "weather.fncall.yaml:21: cases.a.marks[[]0[]]: mark 'slowww' is not "
            "registered (--strict-markers is on; add it to the 'markers' ini option)"
        ]
    )
    # Without --strict-markers, pytest's own warning for an unknown mark applies.
    relaxed = run_pytest("-W", "default::pytest.PytestUnknownMarkWarning")
    relaxed.assert_outcomes(skipped=1, warnings=1)
    relaxed.stdout.fnmatch_lines(
        ["*PytestUnknownMarkWarning: Unknown pytest.mark.slowww*"]
    )


def test_other_files_still_collect(make_spec, run_pytest, make_script):
    make_spec(body=GOOD_CASE)
    make_spec("broken", body="version: 2\ncases: []\n", tools=False)
    make_script("ok: [{calls: [{name: get_weather, arguments: {city: Paris}}]}]")
    result = run_pytest(
        "--fncall-model=scripted/script.yaml", "--continue-on-collection-errors"
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["broken.fncall.yaml:1: version: Input should be 1"])
