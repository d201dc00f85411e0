"""Loop mode in the Python API: ``fncall.run(mocks=..., environment=..., faults=...)``
runs the same loop as a spec case, and its assertions judge it with the same codes;
mistakes in the loop keys are usage errors with the YAML loader's key path and message."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

SCRIPTED = "--fncall-model=scripted/script.yaml"


def tool(name: str, **properties: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"The {name.replace('_', ' ')} tool.",
        "parameters": {
            "type": "object",
            "properties": {key: {"type": kind} for key, kind in properties.items()},
            "required": list(properties),
        },
    }


TOOLS = [
    tool("search_flights", origin="string", destination="string"),
    tool("book_flight", flight_id="string"),
    tool("charge_card", amount="number"),
    tool("cancel_order", order_id="string"),
    tool("deposit", amount="number"),
]

ENV_MODULE = """\
class Wallet:
    def __init__(self, balance=0):
        self.balance = balance

    def deposit(self, amount):
        self.balance += amount
        return {"balance": self.balance}
"""

FLIGHTS = {
    "flights": [{"id": "AZ331", "price_eur": 129}, {"id": "FR8812", "price": 64}]
}


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def calls(*made: dict[str, Any]) -> dict[str, Any]:
    return {"calls": list(made)}


SEARCH = call("search_flights", origin="Paris", destination="Rome")
FLIGHT_MOCKS = {
    "search_flights": [
        {"when": {"destination": {"$ieq": "rome"}}, "return_file": "data/flights.json"}
    ],
    "book_flight": [{"return": {"status": "ok", "booking": "BK-{{ args.flight_id }}"}}],
}
ORDERS = {
    "store": {
        "orders": {"O1": {"status": "pending"}},
        "users": {"u1": {"balance": 100}},
    },
    "tools": {
        "cancel_order": {
            "op": "update",
            "collection": "orders",
            "key": "{{ args.order_id }}",
            "require": {"status": "pending"},
            "set": {"status": "cancelled"},
        }
    },
}
CHARGE = {
    "mocks": {"charge_card": [{"return": {"status": "charged"}}]},
    "faults": [{"tool": "charge_card", "on_attempt": "first", "inject": "timeout"}],
}
DATAFLOW = [
    {"tool": "search_flights", "id": "search"},
    {
        "tool": "book_flight",
        "args": {"flight_id": {"$from": "search.result.flights[1].id"}},
    },
]
WALLET = "trip_env:Wallet"

# id, run() keys, the spec's expect, the Python assertion on `result`, the model's turns
CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, list[Any]]] = [
    (
        "dataflow_passes",
        {"mocks": FLIGHT_MOCKS},
        {"calls": DATAFLOW, "reply": {"contains": "BK-FR8812"}},
        f"result.check(calls={DATAFLOW!r}, reply={{'contains': 'BK-FR8812'}})",
        [
            calls(SEARCH),
            calls(call("book_flight", flight_id="FR8812")),
            {"text": "BK-FR8812"},
        ],
    ),
    (
        "dataflow_guessed",
        {"mocks": FLIGHT_MOCKS, "max_steps": 4},
        {"calls": DATAFLOW},
        f"result.assert_calls({DATAFLOW!r})",
        [
            calls(SEARCH),
            calls(call("book_flight", flight_id="AZ331")),
            {"text": "Done."},
        ],
    ),
    (
        "reply_mismatch",
        {"mocks": FLIGHT_MOCKS},
        {"reply": {"contains": "BK-AZ331", "not_contains": "FR8812"}},
        'result.assert_reply(contains="BK-AZ331", not_contains=["FR8812"])',
        [
            calls(SEARCH),
            calls(call("book_flight", flight_id="FR8812")),
            {"text": "BK-FR8812"},
        ],
    ),
    (
        "state_passes",
        {"environment": ORDERS},
        {
            "state": {
                "match": {"orders": {"O1": {"status": "cancelled"}}},
                "unchanged": ["users"],
            }
        },
        'result.assert_state(match={"orders": {"O1": {"status": "cancelled"}}}, '
        'unchanged=["users"])',
        [calls(call("cancel_order", order_id="O1")), {"text": "Cancelled."}],
    ),
    (
        "state_mismatch",
        {"environment": ORDERS},
        {"state": {"match": {"orders": {"O1": {"status": "cancelled"}}}}},
        'result.assert_state(match={"orders": {"O1": {"status": "cancelled"}}})',
        [calls(call("cancel_order", order_id="O2")), {"text": "Cancelled."}],
    ),
    (
        "recovered",
        CHARGE,
        {"recover": {"from": "charge_card", "by": "retry"}},
        'result.assert_recovered(from_="charge_card", by="retry")',
        [calls(call("charge_card", amount=120))] * 2 + [{"text": "Charged."}],
    ),
    (
        "no_recovery",
        CHARGE,
        {"recover": {"from": "charge_card", "by": ["retry", "report"], "within": 1}},
        'result.assert_recovered(from_="charge_card", by=["retry", "report"], within=1)',
        [
            calls(call("charge_card", amount=120)),
            {"text": "Your payment was successful!"},
        ],
    ),
    (
        "retry_storm",
        {"mocks": FLIGHT_MOCKS, "max_steps": 3},
        {"max_identical_calls": 2},
        "result.check(max_identical_calls=2)",
        [calls(SEARCH)] * 3,
    ),
    (
        "unmatched_fail",
        {
            "mocks": {
                "book_flight": [{"when": {"flight_id": "AZ331"}, "return": "ok"}],
                "on_unmatched": "fail",
            }
        },
        {"call": "book_flight"},
        'result.assert_called("book_flight")',
        [calls(call("book_flight", flight_id="FR8812")), {"text": "Booked."}],
    ),
    (
        "wallet_class",  # Python gives the class itself
        {"environment": {"python": WALLET, "init": {"balance": 10}}},
        {"state": {"match": {"balance": 15}}, "reply": {"regex": "15"}},
        'result.check(state={"match": {"balance": 15}}, reply={"regex": "15"})',
        [calls(call("deposit", amount=5)), {"text": "Your balance is 15."}],
    ),
    (
        "wallet_shorthand",  # Python gives environment=Wallet
        {"environment": {"python": WALLET}},
        {"state": {"unchanged": "all"}},
        'result.assert_state(unchanged="all")',
        [calls(call("deposit", amount=5)), {"text": "Done."}],
    ),
]

PASSING = 4  # dataflow_passes, state_passes, recovered, wallet_class

CODES = {
    "arg_mismatch",
    "unexpected_call",
    "missing_call",
    "reply_mismatch",
    "state_mismatch",
    "no_recovery",
    "loop_detected",
    "max_steps",
    "schema_violation",
    "unknown_tool",
}
CODE_LINE = re.compile(r"^(?:E\s+)?([a-z_]+): ", re.MULTILINE)


def python_keys(case: str, keys: dict[str, Any]) -> str:
    """The keyword arguments of ``fncall.run()``: the class itself for the wallet."""
    if case == "wallet_shorthand":
        return "environment=Wallet"
    text = ", ".join(f"{key}={value!r}" for key, value in keys.items())
    return text.replace(repr(WALLET), "Wallet")


def write_project(pytester: pytest.Pytester) -> Path:
    """``trip/`` holds the spec, the tests and their data file (relative paths resolve
    against it); ``trip_env.py`` (the Python environment) is at the root."""
    pytester.makepyfile(trip_env=ENV_MODULE)
    pytester.syspathinsert()
    trip = pytester.path / "trip"
    (trip / "data").mkdir(parents=True)
    (trip / "data" / "flights.json").write_text(json.dumps(FLIGHTS), encoding="utf-8")
    spec = {
        "version": 1,
        "tools": TOOLS,
        "cases": [
            {"id": case, "prompt": "x", **keys, "expect": expect}
            for case, keys, expect, _, _ in CASES
        ],
    }
    (trip / "trip.fncall.yaml").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    tests = [
        f"from trip_env import Wallet\n\nTOOLS = {TOOLS!r}\n",
        *(
            f"\n\ndef test_{case}(fncall):\n"
            f'    result = fncall.run(prompt="x", tools=TOOLS, {python_keys(case, keys)})\n'
            f"    {assertion}\n"
            for case, keys, _, assertion, _ in CASES
        ),
    ]
    (trip / "test_trip.py").write_text("".join(tests), encoding="utf-8")
    script = {
        key: turns for case, _, _, _, turns in CASES for key in (case, f"test_{case}")
    }
    (pytester.path / "script.yaml").write_text(json.dumps(script), encoding="utf-8")
    return trip


def verdicts(path: Path) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(kind, case) -> (outcome, sorted failure codes), from a JUnit XML file."""
    found = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "").split("[")[0]
        kind = "python" if name.startswith("test_") else "yaml"
        problems = [c for c in case if c.tag in ("failure", "error", "skipped")]
        outcome = problems[0].tag if problems else "passed"
        text = "".join((p.text or "") + (p.get("message") or "") for p in problems[:1])
        codes = sorted(set(CODE_LINE.findall(text)) & CODES)
        found[(kind, name.removeprefix("test_"))] = (outcome, codes)
    return found


