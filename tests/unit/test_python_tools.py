"""Unit tests of :mod:`pytest_fncall.python_tools` and of ``python:`` sources in specs.

``sample_tools`` (beside this file) holds the functions; modules that must fail to
import, or hold odd hints, are written to ``tmp_path`` per test.
"""

from __future__ import annotations

import itertools
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pytest_fncall.errors import SpecError, SpecProblem
from pytest_fncall.loader import load_spec
from pytest_fncall.python_tools import (
    clean_schema,
    tool_from_function,
    tools_from_python,
)
from pytest_fncall.results import Tool
from pytest_fncall.tool_sources import ToolSourceError
from pytest_fncall.validation import schema_problem

_numbers = itertools.count()


def make_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> str:
    """Write a module with a fresh name to ``tmp_path``, importable; return its name."""
    name = f"fncall_sample_{next(_numbers)}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name


def error_of(target: str, **options: Any) -> ToolSourceError:
    with pytest.raises(ToolSourceError) as info:
        tools_from_python(target, **options)
    return info.value


def one(target: str) -> Tool:
    (tool,) = tools_from_python(target)
    assert schema_problem(tool.parameters) is None
    return tool


# --- schemas ------------------------------------------------------------------------


def test_one_function_google_docstring_enum_and_default() -> None:
    assert one("sample_tools:get_weather") == Tool(
        "get_weather",
        "Current weather for a city.",
        {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city, in English."},
                "unit": {
                    "type": "string",
                    "description": "Temperature unit.",
                    "enum": ["celsius", "fahrenheit"],
                    "default": "celsius",
                },
            },
            "required": ["city"],
            "additionalProperties": False,
        },
    )


def test_numpy_docstring_literal_constraints_and_optional() -> None:
    tool = one("sample_tools:book_flight")

    assert tool.description == "Book a flight."
    assert tool.parameters == {
        "type": "object",
        "properties": {
            "origin": {
                "type": "string",
                "description": "IATA code of the departure airport.",
            },
            "destination": {
                "type": "string",
                "description": "IATA code of the arrival airport.",
            },
            "seat": {
                "type": "string",
                "description": "Seat preference.",
                "default": "aisle",
                "enum": ["aisle", "window"],
            },
            "passengers": {
                "type": "integer",
                "default": 1,
                "maximum": 9,
                "minimum": 1,
            },
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        },
        "required": ["origin", "destination"],
        "additionalProperties": False,
    }


def test_nested_models_are_inlined_and_recursive_ones_kept_in_defs() -> None:
    tool = one("sample_tools:send_parcel")  # async def: fine
    properties = tool.parameters["properties"]

    assert properties["to"] == {  # the parameter's description wins over the model's
        "type": "object",
        "description": "Where it goes.",
        "properties": {
            "street": {"type": "string"},
            "city": {"type": "string", "description": "City name."},
        },
        "required": ["street", "city"],
    }
    assert properties["window"] == {  # a TypedDict (total=False)
        "type": "object",
        "description": "When it may arrive.",
        "properties": {"start": {"type": "string"}, "end": {"type": "string"}},
    }
    assert properties["at"] == {  # a dataclass
        "type": "object",
        "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
        "required": ["x", "y"],
    }
    assert properties["tree"] == {"$ref": "#/$defs/Node"}
    assert tool.parameters["$defs"] == {
        "Node": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "children": {
                    "type": "array",
                    "default": [],
                    "items": {"$ref": "#/$defs/Node"},
                },
            },
            "required": ["name"],
        }
    }
    assert "title" not in repr(tool.parameters)


def test_star_args_are_left_out_and_an_unhinted_parameter_accepts_anything() -> None:
    tool = one("sample_tools:search")

    assert tool.parameters == {  # **options: no additionalProperties: false
        "type": "object",
        "properties": {"query": {}, "limit": {"type": "integer", "default": 10}},
        "required": ["query"],
    }


