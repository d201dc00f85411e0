"""Unit tests of :mod:`pytest_fncall.loader` (and the expectations it compiles).

Each spec mistake must name the right 1-based line, the key path and a useful message.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from pytest_fncall.errors import SpecError, SpecProblem
from pytest_fncall.loader import LoadedSpec, MarkSpec, load_spec
from pytest_fncall.results import Tool
from pytest_fncall.tool_sources import EMPTY_PARAMETERS

HEADER = """\
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
    parameters:
      type: object
      properties:
        tz: {type: string}
"""
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city"],
}


def write(tmp_path: Path, body: str, *, header: bool = True) -> Path:
    """Write ``s.fncall.yaml``: the two-tool header (unless ``header=False``) + ``body``."""
    text = (HEADER if header else "") + textwrap.dedent(body)
    path = tmp_path / "s.fncall.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line(path: Path, needle: str) -> int:
    """The 1-based line of the only line of ``path`` containing ``needle``."""
    found = [
        number
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if needle in text
    ]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def load(tmp_path: Path, body: str, *, header: bool = True) -> LoadedSpec:
    return load_spec(write(tmp_path, body, header=header))


def problems_of(path: Path, known_marks: set[str] | None = None) -> list[SpecProblem]:
    with pytest.raises(SpecError) as info:
        load_spec(path, known_marks)
    assert all(problem.path == path for problem in info.value.problems)
    return list(info.value.problems)


def only_problem(path: Path, known_marks: set[str] | None = None) -> SpecProblem:
    (problem,) = problems_of(path, known_marks)
    return problem


# --- a valid spec -------------------------------------------------------------------

VALID = """\
defaults:
  system: Be brief.
  settings: {temperature: 0, seed: 1}
cases:
  - id: plain
    prompt: Weather in Paris?
    settings: {temperature: 0.5}
    expect:
      call: get_weather
      args: {city: Paris}
  - id: own_system
    system: Answer in French.
    prompt: Bonjour
  - id: chat
    messages:
      - {role: user, content: one}
      - {role: assistant, content: two}
      - {role: user, content: three}
  - id: chat_with_system
    messages:
      - {role: system, content: mine}
      - {role: user, content: x}
  - id: named
    tool_choice: {name: get_time}
    prompt: What time is it?
  - id: only_time
    tools: {include: ["get_*"], exclude: [get_weather]}
    prompt: Time?
