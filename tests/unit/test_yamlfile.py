"""Unit tests of :mod:`pytest_fncall.yamlfile`: data, 1-based lines, and refusals."""

from __future__ import annotations

import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_fncall.yamlfile import MAX_VALUES, YamlDocument, YamlProblem, parse_yaml


def problem(text: str) -> YamlProblem:
    with pytest.raises(YamlProblem) as info:
        parse_yaml(text)
    return info.value


# --- data and lines -----------------------------------------------------------------


NESTED = """\
version: 1
cases:
  - id: first
    expect:
      calls:
        - tool: a
        - tool: b
          args:
            city: Paris
  - id: second
    prompt: hi
"""


def test_lines_of_nested_keys_and_list_items() -> None:
    document = parse_yaml(NESTED)

    assert document.data["cases"][0]["expect"]["calls"][1]["args"] == {"city": "Paris"}
    assert document.lines[()] == 1
    assert document.lines[("version",)] == 1
    assert document.lines[("cases",)] == 2
    assert document.lines[("cases", 0)] == 3
    assert document.lines[("cases", 0, "id")] == 3
    assert document.lines[("cases", 0, "expect")] == 4
    assert document.lines[("cases", 0, "expect", "calls")] == 5
    assert document.lines[("cases", 0, "expect", "calls", 0)] == 6
    assert document.lines[("cases", 0, "expect", "calls", 1)] == 7
    assert document.lines[("cases", 0, "expect", "calls", 1, "args")] == 8
    assert document.lines[("cases", 0, "expect", "calls", 1, "args", "city")] == 9
    assert document.lines[("cases", 1)] == 10
    assert document.lines[("cases", 1, "prompt")] == 11


def test_every_key_and_item_has_a_line() -> None:
    document = parse_yaml(NESTED)

    assert len(document.lines) == 16
    assert all(isinstance(line, int) and line >= 1 for line in document.lines.values())


def test_flow_items_share_the_line_they_are_written_on() -> None:
    document = parse_yaml("x: 1\ny: [a, b]\nz: {p: 1,\n    q: 2}\n")

    assert document.lines[("y", 0)] == 2
    assert document.lines[("y", 1)] == 2
    assert document.lines[("z", "p")] == 3
    assert document.lines[("z", "q")] == 4


def test_line_of_falls_back_to_the_nearest_ancestor() -> None:
    document = parse_yaml(NESTED)

    assert document.line_of(("cases", 0, "expect", "calls", 1, "args", "city")) == 9
    assert (
        document.line_of(("cases", 0, "expect", "calls", 1, "missing", "deeper")) == 7
    )
    assert document.line_of(("cases", 5, "id")) == 2
    assert document.line_of(("nowhere",)) == 1
    assert document.line_of(()) == 1


def test_line_of_without_any_lines_is_none() -> None:
    assert YamlDocument(None, {}).line_of(("a", 0)) is None


def test_keys_stay_as_written() -> None:
    document = parse_yaml("on: 1\nyes: 2\nnull: 3\n~: 4\n1.5: 5\nfalse: 6\n7: 8\n")

    assert list(document.data) == ["on", "yes", "null", "~", "1.5", "false", "7"]
    assert document.data["on"] == 1
    assert document.lines[("on",)] == 1
    assert document.lines[("7",)] == 7


def test_values_keep_their_yaml_types() -> None:
    document = parse_yaml("a: true\nb: 3\nc: 2.5\nd: null\ne: '3'\nf: on\n")

    assert document.data == {
        "a": True,
        "b": 3,
        "c": 2.5,
        "d": None,
        "e": "3",
        "f": True,
    }


def test_dates_stay_strings() -> None:
    document = parse_yaml(
        "day: 2024-01-02\nwhen: 2024-01-02 10:00:00\nlist: [2020-01-01, 3]\n"
    )

    assert document.data == {
        "day": "2024-01-02",
        "when": "2024-01-02 10:00:00",
        "list": ["2020-01-01", 3],
    }


def test_small_aliases_are_expanded_with_the_anchor_lines() -> None:
    document = parse_yaml("a: &x {k: 1}\nb: *x\n")

    assert document.data == {"a": {"k": 1}, "b": {"k": 1}}
    assert document.lines[("b",)] == 2
    assert document.lines[("b", "k")] == 1


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "~\n", "---\n"])
def test_empty_document_is_none(text: str) -> None:
    assert parse_yaml(text).data is None


