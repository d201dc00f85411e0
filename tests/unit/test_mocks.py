"""Unit tests of mocks (:mod:`pytest_fncall.environment.mocks`) and the parts of the
behaviour chain every world has: unknown tools, malformed arguments, unmatched calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sample_envs import build, call, world

from pytest_fncall.environment import SimulationError
from pytest_fncall.results import ToolResult
from pytest_fncall.spec_simulation import Mocks

AIRPORTS = {
    "search_airport": [
        {"when": {"query": {"$regex": "(?i)london.*"}}, "return": {"skyId": "LOND"}},
        {"when": {"query": {"$ieq": "paris"}}, "return": "PARI"},
        {"when": {"query": ""}, "error": "query must not be empty"},
        {"default": {"error": "no airport matches '{{ args.query }}'"}},
    ]
}
DECLARED = ["search_airport", "get_quote", "book", "cancel"]


def mocked(mocks: dict[str, Any], **spec: Any) -> Any:
    return world(declared=DECLARED, mocks=mocks, **spec)


def spec_error(mocks: dict[str, Any], **spec: Any) -> SimulationError:
    with pytest.raises(SimulationError) as info:
        build(declared=DECLARED, mocks=mocks, **spec)
    return info.value


# --- rules ------------------------------------------------------------------------


def test_the_first_matching_rule_answers() -> None:
    tools = mocked(AIRPORTS)
    london = tools.execute(call("search_airport", {"query": "London Heathrow"}))
    assert london == ToolResult('{"skyId": "LOND"}', value={"skyId": "LOND"})
    assert tools.execute(call("search_airport", {"query": "PARIS"})) == ToolResult(
        "PARI"
    )
    empty = tools.execute(call("search_airport", {"query": ""}))
    assert empty == ToolResult("query must not be empty", is_error=True)
    other = tools.execute(call("search_airport", {"query": "Oslo"}))
    assert other == ToolResult("no airport matches 'Oslo'", is_error=True)


def test_when_is_a_subset_match_and_a_rule_without_it_always_matches() -> None:
    tools = mocked(
        {"book": [{"when": {"seat": "1A"}, "return": "window"}, {"return": "aisle"}]}
    )
    assert (
        tools.execute(call("book", {"seat": "1A", "meal": "veg"})).content == "window"
    )
    assert tools.execute(call("book", {"meal": "veg"})).content == "aisle"


def test_results_are_templated_from_the_call() -> None:
    tools = mocked(
        {"book": [{"return": {"flight": "{{ args.flight }}", "n": "{{ attempt }}"}}]}
    )
    first = tools.execute(call("book", {"flight": "AF1"}))
    assert first.value == {"flight": "AF1", "n": 1}
    assert json.loads(first.content) == first.value
    assert tools.execute(call("book", {})).value == {"flight": None, "n": 2}


def test_non_ascii_results_are_sent_as_written() -> None:
    tools = mocked({"book": [{"return": {"city": "Zürich"}}]})
    assert tools.execute(call("book")).content == '{"city": "Zürich"}'


def test_a_mock_answers_every_trial_alike() -> None:
    simulation = build(declared=DECLARED, mocks={"book": [{"return": "{{ seq }}"}]})
    first, second = simulation.start(), simulation.start()
    assert first.execute(call("book")).content == "1"
    assert first.execute(call("book")).content == "2"
    assert second.execute(call("book")).content == "1"
    assert not simulation.stateful
    assert first.state() is None


def test_default_must_be_the_last_rule() -> None:
    error = spec_error(
        {"book": [{"default": {"return": 1}}, {"when": {"a": 1}, "return": 2}]}
    )
    assert error.location == ("mocks", "book", 0, "default")
    assert error.message == (
        "'default:' catches every call, so it must be the last rule (rules after it "
        "are never used: move it below rule 2)"
    )


def test_a_matcher_error_in_when_is_located_inside_it() -> None:
    error = spec_error({"book": [{"when": {"seat": {"$regx": "1."}}, "return": 1}]})
    assert error.location == ("mocks", "book", 0, "when", "seat", "$regx")
    assert error.message == "unknown matcher '$regx' (did you mean '$regex'?)"


def test_a_template_error_is_located_at_its_string() -> None:
    error = spec_error({"book": [{"return": {"x": ["{{ args.a + 1 }}"]}}]})
    assert error.location == ("mocks", "book", 0, "return", "x", 0)


def test_a_mock_for_an_undeclared_tool_is_refused() -> None:
    error = spec_error({"serch_airport": [{"return": 1}]})
    assert error.location == ("mocks", "serch_airport")
    assert error.message == (
        "unknown tool 'serch_airport' (did you mean 'search_airport'?): every "
        "simulated tool must be declared in 'tools' (declared: book, cancel, "
        "get_quote, search_airport)"
    )


# --- return_file ------------------------------------------------------------------


def test_return_file_reads_json_or_yaml_once_relative_to_the_spec(
    tmp_path: Path,
) -> None:
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "paris.json").write_text('{"skyId": "{{ PARI }}"}')
    (tmp_path / "fixtures" / "oslo.yaml").write_text("skyId: OSLO\nnear: [TRF]\n")
    simulation = build(
        declared=DECLARED,
        mocks={
            "search_airport": [
                {"when": {"query": "paris"}, "return_file": "fixtures/paris.json"},
                {"return_file": "fixtures/oslo.yaml"},
            ]
        },
        spec_dir=tmp_path,
        root=tmp_path,
    )
    (tmp_path / "fixtures" / "paris.json").unlink()  # read at compile time
    tools = simulation.start()
    paris = tools.execute(call("search_airport", {"query": "paris"}))
    assert paris.value == {"skyId": "{{ PARI }}"}  # file content is not templated
    oslo = tools.execute(call("search_airport", {"query": "oslo"}))
    assert oslo.value == {"skyId": "OSLO", "near": ["TRF"]}


def test_a_missing_or_broken_return_file_is_a_spec_error(tmp_path: Path) -> None:
    rules = {"book": [{"return_file": "nope.json"}]}
    error = spec_error(rules, spec_dir=tmp_path)
    assert error.location == ("mocks", "book", 0, "return_file")
    assert error.message == f"file not found: {tmp_path / 'nope.json'}"
    (tmp_path / "bad.json").write_text("{")
    error = spec_error({"book": [{"return_file": "bad.json"}]}, spec_dir=tmp_path)
    assert error.message.startswith("bad.json: invalid JSON: ")


def test_a_return_file_outside_the_root_is_refused(tmp_path: Path) -> None:
    spec_dir = tmp_path / "project"
    spec_dir.mkdir()
    (tmp_path / "secret.json").write_text("{}")
    error = spec_error(
        {"book": [{"return_file": "../secret.json"}]}, spec_dir=spec_dir, root=spec_dir
    )
    assert error.message.startswith(f"file {tmp_path / 'secret.json'} is outside")
    assert "fncall_allow_outside_root" in error.message
    tools = mocked({"book": [{"return_file": "../secret.json"}]}, spec_dir=spec_dir)
    assert tools.execute(call("book")).value == {}  # root=None: no restriction


# --- py ---------------------------------------------------------------------------


def test_py_computes_the_result_from_the_arguments_and_context() -> None:
    tools = mocked({"get_quote": [{"py": "sample_envs:quote"}]})
    tools.execute(call("book"))
    first = tools.execute(call("get_quote", {"city": "Oslo"}))
    second = tools.execute(call("get_quote", {"city": "Oslo"}))
    assert first.value == {"city": "Oslo", "price": 10, "seq": 2}
    assert second.value == {"city": "Oslo", "price": 20, "seq": 3}


def test_a_py_function_that_raises_gives_an_error_result() -> None:
    tools = mocked({"get_quote": [{"py": "sample_envs:quote_fails"}]})
    assert tools.execute(call("get_quote", {"city": "Oslo"})) == ToolResult(
        "RuntimeError: quote service down", is_error=True
    )
    tools = mocked({"get_quote": [{"py": "sample_envs:quote"}]})
    missing = tools.execute(call("get_quote", {}))
    assert missing == ToolResult("KeyError: 'city'", is_error=True)


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (
            "no_such_module_xyz:fn",
            "py: cannot import 'no_such_module_xyz' (No module named "
            "'no_such_module_xyz'); is its directory importable? see the pytest "
            "'pythonpath' ini option",
        ),
        ("sample_envs:nope", "py: 'sample_envs' has no attribute 'nope'"),
        ("sample_envs:NOT_CALLABLE", "py: 'sample_envs:NOT_CALLABLE' is not callable"),
    ],
)
def test_a_bad_py_reference_is_a_spec_error(reference: str, message: str) -> None:
    error = spec_error({"get_quote": [{"when": {}, "py": reference}]})
    assert error.location == ("mocks", "get_quote", 0, "py")
    assert error.message == message


# --- sequences --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("then", "expected"),
    [
        ("last", ["10", "11", "#3", "#4", "#5"]),
        ("cycle", ["10", "11", "#3", "10", "11"]),
    ],
)
def test_a_sequence_answers_successive_calls(then: str, expected: list[str]) -> None:
    entries = [{"return": 10}, {"return": 11}, {"return": "#{{ attempt }}"}]
    tools = mocked({"get_quote": {"sequence": entries, "then": then}})
    answers = []
    for _ in range(5):
        answers.append(tools.execute(call("get_quote")).content)
        tools.execute(call("book"))  # other tools do not advance it
    assert answers == expected


def test_a_sequence_may_end_in_an_error() -> None:
    tools = mocked({"get_quote": {"sequence": [{"return": 1}], "then": "error"}})
    assert tools.execute(call("get_quote")).content == "1"
    assert tools.execute(call("get_quote")) == ToolResult(
        "no more results from 'get_quote': its mock sequence has 1 entry and this "
        "is call 2",
        is_error=True,
    )


# --- no behaviour, unknown tools, malformed arguments ------------------------------


def test_calls_nothing_can_answer_get_error_results() -> None:
    tools = mocked(AIRPORTS)
    assert tools.execute(call("book")) == ToolResult(
        "no simulated behaviour for tool 'book'", is_error=True
    )
    assert tools.execute(call("fly")) == ToolResult("unknown tool 'fly'", is_error=True)
    assert tools.unmatched is None


def test_arguments_that_did_not_parse_get_an_error_result() -> None:
    tools = mocked({"book": [{"return": "booked"}]})
    result = tools.execute(call("book", '{"seat": "1'))
    assert result.is_error
    assert result.content == (
        "the arguments of 'book' are not valid JSON (invalid JSON: Unterminated "
        "string starting at: line 1 column 10 (char 9)); the tool did not run"
    )
    array = tools.execute(call("book", "[1]"))
    assert array.content == (
        "the arguments of 'book' are not valid JSON (arguments are a JSON array, not "
        "an object); the tool did not run"
    )


# --- unmatched calls --------------------------------------------------------------


def test_an_unmatched_call_gets_an_error_naming_tool_and_arguments() -> None:
    tools = mocked({"book": [{"when": {"seat": "1A"}, "return": "ok"}]})
    result = tools.execute(call("book", {"seat": "9Z"}))
    assert result == ToolResult(
        """no mock rule of 'book' matches the arguments {"seat": "9Z"}""", is_error=True
    )
    assert tools.unmatched is None  # on_unmatched: error (the default)


def test_unmatched_message_replaces_the_default_text() -> None:
    tools = mocked(
        {
            "book": [{"when": {"seat": "1A"}, "return": "ok"}],
            "unmatched_message": "There is a problem with your call ({{ args.seat }})",
        }
    )
    result = tools.execute(call("book", {"seat": "9Z"}))
    assert result == ToolResult("There is a problem with your call (9Z)", is_error=True)


def test_on_unmatched_fail_marks_the_world() -> None:
    tools = mocked(
        {"book": [{"when": {"seat": "1A"}, "return": "ok"}], "on_unmatched": "fail"}
    )
    assert tools.execute(call("book", {"seat": "1A"})).content == "ok"
    assert tools.unmatched is None
    assert tools.execute(call("book", {"seat": "9Z"})).is_error
    assert tools.unmatched == (
        """book(seat="9Z") matches no mock rule of 'book' (on_unmatched: fail)"""
    )


# --- the spec model ---------------------------------------------------------------


def test_the_model_keeps_tools_apart_from_reserved_keys() -> None:
    mocks = Mocks.model_validate(
        {"book": [{"return": 1}], "on_unmatched": "fail", "unmatched_message": "no"}
    )
    assert list(mocks.tools) == ["book"]
    assert (mocks.on_unmatched, mocks.unmatched_message) == ("fail", "no")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"on_unmatch": "fail"},
            "unknown key 'on_unmatch' (did you mean 'on_unmatched'?)",
        ),
        ({"book": "ok"}, "a tool's mock is a list of rules or {sequence: [...]}"),
        (
            {"book": [{"return": 1, "error": "e"}]},
            "give exactly one of return, return_file, error or py (got return and error)",
        ),
        (
            {"book": [{"when": {}}]},
            "give exactly one of return, return_file, error or py",
        ),
        ({"book": [{"retrun": 1}]}, "unknown key 'retrun' (did you mean 'return'?)"),
        ({"book": {"sequence": [{"return": 1}], "then": "stop"}}, "'last', 'cycle' or"),
        ({"on_unmatched": "ignore"}, "Input should be 'error' or 'fail'"),
    ],
)
def test_the_model_explains_shape_mistakes(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        Mocks.model_validate(raw)
    assert message in str(info.value)


def test_a_return_of_null_is_a_result() -> None:
    tools = mocked({"book": [{"return": None}]})
    assert tools.execute(call("book")) == ToolResult("null")
