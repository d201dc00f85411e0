"""``$from`` references: parsing, paths, and the spec errors around them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_fncall.dataflow import MISSING_VALUE, Reference, parse_reference
from pytest_fncall.errors import SpecError
from pytest_fncall.loader import load_spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("search.result", Reference("search", "result", (), "search.result")),
        (
            "search.result.flights[0].id",
            Reference("search", "result", ("flights", 0, "id"), ""),
        ),
        ("step.1.args.city", Reference("step.1", "args", ("city",), "")),
        ("a-b.result[2][0]", Reference("a-b", "result", (2, 0), "")),
    ],
)
def test_references_parse(text: str, expected: Reference) -> None:
    parsed = parse_reference(text)
    assert (parsed.pattern_id, parsed.source, parsed.path) == (
        expected.pattern_id,
        expected.source,
        expected.path,
    )
    assert parsed.text == text


@pytest.mark.parametrize(
    "text", ["search", "search.results.id", ".result", "search.result.", "x.result[a]"]
)
def test_malformed_references_say_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match="is not a reference: write <pattern id>"):
        parse_reference(text)


def test_paths_walk_objects_and_lists_and_report_what_is_missing() -> None:
    reference = parse_reference("s.result.flights[1].id")
    value = {"flights": [{"id": "A"}, {"id": "B"}]}
    assert reference.value_in(value) == "B"
    assert reference.value_in({"flights": [{"id": "A"}]}) is MISSING_VALUE
    assert reference.value_in({"flights": {"1": {"id": "B"}}}) is MISSING_VALUE
    assert reference.value_in("plain text") is MISSING_VALUE
    assert parse_reference("s.result").value_in("plain text") == "plain text"


HEADER = """\
version: 1
tools:
  - name: search
    parameters: {type: object, properties: {q: {type: string}}}
  - name: book
    parameters: {type: object, properties: {id: {type: string}}}
"""


def problem_of(tmp_path: Path, body: str, prefix: str = "") -> str:
    path = tmp_path / "s.fncall.yaml"
    path.write_text(HEADER + prefix + textwrap.dedent(body), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    (problem,) = info.value.problems
    return f"{problem.line}: {problem.key_path}: {problem.message}"


MOCKS = "mocks: {search: [{return: {id: X}}], book: [{return: ok}]}\n"


def test_from_naming_no_pattern_id_is_a_spec_error(tmp_path: Path) -> None:
    message = problem_of(
        tmp_path,
        prefix=MOCKS,
        body="""\
        cases:
          - id: c
            prompt: go
            expect:
              calls:
                - {tool: search, id: find}
                - {tool: book, args: {id: {$from: look.result.id}}}
        """,
    )
    assert message == (
        "14: cases.c.expect.calls[1].args.id.$from: $from names no pattern id 'look' "
        "(ids: find)"
    )


def test_from_its_own_pattern_is_a_spec_error(tmp_path: Path) -> None:
    message = problem_of(
        tmp_path,
        prefix=MOCKS,
        body="""\
        cases:
          - id: c
            prompt: go
            expect:
              calls:
                - {tool: book, id: b, args: {id: {$from: b.args.id}}}
        """,
    )
    assert message.endswith("$from cannot take a value from the call it checks")


def test_from_references_in_a_cycle_are_a_spec_error(tmp_path: Path) -> None:
    message = problem_of(
        tmp_path,
        prefix=MOCKS,
        body="""\
        cases:
          - id: c
            prompt: go
            expect:
              calls:
                - {tool: search, id: s, args: {q: {$from: b.result.id}}}
                - {tool: book, id: b, args: {id: {$from: s.result.id}}}
        """,
    )
    assert message.endswith("$from references cycle: s -> b -> s")


def test_from_in_single_mode_says_it_needs_loop_mode(tmp_path: Path) -> None:
    message = problem_of(
        tmp_path,
        """\
        cases:
          - id: c
            prompt: go
            expect:
              calls:
                - {tool: search, id: find}
                - {tool: book, args: {id: {$from: find.result.id}}}
        """,
    )
    assert message == (
        "11: cases.c.expect.calls: $from takes values from tool results, which need "
        "loop mode: give the case (or the file) 'mocks' or an 'environment'"
    )
