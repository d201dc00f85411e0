"""Unit tests of :mod:`pytest_fncall.tool_sources`: every accepted tools-file format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_fncall.errors import SpecError
from pytest_fncall.loader import load_spec
from pytest_fncall.results import Tool
from pytest_fncall.tool_sources import (
    EMPTY_PARAMETERS,
    ToolSourceError,
    select_tools,
    tools_from_file,
)

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
TIME_SCHEMA = {"type": "object", "properties": {"tz": {"type": "string"}}}
EXPECTED = [
    Tool("get_weather", "Current weather.", WEATHER_SCHEMA),
    Tool("get_time", "", TIME_SCHEMA),
]


def write_json(tmp_path: Path, data: Any, name: str = "tools.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def write_text(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(path: Path) -> str:
    with pytest.raises(ToolSourceError) as info:
        tools_from_file(path)
    return str(info.value)


# --- formats ------------------------------------------------------------------------


def test_openai_tools_array(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Current weather.",
                    "parameters": WEATHER_SCHEMA,
                },
            },
            {
                "type": "function",
                "function": {"name": "get_time", "parameters": TIME_SCHEMA},
            },
        ],
    )

    assert tools_from_file(path) == EXPECTED


def test_openai_wrapper_keys_beside_function_are_ignored(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        [
            {
                "type": "function",
                "strict": True,
                "function": {"name": "f", "parameters": {"type": "object"}},
            }
        ],
    )

    assert tools_from_file(path) == [Tool("f", "", {"type": "object"})]


def test_bare_inner_objects(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        [
            {
                "name": "get_weather",
                "description": "Current weather.",
                "parameters": WEATHER_SCHEMA,
            },
            {"name": "get_time", "parameters": TIME_SCHEMA},
        ],
    )

    assert tools_from_file(path) == EXPECTED


def test_anthropic_tool_list(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        [
            {
                "name": "get_weather",
                "description": "Current weather.",
                "input_schema": WEATHER_SCHEMA,
            },
            {"name": "get_time", "input_schema": TIME_SCHEMA},
        ],
    )

    assert tools_from_file(path) == EXPECTED


def test_mcp_tools_list_result(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        {
            "tools": [
                {
                    "name": "get_weather",
                    "description": "Current weather.",
                    "inputSchema": WEATHER_SCHEMA,
                },
                {"name": "get_time", "inputSchema": TIME_SCHEMA},
            ],
            "nextCursor": None,
        },
    )

    assert tools_from_file(path) == EXPECTED


def test_mcp_json_rpc_response(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "result": {
                "tools": [
                    {
                        "name": "get_weather",
                        "description": "Current weather.",
                        "inputSchema": WEATHER_SCHEMA,
                    },
                    {"name": "get_time", "inputSchema": TIME_SCHEMA},
                ]
            },
        },
    )

    assert tools_from_file(path) == EXPECTED


def test_empty_mcp_result_has_no_tools(tmp_path: Path) -> None:
    path = write_json(tmp_path, {"result": {"tools": []}})

    assert tools_from_file(path) == []


def test_one_tool_object(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        {
            "name": "get_weather",
            "description": "Current weather.",
            "parameters": WEATHER_SCHEMA,
        },
    )

    assert tools_from_file(path) == [EXPECTED[0]]


def test_one_openai_tool_object(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        {
            "type": "function",
            "function": {"name": "get_time", "parameters": TIME_SCHEMA},
        },
    )

    assert tools_from_file(path) == [EXPECTED[1]]


@pytest.mark.parametrize("name", ["tools.yaml", "tools.yml"])
def test_yaml_file(tmp_path: Path, name: str) -> None:
    path = write_text(
        tmp_path,
        """\
- name: get_weather
  description: Current weather.
  parameters:
    type: object
    properties:
      city: {type: string}
    required: [city]
- type: function
  function:
    name: get_time
    parameters:
      type: object
      properties:
        tz: {type: string}
