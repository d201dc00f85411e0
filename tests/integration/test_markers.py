"""Markers: every item carries ``fncall``; check kinds and YAML marks select items."""

from __future__ import annotations

SPEC = """\
cases:
  - id: picks_tool
    prompt: x
    expect: {call: get_weather}
  - id: checks_args
    prompt: x
    marks: [smoke]
    expect: {call: get_weather, args: {city: Paris}}
  - id: checks_order
    prompt: x
    expect:
      calls: [get_time, get_weather]
  - id: only_implicit
    prompt: x
  - id: known_bug
    prompt: x
    marks: [{xfail: "the model confuses the tools"}]
    expect: {call: get_time}
"""

SCRIPT = """\
picks_tool: [{calls: [{name: get_weather, arguments: {city: Paris}}]}]
checks_args: [{calls: [{name: get_weather, arguments: {city: Paris}}]}]
checks_order:
  - calls:
      - {name: get_time, arguments: {tz: UTC}}
      - {name: get_weather, arguments: {city: Paris}}
only_implicit: [{text: hello}]
known_bug: [{calls: [{name: get_weather, arguments: {city: Paris}}]}]
"""


def selected(run_pytest, *args: str) -> list[str]:
    result = run_pytest(
        "--fncall-model=scripted/script.yaml", "--collect-only", "-q", *args
    )
    return [
        line.split("::")[1].split("[")[0] for line in result.outlines if "::" in line
    ]


def test_markers_select_kinds_of_checks(make_spec, make_script, run_pytest, pytester):
    pytester.makeini("[pytest]\nmarkers =\n    smoke: quick cases\n")
    make_spec(body=SPEC)
    make_script(SCRIPT)
    everything = [
        "picks_tool",
        "checks_args",
        "checks_order",
        "only_implicit",
        "known_bug",
    ]
    assert selected(run_pytest, "-m", "fncall") == everything
    assert selected(run_pytest, "-m", "fncall_order") == ["checks_order"]
    assert selected(run_pytest, "-m", "fncall_args") == ["checks_args"]
    assert selected(run_pytest, "-m", "fncall_tool_choice") == [
        "picks_tool",
        "checks_args",
        "checks_order",
        "known_bug",
    ]
    assert selected(run_pytest, "-m", "smoke") == ["checks_args"]
    assert selected(run_pytest, "-m", "not fncall_tool_choice") == ["only_implicit"]


def test_yaml_xfail_mark_applies(make_spec, make_script, run_pytest, pytester):
    pytester.makeini("[pytest]\nmarkers =\n    smoke: quick cases\n")
    make_spec(body=SPEC)
    make_script(SCRIPT)
    result = run_pytest(
        "--fncall-model=scripted/script.yaml", "--strict-markers", "-rx"
    )
    result.assert_outcomes(passed=4, xfailed=1)
    result.stdout.fnmatch_lines(["XFAIL *::known_bug*the model confuses the tools"])


def test_markers_are_registered(run_pytest):
    result = run_pytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.fncall: a pytest-fncall case from a *.fncall.yaml spec",
            "@pytest.mark.fncall_tool_choice: an fncall case that checks which tools are called",
            "@pytest.mark.fncall_args: an fncall case that checks argument values",
            "@pytest.mark.fncall_order: an fncall case that checks call order or parallel "
            "batching",
        ]
    )


LOOP_SPEC = """\
mocks:
  get_weather: [{return: {temp: 18}}]
cases:
  - id: single
    prompt: x
    expect: {call: get_weather}
  - id: looped
    prompt: x
    mocks:
      get_weather: [{return: {temp: 18}}]
    expect: {reply: {contains: "18"}}
  - id: recovers
    prompt: x
    faults: [{tool: get_weather, inject: timeout, on_attempt: 1}]
    expect: {recover: {from: get_weather, by: retry}}
  - id: varied
    prompt: x
    perturb: [shuffle_tools]
    expect: {call: get_weather}
"""


def test_loop_and_perturbation_markers(make_spec, run_pytest):
    # the file-level mocks put every case in loop mode
    make_spec(body=LOOP_SPEC)
    assert selected(run_pytest, "-m", "fncall_loop") == [
        "single",
        "looped",
        "recovers",
        "varied",
        "varied",
    ]
    assert selected(run_pytest, "-m", "fncall_reply") == ["looped"]
    assert selected(run_pytest, "-m", "fncall_recovery") == ["recovers"]
    assert selected(run_pytest, "-m", "fncall_perturbed") == ["varied"]
    assert selected(run_pytest, "-m", "not fncall_perturbed") == [
        "single",
        "looped",
        "recovers",
        "varied",
    ]
