"""Loop mode end to end over the OpenAI wire: a real HTTP server scripts the model's
answers from the conversation it receives, the plugin answers the calls with simulated
tools, and pytest reports the verdict."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Reply = Callable[[list[dict[str, Any]]], dict[str, Any]]

TOOLS = """\
version: 1
tools:
  - name: search_flights
    description: Flights between two cities.
    parameters:
      type: object
      properties:
        origin: {type: string}
        destination: {type: string}
      required: [origin, destination]
  - name: book_flight
    description: Book a flight by its id.
    parameters:
      type: object
      properties:
        flight_id: {type: string}
      required: [flight_id]
  - name: charge_card
    description: Charge the customer's card.
    parameters:
      type: object
      properties:
        amount: {type: number}
      required: [amount]
"""


def call(name: str, arguments: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


def assistant(text: str | None = None, *calls: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = list(calls)
    return {
        "choices": [
            {"message": message, "finish_reason": "tool_calls" if calls else "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5},
    }


def tool_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["role"] == "tool"]


class ScriptedModel:
    """Answers each request from the script of its first user message: the n-th
    request of a conversation (n = assistant messages so far) gets the n-th reply."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[Reply]] = {}

    def script(self, prompt: str, *replies: Reply | dict[str, Any]) -> None:
        self.scripts[prompt] = [
            reply if callable(reply) else (lambda _m, r=reply: r) for reply in replies
        ]

    def __call__(self, path: str, body: Any) -> Any:
        messages = body["messages"]
        prompt = next(m["content"] for m in messages if m["role"] == "user")
        step = sum(1 for m in messages if m["role"] == "assistant")
        replies = self.scripts[prompt]
        reply = replies[min(step, len(replies) - 1)]
        return (200, reply(messages), {})


@pytest.fixture
def model(loopback_server: Any) -> ScriptedModel:
    scripted = ScriptedModel()
    loopback_server.responder = scripted
    return scripted


@pytest.fixture
def run_loop(
    pytester: pytest.Pytester,
    loopback_server: Any,
    run_pytest: Callable[..., pytest.RunResult],
    plugin_args: list[str],
) -> Callable[..., pytest.RunResult]:
    """Run the spec serially and under xdist: verdicts and reports must agree."""

    def run(body: str, *args: str) -> pytest.RunResult:
        path = pytester.path / "trip.fncall.yaml"
        path.write_text(TOOLS + textwrap.dedent(body), encoding="utf-8")
        return run_pytest(
            *plugin_args,
            "--fncall-model=openai/scripted",
            f"--fncall-base-url={loopback_server.url}/v1",
            "--fncall-max-retries=0",
            *args,
        )

    return run


def test_tool_result_goes_back_under_the_models_call_id_and_reaches_the_reply(
    model: ScriptedModel,
    loopback_server: Any,
    run_loop: Callable[..., pytest.RunResult],
) -> None:
    def reply_with_result(messages: list[dict[str, Any]]) -> dict[str, Any]:
        (result,) = tool_messages(messages)
        flights = json.loads(result["content"])["flights"]
        return assistant(f"The flight is {flights[0]['id']}.")

    model.script(
        "Find me a flight from Paris to Rome.",
        assistant(
            None,
            call("search_flights", {"origin": "Paris", "destination": "Rome"}, "c_91x"),
        ),
        reply_with_result,
    )
    result = run_loop(
        """
        mocks:
          search_flights:
            - when: {destination: Rome}
              return: {flights: [{id: "AZ{{ args.origin }}7"}]}
        cases:
          - id: find
            prompt: Find me a flight from Paris to Rome.
            expect:
              call: search_flights
              args: {destination: Rome}
              reply: {contains: AZParis7}
        """
    )
    result.assert_outcomes(passed=1)
    second = loopback_server.requests[1][2]["messages"]
    assert second[-1] == {
        "role": "tool",
        "tool_call_id": "c_91x",
        "name": "search_flights",
        "content": '{"flights": [{"id": "AZParis7"}]}',
    }
    assert second[-2]["tool_calls"][0]["id"] == "c_91x"