"""


@pytest.fixture
def valid(tmp_path: Path) -> LoadedSpec:
    return load(tmp_path, VALID)


def test_valid_spec_loads_tools_and_cases(valid: LoadedSpec, tmp_path: Path) -> None:
    assert valid.path == tmp_path / "s.fncall.yaml"
    assert valid.tools == (
        Tool("get_weather", "Current weather for a city.", WEATHER_SCHEMA),
        Tool(
            "get_time", "", {"type": "object", "properties": {"tz": {"type": "string"}}}
        ),
    )
    assert [case.id for case in valid.cases] == [
        "plain",
        "own_system",
        "chat",
        "chat_with_system",
        "named",
        "only_time",
    ]


def test_case_lines_are_the_lines_of_their_items(valid: LoadedSpec) -> None:
    # HEADER is 15 lines; VALID starts on line 16.
    assert [case.line for case in valid.cases] == [20, 26, 29, 34, 38, 41]
    assert valid.cases[0].line == line(valid.path, "- id: plain")


def test_defaults_system_is_prepended_as_the_first_message(valid: LoadedSpec) -> None:
    assert valid.cases[0].messages == (
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
    )


def test_case_system_overrides_the_default(valid: LoadedSpec) -> None:
    assert valid.cases[1].messages == (
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Bonjour"},
    )


def test_messages_input_gets_the_default_system_first(valid: LoadedSpec) -> None:
    assert valid.cases[2].messages == (
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "two"},
        {"role": "user", "content": "three"},
    )


def test_messages_with_their_own_system_message_are_kept(valid: LoadedSpec) -> None:
    assert valid.cases[3].messages == (
        {"role": "system", "content": "mine"},
        {"role": "user", "content": "x"},
    )


def test_without_any_system_there_is_no_system_message(tmp_path: Path) -> None:
    loaded = load(tmp_path, "cases:\n  - id: a\n    prompt: hi\n")

    assert loaded.cases[0].messages == ({"role": "user", "content": "hi"},)


def test_tool_choice_defaults_to_auto(valid: LoadedSpec) -> None:
    assert valid.cases[0].tool_choice == "auto"


def test_named_tool_choice(valid: LoadedSpec) -> None:
    assert valid.cases[4].tool_choice == {"name": "get_time"}


def test_tool_choice_from_defaults_and_overridden(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        """\
        defaults:
          tool_choice: required
        cases:
          - id: inherits
            prompt: hi
          - id: overrides
            prompt: hi
            tool_choice: none
        """,
    )

    assert [case.tool_choice for case in loaded.cases] == ["required", "none"]


def test_settings_are_merged_defaults_then_case(valid: LoadedSpec) -> None:
    assert valid.cases[0].settings == {"temperature": 0.5, "seed": 1}
    assert valid.cases[1].settings == {"temperature": 0, "seed": 1}


def test_settings_default_to_empty(tmp_path: Path) -> None:
    loaded = load(tmp_path, "cases:\n  - id: a\n    prompt: hi\n")

    assert loaded.cases[0].settings == {}


def test_every_declared_tool_is_offered_by_default(valid: LoadedSpec) -> None:
    assert [tool.name for tool in valid.cases[0].tools] == ["get_weather", "get_time"]


def test_include_and_exclude_globs_select_offered_tools(valid: LoadedSpec) -> None:
    assert [tool.name for tool in valid.cases[5].tools] == ["get_time"]


@pytest.mark.parametrize(
    ("selection", "offered"),
    [
        ("{include: [get_weather]}", ["get_weather"]),
        ("{include: ['*_time', get_weather]}", ["get_weather", "get_time"]),
        ("{exclude: ['get_w*']}", ["get_time"]),
        ("{include: ['get_*'], exclude: ['get_*']}", []),
    ],
)
def test_tool_selection(tmp_path: Path, selection: str, offered: list[str]) -> None:
    loaded = load(
        tmp_path, f"cases:\n  - id: a\n    prompt: hi\n    tools: {selection}\n"
    )

    assert [tool.name for tool in loaded.cases[0].tools] == offered


def test_tools_from_a_file_beside_the_spec(tmp_path: Path) -> None:
    (tmp_path / "more.json").write_text(
        json.dumps(
            [
                {
                    "type": "function",
                    "function": {"name": "book", "description": "Book."},
                },
                {"name": "cancel", "input_schema": {"type": "object"}},
            ]
        ),
        encoding="utf-8",
    )
    loaded = load(
        tmp_path,
        """\
          - file: more.json
        cases:
          - id: a
            prompt: hi
            expect:
              calls: [book, cancel]
        """,
    )

    assert [tool.name for tool in loaded.tools] == [
        "get_weather",
        "get_time",
        "book",
        "cancel",
    ]
    assert loaded.tools[2] == Tool("book", "Book.", EMPTY_PARAMETERS)
    assert loaded.tools[3].parameters == {"type": "object"}


def test_inline_schema_aliases(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        """\
        version: 1
        tools:
          - name: a
            inputSchema: {type: object, properties: {x: {type: string}}}
          - name: b
            input_schema: {type: object}
          - name: c
        cases:
          - id: x
            prompt: hi
        """,
        header=False,
    )

    assert [tool.parameters for tool in loaded.tools] == [
        {"type": "object", "properties": {"x": {"type": "string"}}},
        {"type": "object"},
        EMPTY_PARAMETERS,
    ]


def test_marks_with_and_without_arguments(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        """\
        cases:
          - id: a
            prompt: hi
            marks:
              - slow
              - {xfail: "flaky model"}
              - {skip: "not today"}
              - {skipif: "sys.platform == 'win32'"}
              - {skipif: {condition: true, reason: why}}
              - {parametrize: [1, 2]}
              - {timeout: 5}
        """,
    )

    assert loaded.cases[0].marks == (
        MarkSpec("slow"),
        MarkSpec("xfail", kwargs={"reason": "flaky model"}),
        MarkSpec("skip", kwargs={"reason": "not today"}),
        MarkSpec("skipif", args=("sys.platform == 'win32'",)),
        MarkSpec("skipif", kwargs={"condition": True, "reason": "why"}),
        MarkSpec("parametrize", args=(1, 2)),
        MarkSpec("timeout", args=(5,)),
    )


def test_any_mark_is_accepted_when_known_marks_is_none(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  - id: a\n    prompt: hi\n    marks: [whatever]\n")

    assert load_spec(path, None).cases[0].marks == (MarkSpec("whatever"),)


def test_registered_marks_are_accepted(tmp_path: Path) -> None:
    path = write(
        tmp_path, "cases:\n  - id: a\n    prompt: hi\n    marks: [slow, {xfail: r}]\n"
    )

    marks = load_spec(path, {"slow", "xfail"}).cases[0].marks
    assert [mark.name for mark in marks] == ["slow", "xfail"]


def test_case_line_of_a_case_written_in_flow_style(tmp_path: Path) -> None:
    loaded = load(
        tmp_path, "cases:\n  - {id: a, prompt: hi}\n  - {id: b, prompt: hi}\n"
    )

    assert [case.line for case in loaded.cases] == [17, 18]


# --- expectations -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expect", "kinds"),
    [
        ("{}", set()),
        ("{call: get_weather}", {"tool_choice"}),
        ("{call: get_weather, args: {city: Paris}}", {"tool_choice", "args"}),
        ("{calls: []}", {"tool_choice"}),
        ("{calls: [get_weather]}", {"tool_choice"}),
        ("{calls: [get_weather, get_time]}", {"tool_choice", "order"}),
        ("{calls: [get_weather, get_time], match: unordered}", {"tool_choice"}),
        (
            "{calls: [{tool: get_weather, id: w}, {tool: get_time, id: t}], "
            "match: unordered, before: [[w, t]]}",
            {"tool_choice", "order"},
        ),
        (
            "{calls: [{parallel: [{tool: get_weather}, {tool: get_time}]}], match: unordered}",
            {"tool_choice", "order"},
        ),
        (
            "{calls: [{tool: get_weather, args: {city: Paris}}, get_time]}",
            {"tool_choice", "args", "order"},
        ),
        ("{forbid_tools: [get_time]}", {"tool_choice"}),
        ("{no_call: true}", {"tool_choice"}),
        ("{forbid: [{tool: get_time, args: {tz: UTC}}]}", {"tool_choice", "args"}),
    ],
)
def test_check_kinds(tmp_path: Path, expect: str, kinds: set[str]) -> None:
    loaded = load(
        tmp_path, f"cases:\n  - id: a\n    prompt: hi\n    expect: {expect}\n"
    )

    assert loaded.cases[0].expectation.check_kinds == frozenset(kinds)


def test_call_compiles_to_one_unordered_single_call(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        "cases:\n  - id: a\n    prompt: hi\n    expect:\n      call: get_weather\n"
        "      args: {city: Paris}\n      args_mode: exact\n      forbid_tools: [get_t*]\n",
    )

    expectation = loaded.cases[0].expectation
    (pattern,) = expectation.patterns
    assert expectation.single_call is True
    assert expectation.checks_calls is True
    assert expectation.mode == "unordered"
    assert (pattern.tool, pattern.exact, pattern.min_count, pattern.max_count) == (
        "get_weather",
        True,
        1,
        1,
    )
    assert pattern.arguments is not None
    assert pattern.arguments.keys == ("city",)
    assert [p.tool for p in expectation.forbid] == ["get_t*"]


def test_calls_compile_labels_counts_groups_and_before(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        """\
        cases:
          - id: a
            prompt: hi
            expect:
              match: unordered
              calls:
                - {tool: get_weather, id: w, times: 2}
                - parallel: [{tool: get_time, optional: true}, {tool: "get_*", times: {min: 1}}]
                  exclusive: true
                - {tool: get_time, id: t}
              before: [[w, t]]
        """,
    )

    expectation = loaded.cases[0].expectation
    assert [p.label for p in expectation.patterns] == ["w", "#2", "#3", "t"]
    assert [(p.min_count, p.max_count) for p in expectation.patterns] == [
        (2, 2),
        (0, 1),
        (1, None),
        (1, 1),
    ]
    assert [p.group for p in expectation.patterns] == [None, 0, 0, None]
    (group,) = expectation.groups
    assert group.members == (1, 2)
    assert group.exclusive is True
    assert expectation.before == ((0, 3),)
    assert expectation.mode == "unordered"
    assert expectation.single_call is False


# --- shape mistakes (pydantic stage) ------------------------------------------------


def test_unknown_key_suggests_the_close_one(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  - id: a\n    promt: hi\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (line(path, "promt:"), "cases.a.promt")
    assert problem.message == "unknown key 'promt' (did you mean 'prompt'?)"


def test_unknown_key_in_expect(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases:\n  - id: a\n    prompt: hi\n    expect:\n      cal: get_time\n",
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "cal:"),
        "cases.a.expect.cal",
    )
    assert problem.message == "unknown key 'cal' (did you mean 'call'?)"


def test_unknown_key_far_from_any_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "zzzzzz: 1\ncases:\n  - id: a\n    prompt: hi\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (line(path, "zzzzzz"), "zzzzzz")
    assert (
        problem.message
        == "unknown key 'zzzzzz' (allowed: cases, defaults, environment, faults, mocks, "
        "tools, version)"
    )


@pytest.mark.parametrize(("key", "feature"), [("params", "parametrised cases")])
def test_not_yet_supported_key(tmp_path: Path, key: str, feature: str) -> None:
    path = write(tmp_path, f"cases:\n  - id: a\n    prompt: hi\n    {key}: {{}}\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (line(path, f"{key}:"), f"cases.a.{key}")
    assert problem.message == (
        f"{key!r} belongs to {feature}, which this version of pytest-fncall does not run yet"
    )


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  - id: a\n    prompt: [what, now]\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (line(path, "prompt:"), "cases.a.prompt")
    assert problem.message == "Input should be a valid string"


def test_wrong_type_of_tool_choice(tmp_path: Path) -> None:
    path = write(
        tmp_path, "cases:\n  - id: a\n    prompt: hi\n    tool_choice: sometimes\n"
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "tool_choice"),
        "cases.a.tool_choice",
    )
    assert "Input should be 'auto', 'required' or 'none'" in problem.message


def test_missing_version(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  - id: a\n    prompt: hi\n", header=False)

    problem = only_problem(path)
    assert (problem.line, problem.key_path, problem.message) == (
        1,
        "version",
        "Field required",
    )


def test_wrong_version(tmp_path: Path) -> None:
    path = write(
        tmp_path, "cases:\n  - id: a\n    prompt: hi\nversion: 2\n", header=False
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path, problem.message) == (
        4,
        "version",
        "Input should be 1",
    )


def test_no_cases(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\ncases: []\n", header=False)

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (2, "cases")
    assert "at least 1 item" in problem.message


def test_prompt_and_messages_together_and_neither_are_reported_together(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        """\
        cases:
          - id: both
            prompt: hi
            messages: [{role: user, content: hi}]
          - id: fine
            prompt: hi
          - id: neither
            description: nothing to say
        """,
    )

    found = [(p.line, p.key_path, p.message) for p in problems_of(path)]
    message = "a case needs exactly one of 'prompt' or 'messages'"
    assert found == [
        (line(path, "- id: both"), "cases.both", message),
        (line(path, "- id: neither"), "cases.neither", message),
    ]


def test_invalid_case_id_characters(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  - id: has space!\n    prompt: hi\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "has space"),
        "cases[0].id",  # an invalid id is not used to name its case
    )
    assert problem.message == (
        "'has space!' may hold only letters, digits, '_', '.' and '-'"
    )


def test_case_without_id_is_named_by_index(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  - id: a\n    prompt: hi\n  - prompt: there\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "prompt: there"),
        "cases[1].id",
    )
    assert problem.message == "Field required"


def test_several_shape_problems_in_one_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        defaults:
          sytem: x
        cases:
          - id: a
            prompt: 3
          - id: b
            prompt: hi
            expect: {call: get_weather, match: strict}
        """,
    )

    found = [(p.line, p.key_path) for p in problems_of(path)]
    assert found == [
        (line(path, "sytem"), "defaults.sytem"),
        (line(path, "prompt: 3"), "cases.a.prompt"),
        (line(path, "expect: {call"), "cases.b.expect"),
    ]


