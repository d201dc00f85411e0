"""Unit tests of :mod:`pytest_fncall.environment.templates`: the logic-less templates."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_fncall.environment import SimulationError
from pytest_fncall.environment.templates import (
    CALL_ROOTS,
    STORE_ROOTS,
    compile_template,
    constant,
    has_template,
)

ARGS = {
    "city": "Paris",
    "n": 3,
    "flag": True,
    "none": None,
    "items": [{"name": "a"}, {"name": "b"}],
    "where": {"lat": 1.5, "lon": 2},
    "dashed-key": "ok",
}
VALUES = {"args": ARGS, "attempt": 2, "seq": 7}


def render(raw: Any, values: dict[str, Any] | None = None) -> Any:
    return compile_template(raw, ("mocks", "t", 0, "return")).render(
        VALUES if values is None else values
    )


def compile_error(raw: Any, roots: tuple[str, ...] = CALL_ROOTS) -> SimulationError:
    with pytest.raises(SimulationError) as info:
        compile_template(raw, ("mocks", "t", 0, "return"), roots)
    return info.value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{{ args.n }}", 3),
        ("{{args.n}}", 3),
        ("{{ args.flag }}", True),
        ("{{ args.none }}", None),
        ("{{ args.where }}", {"lat": 1.5, "lon": 2}),
        ("{{ args.items }}", [{"name": "a"}, {"name": "b"}]),
        ("{{ args.items.1.name }}", "b"),
        ("{{ args.dashed-key }}", "ok"),
        ("{{ attempt }}", 2),
        ("{{ seq }}", 7),
        ("{{ args }}", ARGS),
    ],
)
def test_a_lone_expression_is_the_value_itself(raw: str, expected: Any) -> None:
    assert render(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Weather in {{ args.city }}", "Weather in Paris"),
        ("{{ args.n }} items", "3 items"),
        ("flag={{ args.flag }} none={{ args.none }}", "flag=true none=null"),
        ("at {{ args.where }}", 'at {"lat": 1.5, "lon": 2}'),
        ("{{ args.city }}{{ args.n }}", "Paris3"),
        ("call {{ attempt }} of seq {{ seq }}", "call 2 of seq 7"),
        ("no template here", "no template here"),
        ("}} alone is text", "}} alone is text"),
    ],
)
def test_other_strings_interpolate_values_as_text(raw: str, expected: str) -> None:
    assert render(raw) == expected


def test_templates_nest_in_mappings_and_lists_but_keys_stay_literal() -> None:
    raw = {
        "{{ args.city }}": ["{{ args.n }}", "n={{ args.n }}", 5],
        "meta": {"city": "{{ args.city }}", "fixed": None},
    }
    assert render(raw) == {
        "{{ args.city }}": [3, "n=3", 5],
        "meta": {"city": "Paris", "fixed": None},
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{{ args.missing }}", None),
        ("[{{ args.missing }}]", "[]"),
        ("{{ args.items.5 }}", None),
        ("{{ args.items.name }}", None),
        ("{{ args.city.0 }}", None),
        ("{{ args.n.real }}", None),
        ("{{ args.where.lat.x }}", None),
    ],
)
def test_a_path_the_call_lacks_is_none_or_empty_text(raw: str, expected: Any) -> None:
    assert render(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "{{ args.__class__ }}",
        "{{ args.__class__.__mro__ }}",
        "{{ args.city.__class__.__init__.__globals__ }}",
        "{{ args.city.upper }}",
        "{{ args.items.__len__ }}",
        "{{ args.keys }}",
        "{{ args.__dict__ }}",
    ],
)
def test_paths_never_reach_attributes_or_callables(raw: str) -> None:
    """Paths index dicts and lists only: a dunder or a method name is just a key the
    arguments do not have."""
    assert render(raw) is None
    assert render(f"<{raw}>") == "<>"


def test_dunder_keys_that_do_exist_are_plain_data() -> None:
    values = {"args": {"__class__": "just text"}, "attempt": 1, "seq": 1}
    assert render("{{ args.__class__ }}", values) == "just text"


def test_rendering_gives_fresh_copies() -> None:
    template = compile_template({"list": [1, 2], "arg": "{{ args.where }}"}, ())
    first = template.render(VALUES)
    first["list"].append(3)
    first["arg"]["lat"] = 0
    assert template.render(VALUES) == {"list": [1, 2], "arg": {"lat": 1.5, "lon": 2}}
    assert ARGS["where"] == {"lat": 1.5, "lon": 2}


def test_static_templates_are_known_as_such() -> None:
    assert compile_template({"a": [1, "x"]}, ()).static
    assert not compile_template({"a": [1, "{{ seq }}"]}, ()).static
    assert has_template(["x", {"y": "{{ seq }}"}])
    assert not has_template({"{{ key }}": "value"})


def test_a_constant_is_sent_as_is() -> None:
    assert constant({"text": "{{ args.city }}"}).render(VALUES) == {
        "text": "{{ args.city }}"
    }


def test_escape_applies_to_every_value_put_in_place() -> None:
    template = compile_template(["{{ args.n }}", "n={{ args.n }}", "fixed"], ())
    assert template.render(VALUES, lambda value: ("escaped", value)) == [
        ("escaped", 3),
        ("escaped", "n=3"),
        "fixed",
    ]


def test_an_unknown_name_is_refused_with_the_names_available() -> None:
    error = compile_error({"x": ["{{ arg.city }}"]})
    assert error.location == ("mocks", "t", 0, "return", "x", 0)
    assert error.message == (
        "template: unknown name 'arg' (did you mean 'args'?); "
        "available here: args, attempt, seq"
    )


def test_record_and_id_exist_in_store_operations_only() -> None:
    assert compile_error("{{ record.status }}").message == (
        "template: unknown name 'record'; available here: args, attempt, seq"
    )
    template = compile_template("{{ id }}: {{ record.status }}", (), STORE_ROOTS)
    assert template.render({"id": "O1", "record": {"status": "paid"}}) == "O1: paid"


@pytest.mark.parametrize(
    "raw",
    [
        "{{ args.city | upper }}",
        "{{ 1 + 2 }}",
        "{{ args.city() }}",
        "{{ args['city'] }}",
        "{{ }}",
        "{{ args..city }}",
        "{{ args.city.__class__() }}",
    ],
)
def test_anything_but_a_path_is_a_syntax_error(raw: str) -> None:
    error = compile_error(raw)
    assert error.message.endswith(
        "write a name and keys, such as {{ args.city }} or {{ args.items.0 }} "
        "(no filters, calls or operators)"
    )
    assert error.message.startswith("template '{{")


def test_an_unclosed_expression_is_a_syntax_error() -> None:
    error = compile_error("Hello {{ args.city")
    assert error.message == "template 'Hello {{ args.city': '{{' without a closing '}}'"
    assert compile_error("{{ args.city }} and {{ more").message.endswith(
        "'{{' without a closing '}}'"
    )


def test_a_long_template_is_clipped_in_messages() -> None:
    error = compile_error("x" * 100 + "{{")
    assert len(error.message) < 120
    assert "…" in error.message