def test_methods_of_an_instance_and_static_methods() -> None:
    expected = {
        "type": "object",
        "properties": {"x": {"type": "integer"}},
        "required": ["x"],
        "additionalProperties": False,
    }

    assert one("sample_tools:TOOLBOX.method") == Tool("method", "", expected)
    assert one("sample_tools:Toolbox.static") == Tool("static", "", expected)


def test_parameter_names_pydantic_would_refuse_as_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = make_module(
        tmp_path,
        monkeypatch,
        """
        def f(json: str, _hidden: int, model_config: bool = False) -> None:
            '''F.'''
        """,
    )

    assert one(f"{name}:f").parameters == {
        "type": "object",
        "properties": {
            "json": {"type": "string"},
            "_hidden": {"type": "integer"},
            "model_config": {"type": "boolean", "default": False},
        },
        "required": ["json", "_hidden"],
        "additionalProperties": False,
    }


def test_a_default_that_is_not_json_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = make_module(
        tmp_path,
        monkeypatch,
        """
        SENTINEL = object()

        def f(x: int = SENTINEL) -> None:
            pass
        """,
    )

    assert one(f"{name}:f").parameters["properties"] == {"x": {"type": "integer"}}


def test_tool_from_function_directly() -> None:
    def local(flag: bool) -> None:
        """Toggle.

        :param flag: On or off.
        """

    assert tool_from_function(local, "toggle") == Tool(
        "toggle",
        "Toggle.",
        {
            "type": "object",
            "properties": {"flag": {"type": "boolean", "description": "On or off."}},
            "required": ["flag"],
            "additionalProperties": False,
        },
    )


def test_clean_schema_keeps_a_property_called_title() -> None:
    schema = {
        "title": "Args",
        "type": "object",
        "properties": {"title": {"title": "Title", "type": "string"}},
        "$defs": {"Unused": {"title": "Unused", "type": "string"}},
    }

    assert clean_schema(schema) == {
        "type": "object",
        "properties": {"title": {"type": "string"}},
    }


def test_clean_schema_inlines_through_lists_and_nested_defs() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"anyOf": [{"$ref": "#/$defs/B"}, {"type": "null"}]},
            "c": {"type": "array", "items": {"$ref": "#/$defs/B"}},
        },
        "$defs": {
            "B": {"type": "object", "properties": {"d": {"$ref": "#/$defs/D"}}},
            "D": {"enum": [1, 2], "title": "D"},
        },
    }
    b = {"type": "object", "properties": {"d": {"enum": [1, 2]}}}

    assert clean_schema(schema) == {
        "type": "object",
        "properties": {
            "a": {"anyOf": [b, {"type": "null"}]},
            "c": {"type": "array", "items": b},
        },
    }


# --- modules ------------------------------------------------------------------------


def test_a_module_gives_its_public_functions_in_definition_order() -> None:
    names = [tool.name for tool in tools_from_python("sample_tools")]

    # not: _private_helper, the imported `turn` and `Field`, classes, the instance
    assert names == ["get_weather", "book_flight", "send_parcel", "search"]


@pytest.mark.parametrize(
    ("include", "exclude", "names"),
    [
        (["*_*"], None, ["get_weather", "book_flight", "send_parcel"]),
        (None, ["*_*"], ["search"]),
        (["get_*", "search"], ["search"], ["get_weather"]),
    ],
)
def test_include_and_exclude(
    include: list[str] | None, exclude: list[str] | None, names: list[str]
) -> None:
    tools = tools_from_python("sample_tools", include=include, exclude=exclude)

    assert [tool.name for tool in tools] == names