def test_spec_error_text_is_file_line_key_path_message(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  - id: a\n    promt: hi\n")

    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == (
        "s.fncall.yaml:18: cases.a.promt: unknown key 'promt' (did you mean 'prompt'?)"
    )


def test_unknown_key_in_a_calls_pattern(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        cases:
          - id: a
            prompt: hi
            expect:
              calls:
                - tool: get_weather
                  arg: {city: Paris}
        """,
    )

    problem = only_problem(path)
    assert problem.message == "unknown key 'arg' (did you mean 'args'?)"
    assert (problem.line, problem.key_path) == (
        line(path, "arg:"),
        "cases.a.expect.calls[0].arg",
    )


def test_unknown_key_in_a_parallel_group(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        cases:
          - id: a
            prompt: hi
            expect:
              calls:
                - parallel: [{tool: get_weather}]
                  exclusiv: true
        """,
    )

    problem = only_problem(path)
    assert problem.message == "unknown key 'exclusiv' (did you mean 'exclusive'?)"
    assert (problem.line, problem.key_path) == (
        line(path, "exclusiv:"),
        "cases.a.expect.calls[0].exclusiv",
    )


def test_unknown_key_in_a_named_tool_choice(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases:\n  - id: a\n    prompt: hi\n    tool_choice: {nme: get_time}\n",
    )

    problems = problems_of(path)
    assert [p.key_path for p in problems] == ["cases.a.tool_choice.nme"]
    assert "unknown key 'nme' (did you mean 'name'?)" in problems[0].message


# --- reading mistakes ---------------------------------------------------------------


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "s.fncall.yaml"
    path.write_bytes(b"version: 1\ncases: \xff\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (None, "")
    assert problem.message.startswith("not UTF-8 text: ")
    assert "can't decode byte 0xff in position 18" in problem.message


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  - id: a\n    prompt: hi\n   bad: indent\n")

    problem = only_problem(path)
    assert problem.line == line(path, "bad: indent")
    assert problem.key_path == ""
    assert problem.message.startswith("YAML syntax error: ")


def test_yaml_duplicate_key(tmp_path: Path) -> None:
    path = write(tmp_path, "cases:\n  - id: a\n    prompt: hi\n    prompt: again\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "prompt: again"),
        "cases[0].prompt",
    )
    assert (
        problem.message
        == f"duplicate key 'prompt' (first at line {line(path, 'prompt: hi')})"
    )


@pytest.mark.parametrize(
    ("text", "kind"), [("- a\n- b\n", "list"), ("just text\n", "str"), ("", "empty")]
)
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    path = write(tmp_path, text, header=False)

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (1, "")
    assert (
        problem.message == f"a spec is a mapping with 'version' and 'cases', not {kind}"
    )


def test_deep_nesting_is_a_spec_error(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nx:\n  " + "- " * 5000 + "1\n", header=False)

    problem = only_problem(path)
    assert "nest" in problem.message  # "nested too deeply" or libyaml's "nesting depth"


# --- reference mistakes (loader stage) ----------------------------------------------


def case_with_expect(tmp_path: Path, expect: str, extra: str = "") -> Path:
    body = "cases:\n  - id: a\n    prompt: hi\n" + extra + "    expect:\n"
    body += textwrap.indent(textwrap.dedent(expect), "      ")
    return write(tmp_path, body)


def test_duplicate_case_id(tmp_path: Path) -> None:
    path = write(
        tmp_path, "cases:\n  - id: a\n    prompt: hi\n  - id: a\n    prompt: there\n"
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (19, "cases.a.id")
    assert problem.message == "duplicate case id 'a' (first at line 17)"


def test_unknown_matcher(tmp_path: Path) -> None:
    path = case_with_expect(
        tmp_path, "call: get_weather\nargs:\n  city: {$regx: P.*}\n"
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "$regx"),
        "cases.a.expect.args.city.$regx",
    )
    assert problem.message == "unknown matcher '$regx' (did you mean '$regex'?)"


def test_bad_regex(tmp_path: Path) -> None:
    path = case_with_expect(
        tmp_path, "call: get_weather\nargs:\n  city: {$regex: '('}\n"
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "$regex"),
        "cases.a.expect.args.city.$regex",
    )
    assert problem.message.startswith("invalid regular expression for $regex: ")
    assert "missing )" in problem.message


def test_matcher_mistake_inside_calls(tmp_path: Path) -> None:
    path = case_with_expect(
        tmp_path,
        "calls:\n  - get_time\n  - tool: get_weather\n    args: {unit: {$in: []}}\n",
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "$in"),
        "cases.a.expect.calls[1].args.unit.$in",
    )
    assert problem.message.startswith("$in needs a non-empty list")


def test_undeclared_tool_in_call(tmp_path: Path) -> None:
    path = case_with_expect(tmp_path, "call: get_wether\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "get_wether"),
        "cases.a.expect.call",
    )
    assert problem.message == (
        "'get_wether' names no declared tool (declared: get_weather, get_time)"
    )


def test_undeclared_tool_in_calls_item(tmp_path: Path) -> None:
    path = case_with_expect(tmp_path, "calls:\n  - get_weather\n  - tool: nope\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "tool: nope"),
        "cases.a.expect.calls[1].tool",
    )
    assert (
        problem.message
        == "'nope' names no declared tool (declared: get_weather, get_time)"
    )


def test_undeclared_tool_in_calls_shorthand(tmp_path: Path) -> None:
    path = case_with_expect(tmp_path, "calls: [get_weather,\n  nope]\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "nope]"),
        "cases.a.expect.calls[1].tool",
    )