EXPECTED_CODES = {
    "dataflow_passes": [],
    "dataflow_guessed": ["arg_mismatch"],
    "reply_mismatch": ["reply_mismatch"],
    "state_passes": [],
    "state_mismatch": ["state_mismatch"],
    "recovered": [],
    "no_recovery": ["no_recovery"],
    "retry_storm": ["loop_detected", "max_steps"],
    "unmatched_fail": ["unexpected_call"],
    "wallet_class": [],
    "wallet_shorthand": ["state_mismatch"],
}


def test_python_loop_runs_and_yaml_cases_agree(
    pytester, run_pytest, plugin_args, tmp_path
):
    write_project(pytester)
    xml = tmp_path / "junit.xml"
    result = run_pytest(SCRIPTED, f"--junitxml={xml}", *plugin_args)
    result.assert_outcomes(passed=2 * PASSING, failed=2 * (len(CASES) - PASSING))
    found = verdicts(xml)
    assert len(found) == 2 * len(CASES)
    for case, *_ in CASES:
        assert found[("python", case)] == found[("yaml", case)], case
    assert {case: found[("python", case)][1] for case, *_ in CASES} == EXPECTED_CODES


def test_failures_read_as_the_spec_items_and_name_the_earlier_result(
    pytester, run_pytest
):
    write_project(pytester)
    result = run_pytest(SCRIPTED, "-k", "dataflow_guessed or retry_storm", "-v")
    result.assert_outcomes(failed=4)
    output = result.stdout.str()
    for line in (
        "E       arg_mismatch: book_flight was called with arguments the case does "
        "not expect",
        "E           differs:  $.flight_id: expected from "
        "search.result.flights[1].id, *",
        "E       max_steps: the model was still calling tools after 3 steps "
        "(max_steps: 3)",
        "E       loop_detected: search_flights(*) was made 3 times with identical "
        "arguments (max_identical_calls: 2)",
        "E *-> result: *AZ331*",  # the transcript shows the tool results
    ):
        result.stdout.fnmatch_lines([line.replace("[", "[[]")])
    assert "api_result.py" not in output
    assert "api_loop.py" not in output