def test_calls_in_the_wrong_order_fail_with_order_violation(
    model: ScriptedModel, run_loop: Callable[..., pytest.RunResult]
) -> None:
    model.script(
        "Book the Rome flight.",
        assistant(None, call("book_flight", {"flight_id": "AZ7"}, "c1")),
        assistant(
            None,
            call("search_flights", {"origin": "Paris", "destination": "Rome"}, "c2"),
        ),
        assistant("Booked."),
    )
    result = run_loop(
        """
        mocks:
          search_flights: [{return: {flights: [{id: AZ7}]}}]
          book_flight: [{return: {status: booked}}]
        cases:
          - id: order
            prompt: Book the Rome flight.
            expect:
              calls: [search_flights, book_flight]
        """
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*order_violation*"])


DATAFLOW = """
mocks:
  search_flights: [{return: {flights: [{id: AZ7}, {id: LH2}]}}]
  book_flight: [{return: {status: booked}}]
cases:
  - id: dataflow
    prompt: Book the first Rome flight.
    expect:
      calls:
        - {tool: search_flights, id: search}
        - tool: book_flight
          args: {flight_id: {$from: "search.result.flights[0].id"}}
"""


@pytest.mark.parametrize(("booked", "outcome"), [("AZ7", "passed"), ("LH2", "failed")])
def test_from_takes_the_value_of_an_earlier_result(
    model: ScriptedModel,
    run_loop: Callable[..., pytest.RunResult],
    booked: str,
    outcome: str,
) -> None:
    model.script(
        "Book the first Rome flight.",
        assistant(
            None,
            call("search_flights", {"origin": "Paris", "destination": "Rome"}, "c1"),
        ),
        assistant(None, call("book_flight", {"flight_id": booked}, "c2")),
        assistant("Done."),
    )
    result = run_loop(DATAFLOW)
    result.assert_outcomes(**{outcome: 1})
    if outcome == "failed":
        assert (
            "    differs:  $.flight_id: expected from search.result.flights[0].id, "
            "got 'LH2': search.result.flights[0].id was 'AZ7' (call #1)\n"
        ) in result.stdout.str()
        result.stdout.fnmatch_lines(["arg_mismatch: book_flight was called with*"])


def test_from_refuses_a_value_from_the_same_step(
    model: ScriptedModel, run_loop: Callable[..., pytest.RunResult]
) -> None:
    # the model guessed the id in the same message as the search: not taken from it
    model.script(
        "Book the first Rome flight.",
        assistant(
            None,
            call("search_flights", {"origin": "Paris", "destination": "Rome"}, "c1"),
            call("book_flight", {"flight_id": "AZ7"}, "c2"),
        ),
        assistant("Done."),
    )
    result = run_loop(DATAFLOW)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no call in an earlier step matches pattern*"])


RECOVERY = """
faults:
  - {tool: charge_card, on_attempt: [1], inject: timeout}
mocks:
  charge_card: [{return: {status: charged}}]
cases:
  - id: payment
    prompt: Charge 30 euros.
    expect:
      recover: {from: charge_card, by: retry}
"""


def test_a_retry_after_a_fault_recovers(
    model: ScriptedModel,
    loopback_server: Any,
    run_loop: Callable[..., pytest.RunResult],
) -> None:
    model.script(
        "Charge 30 euros.",
        assistant(None, call("charge_card", {"amount": 30}, "c1")),
        assistant(None, call("charge_card", {"amount": 30}, "c2")),
        assistant("Charged 30 euros."),
    )
    result = run_loop(RECOVERY)
    result.assert_outcomes(passed=1)
    (fault,) = tool_messages(loopback_server.requests[1][2]["messages"])
    assert fault["content"].startswith("Error: ")  # no error flag on the OpenAI wire
    assert "timed out" in fault["content"]
    assert "is_error" not in fault


def test_claiming_success_after_a_fault_is_no_recovery(
    model: ScriptedModel, run_loop: Callable[..., pytest.RunResult]
) -> None:
    model.script(
        "Charge 30 euros.",
        assistant(None, call("charge_card", {"amount": 30}, "c1")),
        assistant("Done! Your card was charged 30 euros."),
    )
    result = run_loop(RECOVERY)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no_recovery*"])


def test_a_model_that_never_stops_fails_with_max_steps(
    model: ScriptedModel,
    loopback_server: Any,
    run_loop: Callable[..., pytest.RunResult],
) -> None:
    model.script(
        "Search forever.",
        assistant(
            None,
            call("search_flights", {"origin": "Paris", "destination": "Rome"}, "c1"),
        ),
    )
    result = run_loop(
        """
        mocks:
          search_flights: [{return: {flights: []}}]
        cases:
          - id: endless
            prompt: Search forever.
            max_steps: 3
        """
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*max_steps: the model was still calling tools after 3 steps (max_steps: 3)*"]
    )
    assert len(loopback_server.requests) == 3


def test_python_environment_state_is_checked(
    model: ScriptedModel,
    pytester: pytest.Pytester,
    run_loop: Callable[..., pytest.RunResult],
) -> None:
    pytester.makepyfile(
        bank="""
        class Bank:
            def __init__(self, balance):
                self.balance = balance
                self.charges = []

            def charge_card(self, amount):
                if amount > self.balance:
                    raise ValueError("insufficient funds")
                self.balance -= amount
                self.charges.append(amount)
                return {"status": "charged", "balance": self.balance}
        """
    )
    pytester.syspathinsert()
    model.script(
        "Charge 30 euros.",
        assistant(None, call("charge_card", {"amount": 30}, "c1")),
        assistant("Charged."),
    )
    body = """
        environment:
          python: bank:Bank
          init: {{balance: 100}}
        cases:
          - id: state
            prompt: Charge 30 euros.
            expect:
              state: {{match: {{balance: {balance}, charges: [30]}}}}
        """
    run_loop(body.format(balance=70)).assert_outcomes(passed=1)
    result = run_loop(body.format(balance=100))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*state_mismatch*"])


def test_multi_turn_checks_each_turn_on_its_own(
    model: ScriptedModel,
    loopback_server: Any,
    run_loop: Callable[..., pytest.RunResult],
) -> None:
    def by_turn(messages: list[dict[str, Any]]) -> dict[str, Any]:
        last_user = [m for m in messages if m["role"] == "user"][-1]["content"]
        if messages[-1]["role"] == "tool":
            return assistant("Here you go.")
        if "book" in last_user:
            return assistant(None, call("book_flight", {"flight_id": "AZ7"}, "c2"))
        return assistant(
            None,
            call("search_flights", {"origin": "Paris", "destination": "Rome"}, "c1"),
        )

    model.script("Flights to Rome?", by_turn)
    result = run_loop(
        """
        mocks:
          search_flights: [{return: {flights: [{id: AZ7}]}}]
          book_flight: [{return: {status: booked}}]
        cases:
          - id: turns
            prompt: Flights to Rome?
            expect:
              calls: [search_flights, book_flight]
            turns:
              - expect: {call: search_flights}
              - user: Please book it.
                expect: {call: search_flights}
        """,
        "-v",
    )
    result.assert_outcomes(failed=1)
    # the second turn booked, as the case-level order says, but not what turn 2 expects
    result.stdout.fnmatch_lines(
        [
            "wrong_tool: turn 2: expected a call to search_flights, the model called "
            "book_flight",
            "transcript:",
            "    user: Flights to Rome?",
            '    assistant (step 1) calls search_flights(origin="Paris", '
            'destination="Rome")',
            '      -> result: {"flights": [{"id": "AZ7"}]}',
            "    assistant (step 2): Here you go.",
            "    user (turn 2): Please book it.",
            '    assistant (step 3) calls book_flight(flight_id="AZ7")',
            '      -> result: {"status": "booked"}',
            "    assistant (step 4): Here you go.",
        ]
    )
    users = [
        m["content"]
        for m in loopback_server.requests[-1][2]["messages"]
        if m["role"] == "user"
    ]
    assert users == ["Flights to Rome?", "Please book it."]


def test_loop_keys_in_a_single_mode_case_are_refused(
    pytester: pytest.Pytester, run_loop: Callable[..., pytest.RunResult]
) -> None:
    result = run_loop(
        """
        cases:
          - id: single
            prompt: Book it.
            expect:
              recover: {from: charge_card, by: retry}
        """
    )
    result.stdout.fnmatch_lines(
        [
            "*trip.fncall.yaml:*: cases.single.expect.recover: 'recover' needs loop "
            "mode: give the case (or the file) 'mocks', an 'environment' or 'faults' "
            "so that its tools answer"
        ]
    )
    # a collection error: serially pytest stops (2); xdist reports it and fails (1)
    assert result.ret in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.TESTS_FAILED)
    result.assert_outcomes(errors=1)


def test_report_and_snapshot_hold_the_tool_results(
    model: ScriptedModel,
    pytester: pytest.Pytester,
    run_loop: Callable[..., pytest.RunResult],
) -> None:
    model.script(
        "Charge 30 euros.",
        assistant(None, call("charge_card", {"amount": 30}, "c1")),
        assistant(None, call("charge_card", {"amount": 30}, "c2")),
        assistant("Charged 30 euros."),
    )
    report = pytester.path / "report.json"
    run_loop(
        RECOVERY, f"--fncall-report={report}", "--fncall-snapshot", "--snapshot-update"
    ).assert_outcomes(passed=1)
    data = json.loads(report.read_text())
    (trial,) = data["cases"][0]["trials"]
    results = [c["result"] for step in trial["steps"] for c in step["calls"]]
    assert results[0]["is_error"] is True
    assert results[0]["fault"] == "timeout"
    assert results[1] == {
        "content": '{"status": "charged"}',
        "is_error": False,
        "fault": None,
    }
    assert trial["stopped"] is None
    snapshots = list(Path(pytester.path, "__fncall_snapshots__").rglob("*.json"))
    (snapshot,) = snapshots
    assert '"is_error": true' in snapshot.read_text()