def test_undeclared_tool_in_a_parallel_group(tmp_path: Path) -> None:
    path = case_with_expect(
        tmp_path, "calls:\n  - parallel:\n      - tool: get_time\n      - tool: nope\n"
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "tool: nope"),
        "cases.a.expect.calls[0].parallel[1].tool",
    )


def test_undeclared_glob_in_forbid_tools(tmp_path: Path) -> None:
    path = case_with_expect(tmp_path, "forbid_tools:\n  - get_*\n  - 'nope*'\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "nope*"),
        "cases.a.expect.forbid_tools[1]",
    )
    assert (
        problem.message
        == "'nope*' names no declared tool (declared: get_weather, get_time)"
    )


def test_forbid_tools_may_name_a_tool_the_case_does_not_offer(tmp_path: Path) -> None:
    path = case_with_expect(
        tmp_path,
        "forbid_tools: [get_time]\n",
        extra="    tools: {exclude: [get_time]}\n",
    )

    assert load_spec(path).cases[0].expectation.forbid[0].tool == "get_time"


def test_tool_expected_but_excluded(tmp_path: Path) -> None:
    path = case_with_expect(
        tmp_path, "call: get_time\n", extra="    tools: {exclude: [get_time]}\n"
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "call: get_time"),
        "cases.a.expect.call",
    )
    assert problem.message == (
        "'get_time' is declared but not offered in this case (see its 'tools:')"
    )