def test_empty_text_has_no_lines() -> None:
    assert parse_yaml("").lines == {}


# --- mistakes -----------------------------------------------------------------------


def test_duplicate_key_names_both_lines() -> None:
    found = problem("a: 1\nb: 2\na: 3\n")

    assert found.line == 3
    assert found.key_path == ("a",)
    assert found.message == "duplicate key 'a' (first at line 1)"


def test_duplicate_key_in_a_list_item() -> None:
    found = problem("cases:\n  - id: x\n  - id: a\n    prompt: p\n    id: b\n")

    assert found.line == 5
    assert found.key_path == ("cases", 1, "id")
    assert "first at line 3" in found.message


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ("a: 1\n  b: 2\n", 2, "mapping values are not allowed"),
        ("key: [a, b\nother: 1\n", 2, "expected ',' or ']'"),
        ('a: "unterminated\n', 2, "found unexpected end of stream"),
        ("a:\n\tb: 1\n", 2, "cannot start any token"),
        ("a: 1\n---\nb: 2\n", 2, "expected a single document"),
    ],
)
def test_syntax_error_line(text: str, line: int, phrase: str) -> None:
    found = problem(text)

    assert found.line == line
    assert found.message.startswith("YAML syntax error: ")
    assert phrase in found.message
    assert found.key_path == ()


def test_unknown_tag_is_a_problem_with_its_line() -> None:
    found = problem("a: 1\nb: !foo bar\n")

    assert found.line == 2
    assert "could not determine a constructor for the tag '!foo'" in found.message


def test_python_tags_on_scalars_are_refused() -> None:
    found = problem("a: 1\nb: !!python/name:os.system x\n")

    assert found.line == 2
    assert "could not determine a constructor" in found.message


@pytest.mark.parametrize(
    "text", ["a: 1\nb: !foo [1]\n", "a: 1\nb: !!python/object/apply:os.system [echo]\n"]
)
def test_unknown_tag_on_a_collection_is_refused(text: str) -> None:
    found = problem(text)

    assert found.line == 2


def test_non_scalar_key_is_refused() -> None:
    found = problem("ok: 1\n? [a, b]\n: 1\n")

    assert found.line == 2
    assert found.message == "mapping keys must be plain strings"


BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_alias_bomb_is_refused_quickly() -> None:
    start = time.perf_counter()
    found = problem(BILLION_LAUGHS)
    elapsed = time.perf_counter() - start

    assert elapsed < 2.0
    assert "alias bomb" in found.message
    assert f"more than {MAX_VALUES} values" in found.message
    assert found.line is not None
    assert found.key_path[0] in "abcdefghi"


def test_deep_nesting_is_a_problem_not_a_recursion_error() -> None:
    found = problem("- " * 5000 + "x\n")

    assert "nest" in found.message  # "nested too deeply" or libyaml's "nesting depth"
    assert found.line in (None, 1)  # libyaml knows the line


def test_moderate_nesting_is_fine() -> None:
    document = parse_yaml("- " * 50 + "x\n")

    value = document.data
    for _ in range(50):
        assert isinstance(value, list)
        assert len(value) == 1
        value = value[0]
    assert value == "x"


def test_explicit_key_overrides_a_merged_key() -> None:
    document = parse_yaml("base: &b {k: 1, j: 2}\nx:\n  <<: *b\n  k: 3\n")

    assert document.data["x"] == {"k": 3, "j": 2}


# --- properties ---------------------------------------------------------------------


@settings(max_examples=50, deadline=None, database=None)
@given(
    st.dictionaries(
        st.text(
            alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=8
        ),
        st.one_of(
            st.integers(),
            st.text(alphabet="abc XYZ:#-'\"09.", max_size=10),
            st.booleans(),
            st.none(),
        ),
        max_size=8,
    )
)
def test_block_mapping_round_trip_with_one_line_per_key(
    data: dict[str, object],
) -> None:
    text = yaml.safe_dump(data, default_flow_style=False, sort_keys=False, width=10_000)
    document = parse_yaml(text)

    if not data:
        assert document.data == {}
        return
    assert document.data == data
    for index, key in enumerate(data):
        assert document.lines[(key,)] == index + 1