""",
        name,
    )

    assert tools_from_file(path) == EXPECTED


def test_yaml_mcp_result_keeps_on_as_a_property_name(tmp_path: Path) -> None:
    path = write_text(
        tmp_path,
        "tools:\n  - name: switch\n    inputSchema:\n      type: object\n"
        "      properties:\n        on: {type: boolean}\n",
        "tools.yaml",
    )

    (tool,) = tools_from_file(path)
    assert tool.parameters["properties"] == {"on": {"type": "boolean"}}


def test_missing_parameters_give_an_empty_object_schema(tmp_path: Path) -> None:
    path = write_json(
        tmp_path, [{"name": "ping"}, {"type": "function", "function": {"name": "p2"}}]
    )

    tools = tools_from_file(path)
    assert tools == [
        Tool("ping", "", EMPTY_PARAMETERS),
        Tool("p2", "", EMPTY_PARAMETERS),
    ]
    assert EMPTY_PARAMETERS == {"type": "object", "properties": {}}


def test_null_description_is_empty(tmp_path: Path) -> None:
    path = write_json(tmp_path, [{"name": "ping", "description": None}])

    assert tools_from_file(path)[0].description == ""


# --- errors -------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"

    assert error(path) == f"tools file not found: {path}"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "tools.json"
    path.write_bytes(b"\xff\xfe[]")

    message = error(path)
    assert message.startswith(f"cannot read tools file {path}: ")
    assert "can't decode byte 0xff" in message


def test_invalid_json(tmp_path: Path) -> None:
    path = write_text(tmp_path, '{"name": "a",', "tools.json")

    message = error(path)
    assert message.startswith("tools.json: invalid JSON: ")
    assert "line 1 column 14" in message


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write_text(tmp_path, "- name: a\n- name: b\n  name: c\n", "tools.yaml")

    assert error(path) == "tools.yaml:3: duplicate key 'name' (first at line 2)"


@pytest.mark.parametrize(
    ("data", "kind"),
    [(None, "NoneType"), ("text", "str"), (3, "int"), ({"tools": {}}, "dict")],
)
def test_not_a_tools_container(tmp_path: Path, data: Any, kind: str) -> None:
    path = write_json(tmp_path, data)

    assert error(path) == (
        "tools.json: expected a list of tools, an object with 'tools', or one tool; "
        f"got {kind}"
    )


def test_empty_yaml_file(tmp_path: Path) -> None:
    path = write_text(tmp_path, "", "tools.yaml")

    assert error(path).endswith("got NoneType")


def test_entry_that_is_not_an_object(tmp_path: Path) -> None:
    path = write_json(tmp_path, [{"name": "a"}, 1])

    assert error(path) == "tools.json: tool #2: expected an object, got int"


@pytest.mark.parametrize(
    "entry",
    [
        {"description": "no name"},
        {"name": ""},
        {"name": 5},
        {"type": "function", "function": {"description": "no name"}},
    ],
)
def test_entry_without_name(tmp_path: Path, entry: dict[str, Any]) -> None:
    path = write_json(tmp_path, [{"name": "ok"}, entry])

    assert error(path) == "tools.json: tool #2: missing 'name'"


@pytest.mark.parametrize(
    "keys", [("parameters", "inputSchema"), ("inputSchema", "input_schema")]
)
def test_two_schema_keys(tmp_path: Path, keys: tuple[str, str]) -> None:
    path = write_json(tmp_path, [{"name": "f", keys[0]: {}, keys[1]: {}}])

    assert error(path) == (
        "tools.json: tool #1 (f): give one of parameters, inputSchema, input_schema"
    )


@pytest.mark.parametrize("schema", [None, [], "object", True])
def test_non_object_schema(tmp_path: Path, schema: Any) -> None:
    path = write_json(tmp_path, [{"name": "f", "parameters": schema}])

    assert error(path) == "tools.json: tool #1 (f): the schema must be an object"


def test_non_string_description(tmp_path: Path) -> None:
    path = write_json(tmp_path, [{"name": "f", "description": ["x"]}])

    assert error(path) == "tools.json: tool #1 (f): 'description' must be a string"


def test_deeply_nested_json_is_a_tool_source_error(tmp_path: Path) -> None:
    path = write_text(tmp_path, "[" * 5000 + "]" * 5000, "tools.json")

    assert error(path).startswith("tools.json: ")


def test_yaml_problem_without_a_line_has_no_none_in_the_message(tmp_path: Path) -> None:
    path = write_text(tmp_path, "- " * 5000 + "x\n", "tools.yaml")

    message = error(path)
    assert "nest" in message  # "nested too deeply" or libyaml's "nesting depth"
    assert "None" not in message


# --- only / rename ------------------------------------------------------------------

THREE = [
    Tool("get_weather", "W.", WEATHER_SCHEMA),
    Tool("get_time", "", TIME_SCHEMA),
    Tool("book", "B.", EMPTY_PARAMETERS),
]


def select_error(
    only: list[str] | None = None, rename: dict[str, str] | None = None
) -> ToolSourceError:
    with pytest.raises(ToolSourceError) as info:
        select_tools(THREE, only, rename)
    return info.value


def test_select_without_options_keeps_everything() -> None:
    assert select_tools(THREE) == THREE


def test_only_keeps_the_matching_tools_in_source_order() -> None:
    assert select_tools(THREE, ["book", "get_w*"]) == [THREE[0], THREE[2]]


def test_rename_keeps_description_and_schema() -> None:
    assert select_tools(THREE, None, {"get_time": "now", "book": "book"}) == [
        THREE[0],
        Tool("now", "", TIME_SCHEMA),
        THREE[2],
    ]


def test_rename_may_swap_names() -> None:
    renamed = select_tools(THREE, None, {"get_time": "book", "book": "get_time"})

    assert [(t.name, t.description) for t in renamed] == [
        ("get_weather", "W."),
        ("book", ""),
        ("get_time", "B."),
    ]


def test_only_then_rename() -> None:
    assert select_tools(THREE, ["get_*"], {"get_time": "book"}) == [
        THREE[0],
        Tool("book", "", TIME_SCHEMA),
    ]


def test_an_only_glob_matching_nothing() -> None:
    error = select_error(only=["get_*", "send_*"])

    assert error.key == ("only", 1)
    assert str(error) == (
        "'send_*' matches no tool of this source (tools: get_weather, get_time, book)"
    )


def test_renaming_a_tool_that_does_not_exist() -> None:
    error = select_error(rename={"get_wether": "w"})

    assert error.key == ("rename", "get_wether")
    assert str(error) == (
        "'get_wether' is not a tool of this source (tools: get_weather, get_time, book)"
    )


def test_renaming_a_tool_that_only_leaves_out() -> None:
    error = select_error(only=["get_*"], rename={"book": "b"})

    assert str(error) == (
        "'book' is not a tool kept by 'only' (tools: get_weather, get_time)"
    )


def test_a_new_name_must_not_clash() -> None:
    error = select_error(rename={"book": "get_time"})

    assert error.key == ("rename", "book")
    assert str(error) == (
        "cannot rename 'book' to 'get_time': this source has a tool 'get_time'"
    )


def test_two_tools_renamed_to_one_name() -> None:
    error = select_error(rename={"book": "x", "get_time": "x"})

    assert str(error) == ("cannot rename 'book' to 'x': another tool is renamed to 'x'")


def test_a_name_left_out_by_only_is_free_for_a_new_name() -> None:
    renamed = select_tools(THREE, ["get_time"], {"get_time": "book"})

    assert renamed == [Tool("book", "", TIME_SCHEMA)]


def test_a_tool_source_error_without_a_key_points_at_the_source() -> None:
    assert ToolSourceError("x").key == ()


# --- only / rename in a spec ---------------------------------------------------------


def spec_with(tmp_path: Path, entry: str) -> Path:
    write_json(
        tmp_path,
        [
            {"name": "get_weather", "parameters": WEATHER_SCHEMA},
            {"name": "get_time", "parameters": TIME_SCHEMA},
        ],
    )
    path = tmp_path / "s.fncall.yaml"
    path.write_text(
        f"version: 1\ntools:\n{entry}cases:\n  - id: a\n    prompt: hi\n",
        encoding="utf-8",
    )
    return path


def test_file_source_with_only_and_rename(tmp_path: Path) -> None:
    path = spec_with(
        tmp_path,
        "  - file: tools.json\n    only: [get_time]\n    rename: {get_time: now}\n",
    )

    assert load_spec(path).tools == (Tool("now", "", TIME_SCHEMA),)


@pytest.mark.parametrize(
    ("entry", "line", "key", "message"),
    [
        (
            "  - file: tools.json\n    only:\n      - get_time\n      - send_*\n",
            6,
            "tools[0].only[1]",
            "'send_*' matches no tool of this source (tools: get_weather, get_time)",
        ),
        (
            "  - file: tools.json\n    rename:\n      get_time: get_weather\n",
            5,
            "tools[0].rename.get_time",
            "cannot rename 'get_time' to 'get_weather': this source has a tool "
            "'get_weather'",
        ),
    ],
)
def test_only_and_rename_mistakes_in_a_spec(
    tmp_path: Path, entry: str, line: int, key: str, message: str
) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(spec_with(tmp_path, entry))

    (problem,) = info.value.problems
    assert (problem.line, problem.key_path, problem.message) == (line, key, message)


def test_a_renamed_tool_may_clash_with_another_source(tmp_path: Path) -> None:
    path = spec_with(
        tmp_path,
        "  - name: now\n  - file: tools.json\n    rename: {get_time: now}\n",
    )

    with pytest.raises(SpecError) as info:
        load_spec(path)

    (problem,) = info.value.problems
    assert (problem.key_path, problem.message) == (
        "tools[1]",
        "tool 'now' is declared twice",
    )