def test_selection_glob_naming_no_tool(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases:\n  - id: a\n    prompt: hi\n    tools:\n      include:\n"
        "        - get_weather\n        - 'zz*'\n",
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "zz*"),
        "cases.a.tools.include[1]",
    )
    assert (
        problem.message
        == "'zz*' names no declared tool (declared: get_weather, get_time)"
    )


def test_named_tool_choice_not_offered(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases:\n  - id: a\n    prompt: hi\n    tools: {include: [get_weather]}\n"
        "    tool_choice:\n      name: get_time\n",
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "      name: get_time"),
        "cases.a.tool_choice.name",
    )
    assert problem.message == "'get_time' is not a tool this case offers"


def test_before_naming_an_unknown_id(tmp_path: Path) -> None:
    path = case_with_expect(
        tmp_path,
        "calls:\n  - {tool: get_weather, id: w}\n  - {tool: get_time, id: t}\n"
        "before:\n  - [w, x]\n",
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "[w, x]"),
        "cases.a.expect.before[0][1]",
    )
    assert problem.message == "no pattern with id 'x' (ids: t, w)"


def test_before_without_any_ids(tmp_path: Path) -> None:
    path = case_with_expect(
        tmp_path, "calls: [get_weather, get_time]\nbefore: [[a, b]]\n"
    )

    problem = only_problem(path)
    assert problem.key_path == "cases.a.expect.before[0][0]"
    assert (
        problem.message == "no pattern with id 'a' (ids: none: give patterns an 'id')"
    )