def test_the_result_holds_tool_results_state_and_reply(pytester, run_pytest):
    write_project(pytester)
    (pytester.path / "trip" / "test_data.py").write_text(
        f"""\
from trip_env import Wallet

TOOLS = {TOOLS!r}
CHARGE_KEYS = {CHARGE!r}


def search(args, ctx):  # a mock's `py:`, given as the function itself
    return {{"flights": [args["destination"].upper()], "attempt": ctx["attempt"]}}


def test_data(fncall):
    result = fncall.run(prompt="x", tools=TOOLS, environment=Wallet, **CHARGE_KEYS)
    assert [c.name for c in result.calls] == ["charge_card", "deposit"]
    fault, deposit = result.tool_results
    assert (fault.is_error, fault.fault) == (True, "timeout")
    assert deposit.value == {{"balance": 5}}
    assert result.final_state == {{"balance": 5}}
    assert result.text == "Done."
    assert len(result.trajectory.steps) == 3
    result.assert_reply(contains="done")
    mocks = {{"search_flights": [{{"py": search}}]}}
    searched = fncall.run(prompt="x", tools=TOOLS, mocks=mocks, id="py")
    assert searched.tool_results[0].value == {{"flights": ["ROME"], "attempt": 1}}
    assert searched.final_state is None
""",
        encoding="utf-8",
    )
    turns = [
        calls(call("charge_card", amount=5)),
        calls(call("deposit", amount=5)),
        {"text": "Done."},
    ]
    script = {"test_data": turns, "py": [calls(SEARCH), {"text": "Rome."}]}
    (pytester.path / "script.yaml").write_text(json.dumps(script), encoding="utf-8")
    run_pytest(SCRIPTED, "trip/test_data.py").assert_outcomes(passed=1)