def test_all_decides_what_is_public(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = make_module(
        tmp_path,
        monkeypatch,
        """
        __all__ = ["b", "a"]

        def a() -> None: ...
        def b() -> None: ...
        def c() -> None: ...
        """,
    )

    assert [tool.name for tool in tools_from_python(name)] == ["a", "b"]


def test_a_glob_matching_no_function_names_its_key() -> None:
    error = error_of("sample_tools", include=["get_*", "fly_*"])

    assert error.key == ("include", 1)
    assert str(error) == (
        "'fly_*' matches no public function of 'sample_tools' (functions: "
        "get_weather, book_flight, send_parcel, search)"
    )


def test_include_and_exclude_leaving_nothing() -> None:
    error = error_of("sample_tools", include=["search"], exclude=["s*"])

    assert error.key == ()
    assert str(error) == (
        "'include' and 'exclude' leave no function of 'sample_tools' (functions: "
        "get_weather, book_flight, send_parcel, search)"
    )


def test_a_module_without_public_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = make_module(tmp_path, monkeypatch, "from os.path import join\nX = 1\n")

    assert str(error_of(name)) == (
        f"module {name!r} defines no public function (functions imported into it, "
        "names starting with '_' and names missing from its __all__ are left out)"
    )


def test_a_module_in_the_root_is_importable_like_a_conftest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "rooted_tools_xyz.py").write_text("def ping() -> None: ...\n")
    monkeypatch.delitem(sys.modules, "rooted_tools_xyz", raising=False)

    assert str(error_of("rooted_tools_xyz")).startswith("cannot import")
    assert [t.name for t in tools_from_python("rooted_tools_xyz", root=tmp_path)] == [
        "ping"
    ]
    assert sys.path[0] == str(tmp_path)


# --- mistakes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "sample_tools:get_wether",
            "'sample_tools' has no attribute 'get_wether' (did you mean 'get_weather'?)",
        ),
        (
            "sample_tools:Toolbox.nope",
            "'sample_tools:Toolbox' has no attribute 'nope'",
        ),
        (
            "sample_tools:Toolbox",
            "'sample_tools:Toolbox' is a class, not a function; a python tool source "
            "names a function (def or async def)",
        ),
        (
            "sample_tools:TOOLBOX",
            "'sample_tools:TOOLBOX' is a Toolbox object, not a function; a python "
            "tool source names a function (def or async def)",
        ),
        (
            "sample_tools:Toolbox.method",
            "'sample_tools:Toolbox.method' is a method of class Toolbox: name a "
            "function, a static or class method, or a method of an instance",
        ),
        (
            "no_such_package_here.tools:f",
            "cannot import 'no_such_package_here.tools' (No module named "
            "'no_such_package_here'); is its directory importable? see the pytest "
            "'pythonpath' ini option",
        ),
        (
            "sample_tools:get weather",
            "expected 'package.module:function' or 'package.module', got "
            "'sample_tools:get weather'",
        ),
        ("", "expected 'package.module:function' or 'package.module', got ''"),
    ],
)
def test_naming_mistakes(target: str, message: str) -> None:
    assert str(error_of(target)) == message


def test_include_with_one_function() -> None:
    assert str(error_of("sample_tools:search", include=["x"])) == (
        "'include' and 'exclude' select functions of a module; "
        "'sample_tools:search' names one function"
    )


def test_a_module_that_fails_to_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = make_module(tmp_path, monkeypatch, "import missing_dependency_xyz\n")
    assert str(error_of(name)) == (
        f"importing {name!r} raised ModuleNotFoundError: No module named "
        "'missing_dependency_xyz'"
    )
    broken = make_module(tmp_path, monkeypatch, "raise RuntimeError('no config')\n")
    assert str(error_of(broken)) == (
        f"importing {broken!r} raised RuntimeError: no config"
    )


def test_a_type_hint_that_cannot_be_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = make_module(
        tmp_path,
        monkeypatch,
        """
        from __future__ import annotations

        def f(ok: int, when: Calendar) -> None: ...
        """,
    )

    assert str(error_of(f"{name}:f")) == (
        f"{name}:f: cannot resolve the type hint 'Calendar' of parameter 'when' "
        "(NameError: name 'Calendar' is not defined); import the type at module level"
    )


