"""The Python API's pieces without pytest: tools, messages, tool choice, assertions."""

from __future__ import annotations

from typing import Literal

import pytest

from pytest_fncall.api import default_case_id
from pytest_fncall.api_result import FncallResult
from pytest_fncall.api_tools import (
    FncallUsageError,
    chat_messages,
    tool_choice_for,
    tools_from_values,
)
from pytest_fncall.errors import FncallFailure
from pytest_fncall.results import ModelTurn, Tool, ToolCall, Trajectory

OBJECT = {"type": "object", "properties": {"tz": {"type": "string"}}}


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Current weather for a city.

    Args:
        city: The city.
    """
    return city


def test_tools_come_from_functions_dicts_and_tools_in_order():
    openai = {"type": "function", "function": {"name": "a", "parameters": OBJECT}}
    plain = {"name": "b", "description": "B.", "input_schema": OBJECT}
    tool = Tool("c", "C.", OBJECT)
    weather, a, b, c = tools_from_values([get_weather, openai, plain, tool])
    assert weather.name == "get_weather"
    assert weather.description == "Current weather for a city."
    assert weather.parameters["required"] == ["city"]
    assert weather.parameters["properties"]["city"]["description"] == "The city."
    assert (a.name, a.description, a.parameters) == ("a", "", OBJECT)
    assert (b.name, b.description, b.parameters) == ("b", "B.", OBJECT)
    assert c is tool
    assert tools_from_values([{"name": "bare"}])[0].parameters["type"] == "object"


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        ([{"name": "a"}, {"name": "a"}], "tools[1]: tool 'a' is given twice"),
        ([{"description": "x"}], "tools[0]: a tool dict needs a 'name'"),
        ([42], "tools[0]: a tool is a function, a dict or a Tool, not int"),
        (
            [{"name": "a", "parameters": {"type": "array"}}],
            "tools[0] (a): the arguments schema must have type 'object'",
        ),
        (
            [{"name": "a", "parameters": {"type": "nope"}}],
            "tools[0] (a): invalid JSON Schema",
        ),
        (
            [{"name": "a", "parameters": OBJECT, "inputSchema": OBJECT}],
            "give one of parameters, inputSchema, input_schema",
        ),
        ({"name": "a"}, "tools= takes a list of tools, got dict"),
    ],
)
def test_a_bad_tool_is_a_usage_error(tools, message):
    with pytest.raises(FncallUsageError) as caught:
        tools_from_values(tools)
    assert message in str(caught.value)


def test_a_function_that_cannot_be_described_is_a_usage_error():
    def untyped(when: NotAType) -> None:  # type: ignore[name-defined]  # noqa: F821
        pass

    with pytest.raises(FncallUsageError, match=r"tools\[0\]: .*untyped"):
        tools_from_values([untyped])


def test_messages_are_built_like_a_spec_case():
    assert chat_messages("hi", None, "be brief") == (
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    )
    own = [{"role": "system", "content": "mine"}, {"role": "user", "content": "q"}]
    assert chat_messages(None, own, "ignored") == tuple(own)
    with pytest.raises(FncallUsageError, match="either prompt= or messages="):
        chat_messages("a", own, None)
    with pytest.raises(FncallUsageError, match=r"messages\[0\]: role"):
        chat_messages(None, [{"role": "robot", "content": "x"}], None)


def test_tool_choice_accepts_the_spec_forms_and_openais():
    tools = tools_from_values([{"name": "a"}])
    assert tool_choice_for("required", tools) == "required"
    assert tool_choice_for({"name": "a"}, tools) == {"name": "a"}
    openai = {"type": "function", "function": {"name": "a"}}
    assert tool_choice_for(openai, tools) == {"name": "a"}
    with pytest.raises(FncallUsageError, match="'b', which is not offered"):
        tool_choice_for({"name": "b"}, tools)
    with pytest.raises(FncallUsageError, match="tool_choice='any'"):
        tool_choice_for("any", tools)


@pytest.mark.parametrize(
    ("nodeid", "case"),
    [
        ("t.py::test_x", "test_x"),
        ("t.py::test_x[openai/m]", "test_x"),
        ("t.py::TestA::test_x[Paris-openai/m]", "TestA.test_x[Paris]"),
        ("t.py::test_x[Paris]", "test_x[Paris]"),  # a model pinned by parametrize
    ],
)
def test_the_default_case_id_is_the_test_name_without_the_model(nodeid, case):
    assert default_case_id(nodeid, "openai/m") == case


def result_of(*calls: ToolCall, text: str | None = None) -> FncallResult:
    tools = tools_from_values([get_weather, {"name": "get_time", "parameters": OBJECT}])
    return FncallResult(
        model="scripted/s.yaml",
        trajectory=Trajectory((ModelTurn(text, calls),)),
        messages=({"role": "user", "content": "Weather in Paris?"},),
        tools=tools,
        title="test_weather[scripted/s.yaml]",
    )


def call(name: str, arguments: object) -> ToolCall:
    return ToolCall.from_model_arguments("c1", name, arguments)


def test_a_result_is_plain_data():
    result = result_of(call("get_weather", {"city": "Paris"}), text="ok")
    assert [c.name for c in result.calls] == ["get_weather"]
    assert result.calls[0].arguments == {"city": "Paris"}
    assert result.text == "ok"
    assert result.trajectory_data == {
        "steps": [{"calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}]
    }
    assert result.snapshot_data(text=True)["steps"][0]["text"] == "ok"


def test_assertions_pass_and_fail_with_the_spec_codes():
    valid = result_of(call("get_weather", {"city": "London", "unit": "celsius"}))
    valid.assert_called("get_weather", city="London")
    valid.assert_calls(["get_weather"], match="superset")
    result = result_of(call("get_weather", {"city": "London", "unit": "kelvin"}))
    with pytest.raises(FncallFailure) as caught:
        result.assert_called("get_weather", city={"$ieq": "paris"})
    assert [f.code for f in caught.value.failures] == [
        "schema_violation",
        "arg_mismatch",
    ]
    text = str(caught.value)
    assert text.startswith("fncall: test_weather[scripted/s.yaml]: 2 checks failed")
    assert "    differs:  $.city: expected ieq 'paris', got 'London'" in text
    with pytest.raises(FncallFailure, match="unexpected_call"):
        result.assert_no_call()
    assert [f.code for f in result.failures(forbid_tools=["get_*"])] == [
        "schema_violation",
        "forbidden_call",
    ]


def test_assert_called_means_exactly_one_call_as_in_a_spec():
    result = result_of(
        call("get_time", {"tz": "UTC"}), call("get_weather", {"city": "X"})
    )
    with pytest.raises(FncallFailure) as caught:
        result.assert_called("get_weather")
    assert [f.code for f in caught.value.failures] == ["extra_call"]
    result.assert_calls(["get_weather", "get_time"], match="unordered")


def test_mistakes_in_an_expectation_are_usage_errors():
    result = result_of(call("get_weather", {"city": "Paris"}))
    with pytest.raises(FncallUsageError, match=r"expect\.args\.city\.\$regx: unknown"):
        result.assert_called("get_weather", city={"$regx": "P.*"})
    with pytest.raises(FncallUsageError, match=r"expect\.state: needs loop mode"):
        result.check(state={"x": 1})
    with pytest.raises(FncallUsageError, match="match='sorted'"):
        result.assert_calls(["get_weather"], match="sorted")
    with pytest.raises(FncallUsageError, match="expectations are JSON data"):
        result.assert_called("get_weather", city=object())
    with pytest.raises(FncallUsageError, match="names no declared tool"):
        result.check(forbid_tools=["book_*"])