def test_cassettes_record_loop_runs_and_replay_them_offline(
    pytester, run_pytest, plugin_args
):
    trip = write_project(pytester)
    args = (SCRIPTED, "-k", "test_", *plugin_args)
    recorded = run_pytest(*args, "--fncall-record-mode=once")
    recorded.assert_outcomes(passed=PASSING, failed=len(CASES) - PASSING)
    cassette = trip / "__fncall_cassettes__" / "test_trip.json"
    exchanges = json.loads(cassette.read_text(encoding="utf-8"))["exchanges"]
    per_case: dict[str, int] = {}
    for exchange in exchanges:
        per_case[exchange["case"]] = per_case.get(exchange["case"], 0) + 1
    assert per_case == {
        f"test_{case}": len(turns) - (case == "unmatched_fail")  # stops after 1 step
        for case, _, _, _, turns in CASES
    }
    (pytester.path / "script.yaml").unlink()  # replay needs no model
    replayed = run_pytest(*args, "--fncall-record-mode=none")
    replayed.assert_outcomes(passed=PASSING, failed=len(CASES) - PASSING)
    replayed.stdout.fnmatch_lines(["*no_recovery: no recovery of charge_card*"])


# --- usage errors --------------------------------------------------------------------

# id, run() keys, the message (after the key path, which YAML prefixes with cases.<id>.);
# the first two are found when compiling, the others by the shape (pydantic), which a
# YAML file reports before compiling anything
BAD_KEYS: list[tuple[str, dict[str, Any], str]] = [
    (
        "unknown_tool",
        {"mocks": {"book_fligt": [{"return": 1}]}},
        "mocks.book_fligt: unknown tool 'book_fligt' (did you mean 'book_flight'?): "
        "every simulated tool must be declared in 'tools' (declared: *)",
    ),
    (
        "missing_file",
        {"mocks": {"search_flights": [{"return_file": "data/nope.json"}]}},
        "mocks.search_flights[0].return_file: file not found: *nope.json",
    ),
    (
        "two_outcomes",
        {"mocks": {"book_flight": [{"return": 1, "error": "no"}]}},
        "mocks.book_flight[0]: give exactly one of return, return_file, error or py "
        "(got return and error)",
    ),
    (
        "bad_inject",
        {"faults": [{"tool": "charge_card", "inject": "explode"}]},
        "faults[0].inject: Input should be 'error', 'timeout', *",
    ),
    (
        "store_and_class",
        {"environment": {"python": WALLET, "store": {}}},
        "environment: 'python' (a class) and store (a store) are two kinds of "
        "environment: use one",
    ),
    (
        "no_steps",
        {"mocks": FLIGHT_MOCKS, "max_steps": 0},
        "max_steps: Input should be greater than or equal to 1",
    ),
]