def test_a_type_without_json_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = make_module(
        tmp_path,
        monkeypatch,
        """
        class Session:
            pass

        def f(query: str, session: Session) -> None: ...
        """,
    )

    message = str(error_of(f"{name}:f"))
    assert message.startswith(
        f"{name}:f: parameter 'session' has type Session, which has no JSON Schema ("
    )
    assert message.endswith(
        "); use JSON-friendly types: str, int, float, bool, None, list, dict, "
        "Literal, Enum, pydantic models, TypedDict or dataclasses"
    )


# --- in a spec ----------------------------------------------------------------------


def write_spec(tmp_path: Path, tools: str) -> Path:
    path = tmp_path / "s.fncall.yaml"
    path.write_text(
        "version: 1\ntools:\n"
        + textwrap.indent(textwrap.dedent(tools), "  ")
        + "cases:\n  - id: a\n    prompt: hi\n",
        encoding="utf-8",
    )
    return path


def only_problem(path: Path) -> SpecProblem:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    (problem,) = info.value.problems
    return problem


def test_python_sources_in_a_spec(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path,
        """\
        - python: sample_tools:get_weather
        - python: sample_tools
          exclude: [get_weather, send_*]
          rename: {search: find}
        """,
    )

    loaded = load_spec(path)

    assert [tool.name for tool in loaded.tools] == [
        "get_weather",
        "book_flight",
        "find",
    ]
    assert loaded.tools[0] == one("sample_tools:get_weather")


def test_a_python_source_mistake_names_its_key_and_line(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path,
        """\
        - name: ping
        - python: sample_tools:nope
        """,
    )

    problem = only_problem(path)

    assert (problem.line, problem.key_path, problem.message) == (
        4,
        "tools[1].python",
        "'sample_tools' has no attribute 'nope'",
    )


def test_an_include_glob_matching_nothing_names_the_glob(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path,
        """\
        - python: sample_tools
          include:
            - get_*
            - fly_*
        """,
    )

    problem = only_problem(path)

    assert (problem.line, problem.key_path) == (6, "tools[0].include[1]")
    assert problem.message.startswith("'fly_*' matches no public function")


def test_a_python_tool_declared_twice(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path,
        """\
        - python: sample_tools:search
        - python: sample_tools
          include: [search]
        """,
    )

    problem = only_problem(path)

    assert (problem.key_path, problem.message) == (
        "tools[1]",
        "tool 'search' is declared twice",
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{python: sample_tools, name: x}",
            "a 'python:' entry takes name, description and schema from the function; "
            "remove name/description/parameters (use 'rename' for another name)",
        ),
        (
            "{python: sample_tools, file: t.json}",
            "give one source per entry: 'file' or 'python', not both",
        ),
        (
            "{python: sample_tools, only: [x]}",
            "'only' goes with 'file:' (for 'python:' use 'include')",
        ),
        (
            "{file: t.json, include: [x]}",
            "'include' and 'exclude' go with 'python: package.module' "
            "(for 'file:' use 'only')",
        ),
        (
            "{name: x, exclude: [x]}",
            "'include' and 'exclude' go with 'python: package.module'",
        ),
        ("{name: x, only: [x]}", "'only' goes with 'file:'"),
        (
            "{name: x, rename: {x: y}}",
            "'rename' goes with 'file:' or 'python:' (an inline tool is named by its "
            "'name')",
        ),
        ("{description: d}", "a tool needs 'name' (inline), 'file' or 'python'"),
    ],
)
def test_which_keys_go_with_which_source(
    tmp_path: Path, entry: str, message: str
) -> None:
    problem = only_problem(write_spec(tmp_path, f"- {entry}\n"))

    assert (problem.key_path, problem.message) == ("tools[0]", message)


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ("{python: sample_tools, include: []}", "tools[0].include"),
        ("{file: t.json, only: []}", "tools[0].only"),
        ("{file: t.json, rename: {a: ''}}", "tools[0].rename.a"),
    ],
)
def test_empty_globs_and_names_are_refused(
    tmp_path: Path, entry: str, key: str
) -> None:
    problem = only_problem(write_spec(tmp_path, f"- {entry}\n"))

    assert problem.key_path == key