def test_before_cycle(tmp_path: Path) -> None:
    path = case_with_expect(
        tmp_path,
        "match: unordered\ncalls:\n  - {tool: get_weather, id: w}\n"
        "  - {tool: get_time, id: t}\n  - {tool: get_time, id: u}\n"
        "before: [[w, t], [t, u], [u, w]]\n",
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "before:"),
        "cases.a.expect.before",
    )
    assert problem.message == "'before' has a cycle: w -> t -> u -> w"


def test_before_a_pattern_and_itself(tmp_path: Path) -> None:
    path = case_with_expect(
        tmp_path, "calls:\n  - {tool: get_weather, id: w}\nbefore:\n  - [w, w]\n"
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (
        line(path, "[w, w]"),
        "cases.a.expect.before[0]",
    )
    assert problem.message == "a pattern cannot precede itself"


def test_invalid_tool_json_schema(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        version: 1
        tools:
          - name: f
            inputSchema:
              type: object
              properties:
                a: {type: nope}
        cases:
          - id: a
            prompt: hi
        """,
        header=False,
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (4, "tools[0].inputSchema")
    assert problem.message == (
        "f: invalid JSON Schema at properties/a/type: "
        "'nope' is not valid under any of the given schemas"
    )


def test_tool_schema_must_have_type_object(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "version: 1\ntools:\n  - name: f\n    parameters: {type: string}\n"
        "cases:\n  - id: a\n    prompt: hi\n",
        header=False,
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (4, "tools[0].parameters")
    assert problem.message == "f: the arguments schema must have type 'object'"


def test_duplicate_inline_tool_names(tmp_path: Path) -> None:
    path = write(tmp_path, "  - name: get_time\ncases:\n  - id: a\n    prompt: hi\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (16, "tools[2]")
    assert problem.message == "tool 'get_time' is declared twice"


def test_duplicate_tool_name_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "dup.json").write_text(
        '{"tools": [{"name": "get_weather"}]}', encoding="utf-8"
    )
    path = write(tmp_path, "  - file: dup.json\ncases:\n  - id: a\n    prompt: hi\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (16, "tools[2]")
    assert problem.message == "tool 'get_weather' is declared twice"


def test_missing_tools_file(tmp_path: Path) -> None:
    path = write(
        tmp_path, "  - file: missing.json\ncases:\n  - id: a\n    prompt: hi\n"
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (16, "tools[2].file")
    assert problem.message == f"tools file not found: {tmp_path / 'missing.json'}"


def test_broken_tools_file(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text("[{]", encoding="utf-8")
    path = write(tmp_path, "  - file: t.json\ncases:\n  - id: a\n    prompt: hi\n")

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (16, "tools[2].file")
    assert problem.message.startswith("t.json: invalid JSON: ")


def test_file_entry_with_inline_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path, "  - file: t.json\n    name: x\ncases:\n  - id: a\n    prompt: hi\n"
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path) == (16, "tools[2]")
    assert problem.message == (
        "a 'file:' entry takes its tools from the file; remove name/description/parameters"
    )


def test_unregistered_mark(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases:\n  - id: a\n    prompt: hi\n    marks:\n      - slow\n      - fast\n",
    )

    problem = only_problem(path, known_marks={"slow", "xfail"})
    assert (problem.line, problem.key_path) == (
        line(path, "- fast"),
        "cases.a.marks[1]",
    )
    assert problem.message == (
        "mark 'fast' is not registered (--strict-markers is on; add it to the "
        "'markers' ini option)"
    )


def test_unregistered_mark_with_arguments(tmp_path: Path) -> None:
    path = write(
        tmp_path, "cases:\n  - id: a\n    prompt: hi\n    marks: [{flaky: 3}]\n"
    )

    problem = only_problem(path, known_marks=set())
    assert problem.key_path == "cases.a.marks[0]"
    assert "mark 'flaky' is not registered" in problem.message


@pytest.mark.parametrize(
    ("mark", "message"),
    [
        ("bad-name", "'bad-name' is not a valid mark name"),
        ("{a: 1, b: 2}", "a mark with arguments is a one-key mapping: {name: args}"),
        ("{}", "a mark with arguments is a one-key mapping: {name: args}"),
    ],
)
def test_malformed_mark(tmp_path: Path, mark: str, message: str) -> None:
    path = write(
        tmp_path, f"cases:\n  - id: a\n    prompt: hi\n    marks:\n      - {mark}\n"
    )

    problem = only_problem(path)
    assert (problem.line, problem.key_path, problem.message) == (
        line(path, f"- {mark}"),
        "cases.a.marks[0]",
        message,
    )


def test_several_reference_problems_in_one_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
          - name: broken
            parameters: {type: object, properties: {a: {type: nope}}}
        cases:
          - id: a
            prompt: hi
            expect: {call: nope}
          - id: ok
            prompt: hi
          - id: b
            prompt: hi
            expect:
              call: get_weather
              args: {city: {$bogus: 1}}
          - id: a
            prompt: dup
        """,
    )

    found = [(p.line, p.key_path) for p in problems_of(path)]
    assert found == [
        (17, "tools[2].parameters"),
        (line(path, "{call: nope}"), "cases.a.expect.call"),
        (line(path, "$bogus"), "cases.b.expect.args.city.$bogus"),
        (line(path, "prompt: dup") - 1, "cases.a.id"),
    ]


def test_deeply_nested_tools_json_is_a_spec_error(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    path = write(tmp_path, "  - file: deep.json\ncases:\n  - id: a\n    prompt: hi\n")

    problem = only_problem(path)
    assert problem.key_path == "tools[2].file"