def test_mistakes_in_the_loop_keys_give_the_yaml_loaders_path_and_message(
    pytester, run_pytest
):
    trip = write_project(pytester)
    for name, cases in (("trip", BAD_KEYS[:2]), ("shape", BAD_KEYS[2:])):
        spec = {
            "version": 1,
            "tools": TOOLS,
            "cases": [{"id": case, "prompt": "x", **keys} for case, keys, _ in cases],
        }
        text = json.dumps(spec, indent=1)
        (trip / f"{name}.fncall.yaml").write_text(text, encoding="utf-8")
    (trip / "test_trip.py").write_text(
        f"TOOLS = {TOOLS!r}\n"
        + "".join(
            f"\n\ndef test_{case}(fncall):\n"
            f'    fncall.run(prompt="x", tools=TOOLS, **{keys!r})\n'
            for case, keys, _ in BAD_KEYS
        ),
        encoding="utf-8",
    )
    result = run_pytest(SCRIPTED, "--continue-on-collection-errors")
    result.assert_outcomes(failed=len(BAD_KEYS), errors=2)
    for case, _, message in BAD_KEYS:
        python = f"E   *FncallUsageError: {message}"
        yaml = f"*.fncall.yaml:*: cases.{case}.{message}"
        result.stdout.fnmatch_lines([python.replace("[", "[[]")])
        result.stdout.fnmatch_lines([yaml.replace("[", "[[]")])


def test_mistakes_of_a_python_run_are_usage_errors(pytester, run_pytest):
    write_project(pytester)
    (pytester.path / "trip" / "test_mistakes.py").write_text(
        f"""\
import pytest

from pytest_fncall import FncallUsageError

TOOLS = {TOOLS!r}
MOCKS = {FLIGHT_MOCKS!r}


def fails(call, message):
    with pytest.raises(FncallUsageError) as caught:
        call()
    assert str(caught.value) == message


def test_mistakes(fncall):
    run = fncall.run

    class Local:
        def deposit(self, amount):
            pass

    fails(
        lambda: run(prompt="x", tools=TOOLS, environment=Local),
        "environment.python: test_mistakes.<locals>.Local cannot be found again by "
        "its name (it is not defined at the top level of an imported module): define "
        "it there, or give 'package.module:Name'",
    )
    fails(
        lambda: run(prompt="x", tools=TOOLS, max_steps=3),
        "max_steps: 'max_steps' limits loop mode, and this run has no simulated "
        "tools: give fncall.run() mocks=, environment= or faults= so that its tools "
        "answer",
    )
    fails(
        lambda: run(prompt="x", tools=TOOLS, mocks={{"search_flights": [{{"return": {{1, 2}}}}]}}),
        "mocks: the loop-mode keys are JSON data (as in a spec file), with classes and "
        "functions only where a spec names one: Object of type set is not JSON "
        "serializable",
    )
    single = run(prompt="x", tools=TOOLS, id="single")
    fails(
        lambda: single.assert_state(match={{"orders": {{}}}}),
        "expect.state: needs loop mode: give fncall.run() mocks=, environment= or "
        "faults= so that its tools answer",
    )
    fails(
        lambda: single.assert_recovered(from_="charge_card", by="retry"),
        "expect.recover: needs loop mode: give fncall.run() mocks=, environment= or "
        "faults= so that its tools answer",
    )
    fails(
        lambda: single.assert_calls(
            [
                {{"tool": "search_flights", "id": "s"}},
                {{"tool": "book_flight", "args": {{"flight_id": {{"$from": "s.result.id"}}}}}},
            ]
        ),
        "expect.calls: $from takes values from tool results, which need loop mode: "
        "give fncall.run() mocks= or environment=",
    )
    looped = run(prompt="x", tools=TOOLS, mocks=MOCKS, id="looped")
    fails(
        lambda: looped.assert_state(match={{"orders": {{}}}}),
        "expect.state: 'state' checks the final state of an 'environment', and this "
        "run has none (mocks keep no state)",
    )
    fails(
        lambda: looped.assert_recovered(from_="charge_crd", by="retry"),
        "expect.recover.from: 'charge_crd' names no declared tool (did you mean "
        "'charge_card'?)",
    )
    fails(
        lambda: looped.assert_reply(),
        "expect.reply: 'reply' needs at least one of contains, not_contains, regex, "
        "not_regex",
    )
""",
        encoding="utf-8",
    )
    turns = [calls(SEARCH), {"text": "Done."}]
    script = {"single": [{"text": "hi"}], "looped": turns}
    (pytester.path / "script.yaml").write_text(json.dumps(script), encoding="utf-8")
    result = run_pytest(SCRIPTED, "trip/test_mistakes.py")
    result.assert_outcomes(passed=1)
