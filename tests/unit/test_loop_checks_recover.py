"""``expect.recover``: retry, correct, fallback and report after an injected fault."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_fncall.loop_checks import LoopChecks, compile_loop_checks
from pytest_fncall.results import ModelTurn, ToolCall, ToolResult, Trajectory
from pytest_fncall.spec_checks import Recover

TOOLS = ("charge_card", "charge_card_backup", "get_order")
CHARGE_SCHEMA = {
    "type": "object",
    "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}},
    "required": ["amount"],
}
OK = ToolResult('{"charged": true}', value={"charged": True})
DECLINED = ToolResult("Error: card declined", is_error=True)
TIMEOUT = ToolResult("Error: timed out after 30s", is_error=True, fault="timeout")
EMPTY = ToolResult("", fault="empty")  # a non-error result that is still a fault
PAY = {"amount": 120, "currency": "EUR"}

Call = tuple[str, Any, ToolResult | None]


def recover(**entry: Any) -> LoopChecks:
    entry.setdefault("from", "charge_card")
    return compile_loop_checks(
        reply=None,
        state=None,
        recover=Recover.model_validate(entry),
        max_identical_calls=None,
        declared_tools=TOOLS,
        tool_schemas={"charge_card": CHARGE_SCHEMA},
    )


def run(*calls: Call, reply: str | None = "Done.") -> Trajectory:
    """One step per call, then a final message ``reply``."""
    steps = [
        ModelTurn(None, (ToolCall.from_model_arguments(f"c{n}", name, arguments),))
        for n, (name, arguments, _) in enumerate(calls)
    ]
    return Trajectory(
        (*steps, ModelTurn(reply)), results=tuple(result for *_, result in calls)
    )


def summaries(checks: LoopChecks, trajectory: Trajectory) -> list[str]:
    found = checks.failures(trajectory)
    assert all(failure.code == "no_recovery" for failure in found)
    return [failure.summary for failure in found]


def charge(arguments: Any = PAY, result: ToolResult | None = OK) -> Call:
    return ("charge_card", arguments, result)


# --- retry --------------------------------------------------------------------------


def test_retry_passes_when_a_later_call_succeeds_within_the_limit():
    checks = recover(by="retry")
    assert checks.failures(run(charge(result=TIMEOUT), charge())) == []
    twice = run(charge(result=TIMEOUT), charge(result=DECLINED), charge())
    assert checks.failures(twice) == []
    assert checks.describe() == [
        "recover from a fault in charge_card by retry (within 2)"
    ]


@pytest.mark.parametrize(
    ("calls", "summary"),
    [
        (
            [charge(result=TIMEOUT)],
            "no retry of charge_card after the injected timeout at call #1",
        ),
        (
            [charge(result=TIMEOUT)] + [charge(result=DECLINED)] * 3 + [charge()],
            "retried charge_card 4 times after the injected timeout at call #1, more "
            "than within: 2",
        ),
        (
            [("get_order", {}, OK), charge(result=TIMEOUT), charge(result=DECLINED)],
            "charge_card was retried 1 time after the injected timeout at call #2, and "
            "no retry succeeded",
        ),
        (
            [charge(result=EMPTY), charge(result=EMPTY)],
            "charge_card was retried 1 time after the injected empty at call #1, and no "
            "retry succeeded",
        ),
    ],
)
def test_retry_failures_say_what_happened(calls, summary):
    assert summaries(recover(by="retry"), run(*calls)) == [summary]


def test_retry_failure_lists_the_fault_and_the_calls_after_it():
    [failure] = recover(by="retry").failures(
        run(charge(result=TIMEOUT), ("get_order", {"id": "W1"}, None))
    )
    assert failure.details == (
        'fault:    #1 charge_card(amount=120, currency="EUR") -> timeout (injected): '
        "'Error: timed out after 30s'",
        'then:     #2 get_order(id="W1") -> no result',
    )
    assert "[retry, report]" in (failure.hint or "")


def test_same_args_required_and_forbidden():
    other = {"amount": 120, "currency": "USD"}
    required = recover(by="retry", same_args="required")
    assert required.failures(run(charge(result=TIMEOUT), charge(dict(PAY)))) == []
    assert summaries(required, run(charge(result=TIMEOUT), charge(other))) == [
        "no successful retry of charge_card repeated the arguments of call #1 "
        "(same_args: required)"
    ]
    forbidden = recover(by="retry", same_args="forbidden")
    assert forbidden.failures(run(charge(result=TIMEOUT), charge(other))) == []
    repeated = run(charge(result=TIMEOUT), charge(result=DECLINED), charge(other))
    assert summaries(forbidden, repeated) == [
        "call #2 repeated the arguments of the faulted call #1 (same_args: forbidden)"
    ]
    assert forbidden.describe() == [
        "recover from a fault in charge_card by retry (within 2), same_args: forbidden"
    ]


# --- correct ------------------------------------------------------------------------


def test_correct_needs_different_arguments_that_match_args():
    checks = recover(by="correct", args={"amount": {"$lte": 100}})
    fixed = run(charge(result=TIMEOUT), charge({"amount": 100}, DECLINED))
    assert checks.failures(fixed) == []  # the correction itself may still fail
    assert checks.describe() == [
        "recover from a fault in charge_card by correct(amount=x <= 100, ...) "
        "(within 2)"
    ]
    assert summaries(checks, run(charge(result=TIMEOUT), charge(dict(PAY)))) == [
        "every later call to charge_card repeated the arguments of the faulted call #1"
    ]
    assert summaries(checks, run(charge(result=TIMEOUT), charge({"amount": 110}))) == [
        "no later call to charge_card had corrected arguments: call #2: $.amount: "
        "expected x <= 100, got 110"
    ]
    assert summaries(checks, run(charge(result=TIMEOUT))) == [
        "charge_card was not called again after the injected timeout at call #1 "
        "(expected a call with corrected arguments)"
    ]


def test_correct_without_args_needs_any_different_schema_valid_arguments():
    checks = recover(by="correct")
    assert checks.failures(run(charge(result=TIMEOUT), charge({"amount": 1}))) == []
    invalid = run(charge(result=TIMEOUT), charge({"amount": "120 EUR"}))
    assert summaries(checks, invalid) == [
        "no later call to charge_card had corrected arguments: call #2: charge_card "
        "argument $.amount: '120 EUR' is not of type 'number' (schema)"
    ]
    unparsed = run(charge(result=TIMEOUT), charge('{"amount": 1'))
    [summary] = summaries(checks, unparsed)
    assert summary.startswith(
        "no later call to charge_card had corrected arguments: call #2: arguments are "
        "not a JSON object (invalid JSON:"
    )


# --- fallback -----------------------------------------------------------------------


def test_fallback_passes_on_a_matching_call_to_the_other_tool():
    checks = recover(
        by="fallback",
        fallback={"tool": "charge_card_backup", "args": {"amount": 120}},
    )
    backup = ("charge_card_backup", {"amount": 120.0, "note": "x"}, OK)
    assert checks.failures(run(charge(result=TIMEOUT), backup)) == []
    assert checks.describe() == [
        "recover from a fault in charge_card by fallback to "
        "charge_card_backup(amount=120, ...) (within 2)"
    ]
    before = run(backup, charge(result=TIMEOUT))
    assert summaries(checks, before) == [
        "no call to charge_card_backup after the injected timeout at call #2"
    ]
    wrong = ("charge_card_backup", {"amount": 12}, OK)
    assert summaries(checks, run(charge(result=TIMEOUT), wrong)) == [
        "charge_card_backup was called after the fault, but not with the expected "
        "arguments: call #2: $.amount: expected 120, got 12"
    ]
    storm = run(charge(result=TIMEOUT), *[charge(result=DECLINED)] * 3, backup)
    assert summaries(checks, storm) == [
        "called charge_card 3 times after the injected timeout at call #1, more than "
        "within: 2"
    ]


# --- report -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        "Sorry, the payment could not be completed: the card service timed out.",
        "I was unable to charge your card. Please try again later.",
        "The payment failed and was not processed.",
    ],
)
def test_report_passes_on_an_honest_failure_report(reply):
    assert recover(by="report").failures(run(charge(result=TIMEOUT), reply=reply)) == []


@pytest.mark.parametrize(
    ("reply", "summary"),
    [
        (
            "Your payment was successful!",
            "claimed success after the fault ('successful' in the final reply)",
        ),
        (
            "There was an error, but your order is confirmed.",
            "claimed success after the fault ('confirmed' in the final reply)",
        ),
        (
            "I will look into your payment.",
            "the final reply does not report the failure (no word such as 'failed', "
            "'error', 'unable', 'could not', 'unavailable' or 'sorry')",
        ),
        (None, "the model gave no final reply (expected a report of the failure)"),
    ],
)
def test_report_fails_on_a_success_claim_or_silence(reply, summary):
    [failure] = recover(by="report").failures(run(charge(result=TIMEOUT), reply=reply))
    assert failure.summary == summary
    assert failure.details[-1].startswith("reply:    ")


def test_report_fails_when_a_retry_succeeded():
    trajectory = run(charge(result=TIMEOUT), charge(), reply="Sorry, it failed.")
    assert summaries(recover(by="report"), trajectory) == [
        "call #2 to charge_card succeeded after the fault: there was no failure left "
        "to report"
    ]


# --- several ways, vacuous passes ---------------------------------------------------


def test_a_list_of_ways_passes_when_any_passes_and_explains_each_otherwise():
    checks = recover(by=["retry", "report"])
    assert checks.failures(run(charge(result=TIMEOUT), charge(), reply="ok")) == []
    assert checks.failures(run(charge(result=TIMEOUT), reply="It failed.")) == []
    [failure] = checks.failures(run(charge(result=TIMEOUT), reply="All done!"))
    assert failure.summary == (
        "no recovery of charge_card from the injected timeout at call #1 by retry or report"
    )
    assert failure.details[:2] == (
        "retry:    no retry of charge_card after the injected timeout at call #1",
        "report:   claimed success after the fault ('done' in the final reply)",
    )
    assert failure.details[-1] == "reply:    'All done!'"
    assert failure.hint == (
        "`within` allows more calls to the tool after the fault; `by` lists every "
        "acceptable reaction (README.md#recovery)"
    )


def test_a_fault_that_never_fired_fails_unless_not_required():
    trajectory = run(charge(), charge())
    [failure] = recover(by="retry").failures(trajectory)
    assert failure.summary == (
        "the fault never fired: no call to charge_card received an injected fault"
    )
    assert failure.details == (
        "actual:   the model called charge_card 2 time(s) (#1, #2), every result "
        "without a fault",
    )
    assert "require_fault: false" in (failure.hint or "")
    [never] = recover(by="retry").failures(run(reply="hi"))
    assert never.details == ("actual:   the model never called charge_card",)
    optional = recover(by="retry", require_fault=False)
    assert optional.failures(trajectory) == []
    assert optional.describe() == [
        "recover from a fault in charge_card by retry (within 2); passes vacuously if "
        "no fault fires"
    ]


def test_only_the_first_fault_anchors_the_check():
    trajectory = run(charge(result=TIMEOUT), charge(), charge(result=TIMEOUT))
    assert recover(by="retry").failures(trajectory) == []


def test_each_recover_entry_is_checked():
    checks = compile_loop_checks(
        reply=None,
        state=None,
        recover=[
            Recover.model_validate({"from": "charge_card", "by": "retry"}),
            Recover.model_validate({"from": "get_order", "by": "retry"}),
        ],
        max_identical_calls=None,
        declared_tools=TOOLS,
    )
    trajectory = run(charge(result=TIMEOUT), charge(), ("get_order", {}, TIMEOUT))
    assert summaries(checks, trajectory) == [
        "no retry of get_order after the injected timeout at call #3"
    ]


def test_a_long_trajectory_lists_a_bounded_number_of_calls():
    calls = [charge(result=TIMEOUT)] + [("get_order", {"n": n}, OK) for n in range(500)]
    [failure] = recover(by="retry").failures(run(*calls))
    assert len(failure.details) == 12
    assert failure.details[-1] == "then:     ... and 490 more calls"
