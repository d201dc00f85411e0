"""Repeated trials (pass^k) and overlapping model runs, serially and under xdist."""

from __future__ import annotations

import threading
import time

import pytest

FLAKY_MODEL = """
import threading
_lock = threading.Lock()
_calls = {"n": 0}

def respond(request):
    # Trials 1, 3 and 5 pick the right tool; 2 and 4 do not: 3 of 5 pass.
    with _lock:
        _calls["n"] += 1
        number = _calls["n"]
    name = "get_weather" if number % 2 else "get_time"
    arguments = '{"city": "Paris"}' if number % 2 else '{"tz": "UTC"}'
    return {"content": None, "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": name, "arguments": arguments}}]}
"""


def case(repeat: str) -> str:
    return f"""\
cases:
  - id: flaky
    prompt: Weather in Paris?
    repeat: {repeat}
    expect: {{call: get_weather}}
"""


def test_three_of_five_passes_at_060_and_fails_at_080(make_spec, run_pytest, pytester):
    pytester.makepyfile(flaky_model=FLAKY_MODEL)
    make_spec(body=case("{n: 5, min_pass_rate: 0.6}"))
    run_pytest("--fncall-model=python/flaky_model:respond").assert_outcomes(passed=1)

    make_spec(body=case("{n: 5, min_pass_rate: 0.8}"))
    result = run_pytest("--fncall-model=python/flaky_model:respond")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "unreliable: 3/5 trials passed; pass^1 0.60 < 0.80",
            "    trial *: wrong_tool",
            "    trial *: wrong_tool",
            "    to relax: repeat: {n, min_pass_rate | max_failures | pass_hat_k} sets the "
            "bar (README.md#repeated-trials)",
        ],
        consecutive=True,
    )


def test_repeat_option_overrides_the_spec(make_spec, run_pytest, pytester):
    pytester.makepyfile(flaky_model=FLAKY_MODEL)
    make_spec(body=case("{n: 5, min_pass_rate: 0.6}"))
    result = run_pytest(
        "--fncall-model=python/flaky_model:respond", "--fncall-repeat=2"
    )
    result.assert_outcomes(failed=1)  # 1/2 < 0.6
    result.stdout.fnmatch_lines(["unreliable: 1/2 trials passed; pass^1 0.50 < 0.60"])


def test_pass_hat_k_and_early_stop(make_spec, run_pytest, pytester):
    pytester.makepyfile(flaky_model=FLAKY_MODEL)
    make_spec(body=case("{n: 5, pass_hat_k: {k: 2, min: 0.5}, early_stop: true}"))
    result = run_pytest("--fncall-model=python/flaky_model:respond")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["unreliable: */* trials passed; pass^2 * < 0.50"])


SPEC_MANY = "cases:\n" + "".join(
    f"  - id: c{i}\n    prompt: Weather in city {i}?\n    expect: {{call: get_weather}}\n"
    for i in range(12)
)


def test_runs_overlap_up_to_the_concurrency_limit(
    make_spec, run_pytest, loopback_server
):
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def answer(path, body):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.2)
        with lock:
            state["now"] -= 1
        call = {
            "id": "c",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "X"}'},
        }
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        return (
            200,
            {"choices": [{"message": message, "finish_reason": "tool_calls"}]},
            {},
        )

    loopback_server.responder = answer
    make_spec(body=SPEC_MANY)
    result = run_pytest(
        "--fncall-model=openai/m",
        f"--fncall-base-url={loopback_server.url}/v1",
        "--fncall-concurrency=4",
    )
    result.assert_outcomes(passed=12)
    assert state["peak"] == 4  # overlapping, and never more than the limit


def test_exitfirst_cancels_outstanding_runs_and_leaves_no_thread(
    make_spec, run_pytest, loopback_server
):
    def answer(path, body):
        time.sleep(0.3)
        message = {"role": "assistant", "content": "no tool"}
        return 200, {"choices": [{"message": message, "finish_reason": "stop"}]}, {}

    loopback_server.responder = answer
    make_spec(body=SPEC_MANY)
    result = run_pytest(
        "--fncall-model=openai/m",
        f"--fncall-base-url={loopback_server.url}/v1",
        "--fncall-concurrency=2",
        "-x",
    )
    result.assert_outcomes(failed=1)
    assert len(loopback_server.requests) < 12  # the rest were cancelled, not sent
    assert not [t for t in threading.enumerate() if t.name == "pytest-fncall-scheduler"]


@pytest.mark.parametrize(
    "repeat", ["{n: 5, min_pass_rate: 0.6}", "{n: 5, min_pass_rate: 0.8}"]
)
def test_xdist_gives_the_same_verdicts(make_spec, run_pytest, pytester, repeat):
    pytester.makepyfile(flaky_model=FLAKY_MODEL)
    make_spec(body=case(repeat))
    serial = run_pytest("--fncall-model=python/flaky_model:respond")
    distributed = run_pytest("--fncall-model=python/flaky_model:respond", "-n", "2")
    assert serial.parseoutcomes() == distributed.parseoutcomes()
