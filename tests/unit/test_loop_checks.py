"""Loop-mode checks: the spec models, compile errors, reply, state, identical calls.

Recovery (``expect.recover``) has its own module, test_loop_checks_recover.py.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from pydantic import ValidationError

from pytest_fncall.loop_checks import LoopCheckError, LoopChecks, compile_loop_checks
from pytest_fncall.loop_checks_base import success_claim
from pytest_fncall.results import ModelTurn, ToolCall, Trajectory
from pytest_fncall.spec_checks import Recover, Reply, StateCheck

TOOLS = ("charge_card", "charge_card_backup", "get_order", "cancel_order")


def checks(**keys: Any) -> LoopChecks:
    """Compile the loop keys given as raw YAML-like values."""
    recover = keys.get("recover")
    if isinstance(recover, list):
        recover = [Recover.model_validate(entry) for entry in recover]
    elif recover is not None:
        recover = Recover.model_validate(recover)
    return compile_loop_checks(
        reply=Reply.model_validate(keys["reply"]) if "reply" in keys else None,
        state=StateCheck.model_validate(keys["state"]) if "state" in keys else None,
        recover=recover,
        max_identical_calls=keys.get("max_identical_calls"),
        declared_tools=TOOLS,
        tool_schemas=keys.get("tool_schemas"),
    )


def compile_error(**keys: Any) -> LoopCheckError:
    with pytest.raises(LoopCheckError) as caught:
        checks(**keys)
    return caught.value


def reply_of(text: str | None, **extra: Any) -> Trajectory:
    return Trajectory((ModelTurn(text),), **extra)


def messages(trajectory: Trajectory, found: LoopChecks) -> list[str]:
    return [f"{f.code}: {f.summary}" for f in found.failures(trajectory)]


# --- spec models ----------------------------------------------------------------------


def test_reply_needs_a_check_and_refuses_unknown_keys_with_a_suggestion():
    with pytest.raises(ValidationError, match="needs at least one of contains"):
        Reply.model_validate({})
    with pytest.raises(ValidationError, match="did you mean 'not_contains'"):
        Reply.model_validate({"not_contain": "x"})
    with pytest.raises(ValidationError, match="at least 1 character"):
        Reply.model_validate({"contains": ""})


def test_recover_reads_from_by_its_alias_and_checks_its_values():
    recover = Recover.model_validate({"from": "charge_card", "by": ["retry", "retry"]})
    assert (recover.from_, recover.ways, recover.within) == (
        "charge_card",
        ("retry",),
        2,
    )
    assert recover.same_args == "allowed"
    assert recover.require_fault is True
    with pytest.raises(ValidationError, match="did you mean 'within'"):
        Recover.model_validate({"from": "t", "by": "retry", "witin": 3})
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        Recover.model_validate({"from": "t", "by": "retry", "within": 0})
    with pytest.raises(ValidationError, match="by"):
        Recover.model_validate({"from": "t", "by": "pray"})


def test_state_check_needs_a_key_and_takes_all_or_a_list_for_unchanged():
    with pytest.raises(ValidationError, match="needs at least one of match"):
        StateCheck.model_validate({})
    assert StateCheck.model_validate({"unchanged": "all"}).unchanged == "all"
    assert StateCheck.model_validate({"unchanged": ["users"]}).unchanged == ["users"]
    with pytest.raises(ValidationError):
        StateCheck.model_validate({"unchanged": "everything"})


def test_the_json_schema_uses_the_alias_and_carries_descriptions():
    schema = Recover.model_json_schema(by_alias=True)
    assert "from" in schema["properties"]
    assert "from_" not in schema["properties"]
    assert schema["required"] == ["from", "by"]
    for model in (Recover, Reply, StateCheck):
        properties = model.model_json_schema(by_alias=True)["properties"]
        assert all(p.get("description") for p in properties.values()), model


# --- compile errors -----------------------------------------------------------------


def test_an_unknown_tool_in_recover_is_located_and_gets_a_suggestion():
    error = compile_error(recover={"from": "charge_crad", "by": "retry"})
    assert error.location == ("recover", "from")
    assert (
        error.message
        == "'charge_crad' names no declared tool (did you mean 'charge_card'?)"
    )
    error = compile_error(
        recover=[
            {"from": "charge_card", "by": "retry"},
            {"from": "charge_card", "by": "fallback", "fallback": {"tool": "zzz"}},
        ]
    )
    assert error.location == ("recover", 1, "fallback", "tool")
    assert "declared: charge_card, charge_card_backup, get_order" in error.message


@pytest.mark.parametrize(
    ("recover", "location", "message"),
    [
        (
            {"by": "fallback"},
            ("recover", "by"),
            "by: fallback needs 'fallback: {tool: ..., args: ...}'",
        ),
        (
            {"by": "retry", "fallback": {"tool": "charge_card_backup"}},
            ("recover", "fallback"),
            "'fallback' is used only with by: fallback",
        ),
        (
            {"by": "retry", "args": {"amount": 5}},
            ("recover", "args"),
            "'args' is used only with by: correct",
        ),
        (
            {"by": "report", "same_args": "forbidden"},
            ("recover", "same_args"),
            "'same_args' applies to retry and correct only",
        ),
        (
            {"by": "correct", "same_args": "required"},
            ("recover", "same_args"),
            "same_args: required contradicts by: correct",
        ),
        (
            {"by": "fallback", "fallback": {"tool": "charge_card"}},
            ("recover", "fallback", "tool"),
            "the fallback is charge_card, the faulted tool itself: use by: retry",
        ),
        (
            {"by": "correct", "args": {"amount": {"$gtt": 5}}},
            ("recover", "args", "amount", "$gtt"),
            "unknown matcher '$gtt' (did you mean '$gt'?)",
        ),
        (
            {
                "by": "fallback",
                "fallback": {"tool": "charge_card_backup", "args": {"x": {"$in": 3}}},
            },
            ("recover", "fallback", "args", "x", "$in"),
            "$in needs a non-empty list, got 3",
        ),
    ],
)
def test_inconsistent_recover_entries_are_compile_errors(recover, location, message):
    error = compile_error(recover={"from": "charge_card", **recover})
    assert error.location == location
    assert message in error.message


def test_bad_regexes_and_matchers_are_compile_errors_at_their_key():
    error = compile_error(reply={"regex": "(unclosed"})
    assert error.location == ("reply", "regex")
    assert error.message.startswith("regex: invalid regular expression:")
    error = compile_error(reply={"not_regex": ["fine", "(a+)+$"]})
    assert error.location == ("reply", "not_regex", 1)
    assert "nested quantifiers" in error.message
    error = compile_error(
        state={"match": {"orders": {"#W1": {"status": {"$regx": "c.*"}}}}}
    )
    assert error.location == ("state", "match", "orders", "#W1", "status", "$regx")
    assert error.message == "unknown matcher '$regx' (did you mean '$regex'?)"
    error = compile_error(max_identical_calls=0)
    assert error.location == ("max_identical_calls",)
    assert error.message == "max_identical_calls must be at least 1, got 0"


def test_nothing_given_compiles_to_empty_checks_that_pass():
    empty = checks()
    assert empty.empty
    assert empty.describe() == []
    assert empty.failures(reply_of(None)) == []
    assert not checks(max_identical_calls=3).empty
    assert checks(recover=[]).empty


# --- reply --------------------------------------------------------------------------


def test_contains_is_case_insensitive_and_ignores_commas():
    found = checks(reply={"contains": ["BOOKED", "1000", "1,000"]})
    assert found.failures(reply_of("Your flight is booked: 1,000 EUR.")) == []
    assert found.describe() == [
        "reply contains 'BOOKED'",
        "reply contains '1000'",
        "reply contains '1,000'",
    ]


def test_a_missing_text_fails_with_the_reply_shown():
    found = checks(reply={"contains": ["booked", "Paris"]})
    [failure] = found.failures(
        reply_of("Sorry,  I could not\nbook the flight to Paris.")
    )
    assert failure.code == "reply_mismatch"
    assert failure.summary == "the final reply does not contain 'booked'"
    assert failure.details == (
        "reply:    'Sorry, I could not book the flight to Paris.'",
    )
    assert "case-insensitively with commas removed" in (failure.hint or "")


def test_a_forbidden_text_in_a_short_reply_fails_with_the_reply():
    found = checks(reply={"not_contains": ["refund", "password"]})
    [failure] = found.failures(reply_of("I have issued a Refund for #W1."))
    assert failure.summary == "the final reply contains 'refund', which it must not"
    assert failure.details == ("reply:    'I have issued a Refund for #W1.'",)


def test_a_forbidden_text_in_a_long_reply_shows_where_it_was_found():
    found = checks(reply={"not_contains": "card number"})
    text = "x" * 300 + " your Card Number is 4242, expiring soon " + "y" * 300
    [failure] = found.failures(reply_of(text))
    assert (
        failure.summary == "the final reply contains 'card number', which it must not"
    )
    assert failure.details[0].startswith("reply:    'xxx")
    assert failure.details[0].endswith("…'")
    near = "x" * 34 + " your Card Number is 4242 expiring soon " + "y" * 17
    assert failure.details[1] == f"found:    '…{near}…'"  # 40 characters either side


def test_regex_searches_anywhere_and_not_regex_forbids_a_match():
    found = checks(reply={"regex": r"\bW\d{3}\b", "not_regex": r"(?i)password"})
    assert found.failures(reply_of("Order W123 is cancelled.")) == []
    assert messages(reply_of("Order 123; PASSWORD: hunter2"), found) == [
        r"reply_mismatch: the final reply has no match for regex '\\bW\\d{3}\\b'",
        "reply_mismatch: the final reply matches the forbidden regex '(?i)password'",
    ]
    assert found.describe() == [
        r"reply matches regex '\\bW\\d{3}\\b'",
        "reply does not match regex '(?i)password'",
    ]


def test_no_final_reply_fails_contains_and_regex_once_and_says_why():
    found = checks(reply={"contains": "booked", "regex": "W1", "not_contains": "x"})
    stopped = Trajectory(
        (ModelTurn(None, (ToolCall.from_model_arguments("c1", "get_order", {}),)),),
        stopped="max_steps",
    )
    [failure] = found.failures(stopped)
    assert failure.summary == (
        "the model gave no final reply (expected one that contains 'booked' and "
        "matches regex 'W1')"
    )
    assert failure.details == (
        "reply:    (none: the loop stopped at max_steps while the model still called "
        "tools)",
    )
    [blank] = found.failures(reply_of("   "))
    assert blank.details == (
        "reply:    (none: the last assistant message has no text)",
    )
    assert (
        checks(reply={"not_contains": "x", "not_regex": "y"}).failures(reply_of(None))
        == []
    )


def test_a_reply_too_long_for_a_regex_check_fails_without_running_it():
    found = checks(reply={"not_regex": "secret"})
    [failure] = found.failures(reply_of("a" * 20_000))
    assert failure.summary == (
        "regex 'secret' could not be checked: 20,000 characters, too long for a regex "
        "check (limit 10,000)"
    )


def test_the_failure_report_heuristic_sees_negated_success_words():
    assert success_claim("Sorry, the payment could not be completed.") is None
    assert success_claim("The payment wasn't successfully processed.") is None
    assert success_claim("It has not yet been confirmed; I'm sorry.") is None
    assert success_claim("Unsuccessful: the card was declined.") is None
    assert (
        success_claim("Payment failed. Your order is confirmed anyway.") == "confirmed"
    )
    assert success_claim("Done! The card was charged.") == "Done"


# --- state --------------------------------------------------------------------------

INITIAL = {
    "orders": {
        "#W1": {"status": "pending", "items": [{"sku": "A", "qty": 1}], "user": "u1"},
        "#W2": {"status": "delivered", "items": [], "user": "u2"},
    },
    "users": {
        "u1": {"name": "Ann", "balance": 100},
        "u2": {"name": "Bo", "balance": 5},
    },
}


def final(**changes: Any) -> dict[str, Any]:
    """INITIAL with ``orders`` records replaced (None deletes)."""
    orders = dict(INITIAL["orders"])
    for key, record in changes.items():
        key = f"#{key}"
        if record is None:
            orders.pop(key)
        else:
            orders[key] = {**orders.get(key, {}), **record}
    return {**INITIAL, "orders": orders}


def state_run(state: dict[str, Any]) -> Trajectory:
    return Trajectory((ModelTurn("ok"),), initial_state=INITIAL, final_state=state)


def test_state_match_is_a_deep_subset_with_matchers():
    found = checks(
        state={
            "match": {
                "orders": {
                    "#W1": {"status": "cancelled", "items": {"$len": 1}},
                    "#W2": "$absent",
                },
                "users": {"$len": 2, "u1": {"balance": {"$gte": 100}}},
            }
        }
    )
    assert found.failures(state_run(final(W1={"status": "cancelled"}, W2=None))) == []
    gone = {**INITIAL, "users": {"u1": {"balance": 99}}}
    assert messages(state_run(gone), found) == [
        "state_mismatch: orders[\"#W1\"].status: expected 'cancelled', got 'pending'",
        'state_mismatch: orders["#W2"]: expected the record to be deleted, it exists: '
        "{'status': 'delivered', 'items': [], 'user': 'u2'}",
        "state_mismatch: users: expected len 2, got {'u1': {'balance': 99}} (length 1)",
        'state_mismatch: users["u1"].balance: expected x >= 100, got 99',
    ]
    first = found.failures(state_run(final()))[0]
    assert first.details == ("check:    state.match",)


def test_state_match_names_missing_records_collections_and_fields():
    found = checks(
        state={
            "match": {
                "orders": {"#W9": {"status": "pending"}, "#W1": {"reason": "$any"}},
                "refunds": {"R1": {}},
                "carts": {"$len": 0},
            }
        }
    )
    assert messages(state_run(final()), found) == [
        'state_mismatch: orders["#W9"]: no record with this id (expected '
        "{'status': 'pending', ...})",
        'state_mismatch: orders["#W1"].reason: missing (expected any)',
        "state_mismatch: refunds: no such collection in the final state "
        "(collections: orders, users)",
        "state_mismatch: carts: missing (expected len 0)",
    ]


def test_record_ids_written_as_numbers_find_string_ids():
    found = checks(state={"match": {"users": {1001: {"name": "Cy"}}}})
    state = {"users": {"1001": {"name": "Cy"}}}
    assert found.failures(state_run(state)) == []
    assert messages(state_run({"users": {"1001": {"name": "Di"}}}), found) == [
        "state_mismatch: users[1001].name: expected 'Cy', got 'Di'"
    ]


def test_state_equals_is_exact_for_the_listed_collections():
    expected_users = {
        "u1": {"name": "Ann", "balance": {"$approx": 100, "abs": 0.5}},
        "u2": {"name": "Bo", "balance": 5},
    }
    found = checks(state={"equals": {"users": expected_users}})
    assert found.failures(state_run(final(W1={"status": "x"}))) == []
    changed = {
        "orders": {},
        "users": {
            "u1": {"name": "Ann", "balance": 100.2, "vip": True},
            "u2": {"name": "Bo", "balance": 5},
            "u3": {"name": "Cy", "balance": 0},
        },
    }
    assert messages(state_run(changed), found) == [
        'state_mismatch: users["u1"].vip: unexpected key (value true)',
        "state_mismatch: users[\"u3\"]: unexpected record (value {'name': 'Cy', "
        "'balance': 0})",
    ]


def test_state_unchanged_lists_each_change_against_the_initial_state():
    found = checks(state={"unchanged": ["orders"]})
    assert found.failures(state_run(final())) == []
    changed = final(W1={"status": "cancelled"}, W2=None, W3={"status": "new"})
    assert messages(state_run(changed), found) == [
        "state_mismatch: orders[\"#W1\"].status: changed from 'pending' to 'cancelled'",
        "state_mismatch: orders[\"#W2\"]: record removed (was {'status': 'delivered', "
        "'items': [], 'user': 'u2'})",
        "state_mismatch: orders[\"#W3\"]: record added: {'status': 'new'}",
    ]
    every = checks(state={"unchanged": "all"})
    assert every.describe() == ["state unchanged: all collections"]
    users = {**INITIAL["users"], "u1": {"name": "Ann", "balance": 40}}
    assert messages(state_run({**INITIAL, "users": users, "logs": {}}), every) == [
        'state_mismatch: users["u1"].balance: changed from 100 to 40',
        "state_mismatch: logs: collection added",
    ]
    typo = checks(state={"unchanged": ["user"]})
    assert messages(state_run(INITIAL), typo) == [
        "state_mismatch: user: no such collection (collections: orders, users)"
    ]


def test_state_failures_are_bounded_and_counted():
    initial = {"items": {f"i{n}": {"n": n} for n in range(5_000)}}
    changed = {"items": {f"i{n}": {"n": -n - 1} for n in range(5_000)}}
    found = checks(state={"unchanged": "all"})
    trajectory = Trajectory(
        (ModelTurn("ok"),), initial_state=initial, final_state=changed
    )
    failures = found.failures(trajectory)
    assert len(failures) == 21
    assert failures[0].summary == 'items["i0"].n: changed from 0 to -1'
    assert (
        failures[-1].summary == "... and 4980 more state_mismatch failures (not listed)"
    )
    assert failures[-1].hidden == 4_980


def test_state_without_an_environment_fails_with_a_clear_message():
    found = checks(state={"unchanged": "all"})
    [failure] = found.failures(reply_of("ok"))
    assert failure.summary == (
        "there is no final state to check: the case has no stateful environment"
    )
    odd = Trajectory((ModelTurn("ok"),), initial_state=[1], final_state={})
    assert messages(odd, found) == [
        "state_mismatch: state: the environment's initial state is not a mapping of "
        "collections (got [1])"
    ]
    odd = Trajectory((ModelTurn("ok"),), initial_state={}, final_state="x")
    assert messages(odd, found) == [
        "state_mismatch: state: the environment's final state is not a mapping of "
        "collections (got 'x')"
    ]


def test_state_describe_lists_each_collection_check():
    found = checks(
        state={
            "match": {"orders": {"#W1": {"status": "cancelled"}}},
            "equals": {"u": {}},
        }
    )
    assert found.describe() == [
        "state.match orders: {'#W1': {'status': 'cancelled', ...}, ...}",
        "state.equals u: {}",
    ]


# --- max_identical_calls ------------------------------------------------------------


def calls_run(*calls: tuple[str, Any]) -> Trajectory:
    made = tuple(
        ToolCall.from_model_arguments(f"c{n}", name, arguments)
        for n, (name, arguments) in enumerate(calls)
    )
    return Trajectory((ModelTurn(None, made), ModelTurn("done")))


def test_identical_calls_compare_canonical_json_arguments():
    found = checks(max_identical_calls=2)
    trajectory = calls_run(
        ("get_order", {"id": "W1", "page": 1}),
        ("get_order", '{"page": 1.0, "id": "W1"}'),
        ("get_order", {"id": "W2", "page": 1}),
        ("cancel_order", {"id": "W1", "page": 1}),
        ("get_order", {"page": 1, "id": "W1"}),
        ("get_order", "{bad json"),
        ("get_order", "{bad json"),
    )
    [failure] = found.failures(trajectory)
    assert failure.code == "loop_detected"
    assert failure.summary == (
        'get_order(id="W1", page=1) was made 3 times with identical arguments '
        "(max_identical_calls: 2)"
    )
    assert failure.details == ("calls:    #1, #2, #5",)
    assert found.describe() == ["at most 2 identical calls (same tool, same arguments)"]


def test_a_retry_storm_is_reported_quickly_and_briefly():
    found = checks(max_identical_calls=3, reply={"contains": "done"})
    storm = calls_run(*[("get_order", {"id": "W1", "blob": "x" * 1_000})] * 5_000)
    started = time.perf_counter()
    [failure] = found.failures(storm)
    assert time.perf_counter() - started < 2
    assert "was made 5000 times" in failure.summary
    assert len(failure.summary) < 250
    assert failure.details == (
        "calls:    #1, #2, #3, #4, #5, #6, #7, #8, #9, #10 (and 4990 more)",
    )
