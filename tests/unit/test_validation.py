"""Unit tests of :mod:`pytest_fncall.validation`: schema checks and implicit argument checks."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_fncall.results import Failure, ToolCall
from pytest_fncall.validation import argument_failures, schema_issues, schema_problem

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city"],
}


def call(arguments: Any, name: str = "get_weather") -> ToolCall:
    return ToolCall.from_model_arguments("call_1", name, arguments)


def codes(failures: list[Failure]) -> list[str]:
    return [failure.code for failure in failures]


# --- schema_problem -----------------------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        WEATHER,
        {"type": "object"},
        {},
        {
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/a"}},
            "$defs": {"a": {}},
        },
    ],
)
def test_valid_schemas_have_no_problem(schema: Any) -> None:
    assert schema_problem(schema) is None


@pytest.mark.parametrize(
    ("schema", "kind"),
    [([], "list"), ("object", "str"), (None, "NoneType"), (3, "int")],
)
def test_a_schema_must_be_an_object(schema: Any, kind: str) -> None:
    assert (
        schema_problem(schema)
        == f"a JSON Schema must be an object or a boolean, got {kind}"
    )


def test_invalid_type_names_where() -> None:
    assert schema_problem({"type": "foo"}) == (
        "invalid JSON Schema at type: 'foo' is not valid under any of the given schemas"
    )


def test_invalid_nested_schema_names_the_path() -> None:
    problem = schema_problem({"type": "object", "properties": {"a": {"type": "foo"}}})

    assert problem is not None
    assert problem.startswith("invalid JSON Schema at properties/a/type: ")


def test_invalid_regex_pattern() -> None:
    assert schema_problem({"pattern": "("}) == (
        "invalid JSON Schema at pattern: '(' is not a 'regex'"
    )


def test_invalid_schema_at_the_root_has_no_where() -> None:
    problem = schema_problem(
        {"$schema": "http://json-schema.org/draft-04/schema#", "exclusiveMinimum": True}
    )

    assert (
        problem
        == "invalid JSON Schema: 'minimum' is a dependency of 'exclusiveMinimum'"
    )


def test_the_schema_is_checked_under_its_own_dialect() -> None:
    draft4 = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
    }
    default = {"type": "number", "minimum": 0, "exclusiveMinimum": True}

    assert schema_problem(draft4) is None
    assert schema_problem(default) == (
        "invalid JSON Schema at exclusiveMinimum: True is not of type 'number'"
    )


# --- schema_issues ------------------------------------------------------------------


def test_schema_issues_are_sorted_by_path() -> None:
    schema = {
        "type": "object",
        "properties": {"b": {"type": "string"}, "a": {"type": "integer"}},
        "required": ["c"],
    }

    issues = schema_issues({"b": 1, "a": "x"}, schema)

    assert [(i.json_path, i.validator) for i in issues] == [
        ("$", "required"),
        ("$.a", "type"),
        ("$.b", "type"),
    ]
    assert issues[1].schema_path == "properties/a/type"
    assert issues[0].message == "'c' is a required property"


def test_schema_issues_check_formats() -> None:
    schema = {
        "type": "object",
        "properties": {"when": {"type": "string", "format": "date"}},
    }

    (issue,) = schema_issues({"when": "not a date"}, schema)
    assert issue.validator == "format"
    assert issue.json_path == "$.when"


def test_schema_issues_accept_boolean_schemas() -> None:
    assert schema_issues({"a": 1}, True) == []
    assert [i.json_path for i in schema_issues({"a": 1}, False)] == ["$"]


def test_schema_issues_of_equal_schemas_do_not_leak_between_them() -> None:
    assert schema_issues(1, {"type": "integer"}) == []
    assert len(schema_issues(1, {"type": "string"})) == 1
    assert schema_issues(1, {"type": "integer"}) == []


# --- argument_failures --------------------------------------------------------------


def test_valid_arguments_have_no_failures() -> None:
    assert argument_failures(call({"city": "Paris", "unit": "celsius"}), WEATHER) == []
    assert argument_failures(call('{"city": "Paris"}'), WEATHER) == []


def test_malformed_json() -> None:
    (failure,) = argument_failures(call('{"city": "Par'), WEATHER)

    assert failure.code == "malformed_args"
    assert failure.summary.startswith(
        "arguments of get_weather are not a JSON object: invalid JSON: "
    )
    assert failure.details == ('actual:   get_weather(<unparsed: {"city": "Par>)',)


@pytest.mark.parametrize(
    ("raw", "kind"), [("[1, 2]", "array"), ('"Paris"', "string"), ("3", "number")]
)
def test_json_that_is_not_an_object(raw: str, kind: str) -> None:
    (failure,) = argument_failures(call(raw), WEATHER)

    assert failure.code == "malformed_args"
    assert failure.summary == (
        f"arguments of get_weather are not a JSON object: "
        f"arguments are a JSON {kind}, not an object"
    )


def test_empty_argument_string_is_an_empty_object() -> None:
    (failure,) = argument_failures(call(""), WEATHER)

    assert failure.code == "missing_required"


def test_undeclared_key() -> None:
    (failure,) = argument_failures(call({"city": "Paris", "country": "FR"}), WEATHER)

    assert failure.code == "unexpected_param"
    assert failure.summary == (
        "get_weather was called with 'country', which its schema does not declare"
    )
    assert failure.details == (
        'actual:   get_weather(city="Paris", country="FR")',
        "declared: city, unit",
    )


def test_undeclared_key_even_when_additional_properties_are_allowed() -> None:
    schema = {**WEATHER, "additionalProperties": True}

    failures = argument_failures(call({"city": "Paris", "x": 1, "y": 2}), schema)

    assert codes(failures) == ["unexpected_param", "unexpected_param"]
    assert ["'x'" in failures[0].summary, "'y'" in failures[1].summary] == [True, True]


def test_undeclared_key_of_a_tool_without_parameters() -> None:
    (failure,) = argument_failures(
        call({"x": 1}, name="ping"), {"type": "object", "properties": {}}
    )

    assert failure.code == "unexpected_param"
    assert failure.details[1] == "declared: (none)"


def test_missing_required() -> None:
    (failure,) = argument_failures(call({"unit": "celsius"}), WEATHER)

    assert failure.code == "missing_required"
    assert failure.summary == "get_weather: 'city' is a required property"
    assert failure.details == (
        'actual:   get_weather(unit="celsius")',
        "schema:   $: 'city' is a required property (#/required)",
    )


def test_enum_violation_names_the_json_path() -> None:
    (failure,) = argument_failures(call({"city": "Paris", "unit": "kelvin"}), WEATHER)

    assert failure.code == "schema_violation"
    assert failure.summary == (
        "get_weather argument $.unit: 'kelvin' is not one of ['celsius', 'fahrenheit']"
    )
    assert failure.details[1] == (
        "schema:   $.unit: 'kelvin' is not one of ['celsius', 'fahrenheit'] "
        "(#/properties/unit/enum)"
    )


def test_every_failure_is_reported() -> None:
    failures = argument_failures(call({"unit": "kelvin", "extra": True}), WEATHER)

    assert codes(failures) == [
        "unexpected_param",
        "missing_required",
        "schema_violation",
    ]


NESTED = {
    "type": "object",
    "properties": {
        "loc": {
            "type": "object",
            "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
            "required": ["lat"],
        }
    },
}


def test_nested_type_error_has_a_nested_path() -> None:
    (failure,) = argument_failures(call({"loc": {"lat": "north"}}, name="f"), NESTED)

    assert failure.code == "schema_violation"
    assert failure.summary == "f argument $.loc.lat: 'north' is not of type 'number'"
    assert failure.details[1].endswith("(#/properties/loc/properties/lat/type)")


def test_nested_required_is_a_schema_violation_not_missing_required() -> None:
    (failure,) = argument_failures(call({"loc": {}}, name="f"), NESTED)

    assert failure.code == "schema_violation"
    assert failure.summary == "f argument $.loc: 'lat' is a required property"


def test_nested_undeclared_keys_are_left_to_the_schema() -> None:
    assert (
        argument_failures(call({"loc": {"lat": 1, "alt": 2}}, name="f"), NESTED) == []
    )


def test_pattern_properties_keys_are_not_undeclared() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {}},
        "patternProperties": {"^x_": {"type": "integer"}},
    }

    failures = argument_failures(call({"a": 1, "x_1": 2, "y": 3}, name="f"), schema)

    assert codes(failures) == ["unexpected_param"]
    assert "'y'" in failures[0].summary


def test_pattern_properties_still_validate_their_values() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {}},
        "patternProperties": {"^x_": {"type": "integer"}},
    }

    (failure,) = argument_failures(call({"x_1": "two"}, name="f"), schema)

    assert failure.code == "schema_violation"
    assert failure.summary == "f argument $.x_1: 'two' is not of type 'integer'"


def test_additional_properties_false_is_not_double_reported() -> None:
    schema = {"type": "object", "properties": {"a": {}}, "additionalProperties": False}

    failures = argument_failures(call({"a": 1, "b": 2, "c": 3}, name="f"), schema)

    assert codes(failures) == ["unexpected_param", "unexpected_param"]
    assert "'b'" in failures[0].summary
    assert "'c'" in failures[1].summary


def test_additional_properties_false_without_properties_is_a_schema_violation() -> None:
    schema = {"type": "object", "additionalProperties": False}

    (failure,) = argument_failures(call({"b": 2}, name="f"), schema)

    assert failure.code == "schema_violation"
    assert (
        "Additional properties are not allowed ('b' was unexpected)" in failure.summary
    )


def test_nested_additional_properties_false_alone_is_reported() -> None:
    schema = {
        "type": "object",
        "properties": {
            "loc": {
                "type": "object",
                "properties": {"a": {}},
                "additionalProperties": False,
            }
        },
    }

    (failure,) = argument_failures(call({"loc": {"a": 1, "b": 2}}, name="f"), schema)

    assert failure.code == "schema_violation"
    assert failure.summary.startswith("f argument $.loc: Additional properties")


@pytest.mark.parametrize(
    "arguments",
    [
        {"extra": 1, "loc": {"a": "x", "b": 2}},  # a top-level undeclared key first
        {"a": 1, "loc": {"a": "x", "b": 2}},  # a type error sorted before $.loc
    ],
)
def test_nested_additional_properties_false_is_reported_beside_other_failures(
    arguments: dict[str, Any],
) -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string"},
            "loc": {
                "type": "object",
                "properties": {"a": {}},
                "additionalProperties": False,
            },
        },
    }

    failures = argument_failures(call(arguments, name="f"), schema)

    assert any(
        f.code == "schema_violation"
        and f.summary.startswith("f argument $.loc: Additional")
        for f in failures
    )
