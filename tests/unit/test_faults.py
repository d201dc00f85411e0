"""Unit tests of fault injection (:mod:`pytest_fncall.environment.faults`)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sample_envs import build, call, world

from pytest_fncall.environment import SimulationError
from pytest_fncall.results import ToolResult
from pytest_fncall.spec_simulation import Fault

DECLARED = ["charge_card", "charge_card_backup", "get_balance", "list_cards"]
MOCKS = {
    "charge_card": [{"return": {"charged": "{{ args.amount }}", "id": "ch_{{ seq }}"}}],
    "charge_card_backup": [{"return": "backup ok"}],
    "get_balance": [{"return": {"cents": 1200, "owner": {"name": "Ann", "iban": "X"}}}],
    "list_cards": [{"return": [{"last4": "4242", "cvc": "1"}, {"last4": "0005"}]}],
}
STORE: dict[str, Any] = {"charges": {}}
CHARGE = {
    "op": "insert",
    "collection": "charges",
    "id": "ch_{{ seq }}",
    "record": {"amount": "{{ args.amount }}"},
}


def faulty(*faults: dict[str, Any]) -> Any:
    return world(declared=DECLARED, mocks=MOCKS, faults=faults)


def charge(amount: int = 50) -> Any:
    return call("charge_card", {"amount": amount})


def fault_error(*faults: dict[str, Any]) -> SimulationError:
    with pytest.raises(SimulationError) as info:
        build(declared=DECLARED, faults=faults)
    return info.value


# --- what the model receives --------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            {"inject": "error"},
            ToolResult("503 Service Unavailable", True, fault="error"),
        ),
        (
            {"inject": "error", "message": "card {{ args.amount }} declined"},
            ToolResult("card 50 declined", True, fault="error"),
        ),
        (
            {"inject": "timeout"},
            ToolResult(
                "the call to 'charge_card' timed out after 30s", True, fault="timeout"
            ),
        ),
        (
            {"inject": "timeout", "timeout_s": 2.5},
            ToolResult(
                "the call to 'charge_card' timed out after 2.5s", True, fault="timeout"
            ),
        ),
        (
            {"inject": "rate_limit", "retry_after_s": 30},
            ToolResult(
                "429 Too Many Requests: rate limit exceeded for 'charge_card'; retry "
                "after 30 seconds",
                True,
                fault="rate_limit",
            ),
        ),
        (
            {"inject": "rate_limit"},
            ToolResult(
                "429 Too Many Requests: rate limit exceeded for 'charge_card'; retry "
                "later",
                True,
                fault="rate_limit",
            ),
        ),
        (
            {"inject": "rate_limit", "message": "slow down", "retry_after_s": 1.5},
            ToolResult("slow down; retry after 1.5 seconds", True, fault="rate_limit"),
        ),
        (
            {"inject": "malformed", "payload": '{"charged": 5'},
            ToolResult('{"charged": 5', fault="malformed"),
        ),
        (
            {"inject": "malformed"},  # the real result, cut in half
            ToolResult('{"charged": 50', fault="malformed"),
        ),
        ({"inject": "empty"}, ToolResult("", fault="empty")),
        (
            {"inject": "partial", "drop": ["id"]},
            ToolResult('{"charged": 50}', value={"charged": 50}, fault="partial"),
        ),
    ],
)
def test_each_fault_sends_its_own_result(
    fault: dict[str, Any], expected: ToolResult
) -> None:
    tools = faulty({"tool": "charge_card", **fault})
    assert tools.execute(charge()) == expected


def test_partial_drops_nested_fields_and_fields_of_each_element() -> None:
    tools = faulty(
        {"tool": "get_balance", "inject": "partial", "drop": ["owner.iban", "cents"]},
        {"tool": "list_cards", "inject": "partial", "drop": ["cvc", "absent.x"]},
    )
    assert tools.execute(call("get_balance")).value == {"owner": {"name": "Ann"}}
    cards = tools.execute(call("list_cards"))
    assert cards.value == [{"last4": "4242"}, {"last4": "0005"}]
    assert not cards.is_error


def test_partial_of_a_text_result_sends_it_unchanged() -> None:
    tools = faulty({"tool": "charge_card_backup", "inject": "partial", "drop": ["x"]})
    result = tools.execute(call("charge_card_backup"))
    assert result == ToolResult("backup ok", fault="partial")


# --- which calls --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_attempt", "faulted"),
    [
        ("all", [1, 2, 3, 4]),
        ("first", [1]),
        ([1, 3], [1, 3]),
        (2, [2]),
        ("2+", [2, 3, 4]),
    ],
)
def test_on_attempt_counts_this_tool_s_calls(
    on_attempt: Any, faulted: list[int]
) -> None:
    tools = faulty({"tool": "charge_card", "on_attempt": on_attempt, "inject": "error"})
    got = []
    for attempt in range(1, 5):
        tools.execute(call("get_balance"))  # other tools' calls do not count
        if tools.execute(charge()).fault:
            got.append(attempt)
    assert got == faulted


def test_when_restricts_a_fault_to_matching_arguments() -> None:
    tools = faulty(
        {"tool": "charge_card", "when": {"amount": {"$gt": 100}}, "inject": "error"}
    )
    assert not tools.execute(charge(50)).is_error
    assert tools.execute(charge(500)).fault == "error"


def test_tool_takes_globs_and_lists() -> None:
    tools = faulty({"tool": ["charge_*", "get_balance"], "inject": "empty"})
    assert tools.execute(call("charge_card_backup")).fault == "empty"
    assert tools.execute(call("get_balance")).fault == "empty"
    assert tools.execute(call("list_cards")).fault is None


def test_the_first_fault_that_claims_a_call_answers_it() -> None:
    tools = faulty(
        {"tool": "charge_card", "on_attempt": [2], "inject": "timeout"},
        {"tool": "charge_card", "inject": "error"},
    )
    assert [tools.execute(charge()).fault for _ in range(3)] == [
        "error",
        "timeout",
        "error",
    ]


def test_a_faulted_call_still_advances_the_counters() -> None:
    tools = faulty({"tool": "charge_card", "on_attempt": "first", "inject": "error"})
    tools.execute(charge())
    assert tools.execute(charge()).value == {"charged": 50, "id": "ch_2"}


# --- effects ------------------------------------------------------------------------


def store_world(fault: dict[str, Any]) -> Any:
    return world(
        declared=DECLARED,
        environment={"store": STORE, "tools": {"charge_card": CHARGE}},
        faults=[{"tool": "charge_card", **fault}],
    )


@pytest.mark.parametrize(
    "fault",
    [
        {"inject": "timeout"},
        {"inject": "malformed"},
        {"inject": "partial", "drop": ["amount"]},
        {"inject": "malformed", "payload": "{"},
    ],
)
def test_without_apply_effect_the_state_is_untouched(fault: dict[str, Any]) -> None:
    tools = store_world(fault)
    tools.execute(charge())
    assert tools.state() == {"charges": {}}


def test_partial_and_malformed_are_made_from_what_the_call_would_return() -> None:
    assert store_world({"inject": "partial", "drop": ["x"]}).execute(
        charge()
    ).value == {"amount": 50}
    malformed = store_world({"inject": "malformed"}).execute(charge())
    assert malformed == ToolResult('{"amoun', fault="malformed")


def test_apply_effect_runs_the_real_behaviour_and_loses_its_result() -> None:
    tools = store_world({"inject": "timeout", "apply_effect": True, "on_attempt": [1]})
    assert (
        tools.execute(charge(70)).content
        == "the call to 'charge_card' timed out after 30s"
    )
    assert tools.state() == {"charges": {"ch_1": {"amount": 70}}}
    tools.execute(charge(70))
    assert tools.state() == {
        "charges": {"ch_1": {"amount": 70}, "ch_2": {"amount": 70}}
    }


def test_a_fault_on_a_tool_without_behaviour_still_answers() -> None:
    tools = world(
        declared=DECLARED, faults=[{"tool": "get_balance", "inject": "error"}]
    )
    assert tools.execute(call("get_balance")).fault == "error"
    assert tools.execute(call("list_cards")).content == (
        "no simulated behaviour for tool 'list_cards'"
    )


# --- spec mistakes ------------------------------------------------------------------


def test_an_unknown_tool_name_is_refused_with_a_suggestion() -> None:
    error = fault_error({"tool": "charge_crd", "inject": "error"})
    assert error.location == ("faults", 0, "tool")
    assert error.message.startswith(
        "unknown tool 'charge_crd' (did you mean 'charge_card'?)"
    )


def test_a_glob_that_matches_no_tool_is_refused() -> None:
    error = fault_error(
        {"tool": "get_balance", "inject": "error"},
        {"tool": ["get_balance", "pay_*"], "inject": "error"},
    )
    assert error.location == ("faults", 1, "tool", 1)
    assert error.message == (
        "'pay_*' matches no declared tool (declared: charge_card, charge_card_backup, "
        "get_balance, list_cards)"
    )


def test_matcher_and_template_errors_are_located() -> None:
    error = fault_error(
        {"tool": "charge_card", "when": {"amount": {"$gtt": 1}}, "inject": "error"}
    )
    assert error.location == ("faults", 0, "when", "amount", "$gtt")
    error = fault_error(
        {"tool": "charge_card", "inject": "error", "message": "{{ record.id }}"}
    )
    assert error.location == ("faults", 0, "message")
    assert error.message.startswith("template: unknown name 'record'")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"inject": "empty", "message": "x"},
            "'message' goes with inject: error | timeout | rate_limit, not empty",
        ),
        (
            {"inject": "error", "payload": "x"},
            "'payload' goes with inject: malformed, not error",
        ),
        ({"inject": "partial"}, "inject: partial needs 'drop': the fields to remove"),
        (
            {"inject": "error", "retry_after_s": 1},
            "'retry_after_s' goes with inject: rate_limit, not error",
        ),
        (
            {"inject": "error", "timeout_s": 1},
            "'timeout_s' goes with inject: timeout, not error",
        ),
        (
            {"inject": "boom"},
            "Input should be 'error', 'timeout', 'rate_limit', 'malformed', 'empty' or 'partial'",
        ),
        ({"inject": "error", "on_attempt": "2-"}, "String should match pattern"),
        ({"inject": "error", "on_attempt": [0]}, "greater than or equal to 1"),
        ({"inject": "error", "probability": 0.5}, "unknown key 'probability'"),
    ],
)
def test_the_model_checks_options_against_the_kind(
    raw: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        Fault.model_validate({"tool": "t", **raw})
    assert message in str(info.value)
