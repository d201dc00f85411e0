"""The exact text a user reads when a case fails (DESIGN §4 order), pinned."""

from __future__ import annotations

import pytest

SPEC = """\
cases:
  - id: weather_in_paris
    prompt: What's the weather in Paris, in celsius?
    expect:
      call: get_weather
      args:
        city: {$ieq: paris}
        unit: {$optional: celsius}
"""


@pytest.fixture
def failing_run(make_spec, make_script):
    make_spec(body=SPEC)
    make_script(
        "weather_in_paris: [{calls: [{name: get_weather, "
        "arguments: {city: London, unit: kelvin}}]}]"
    )


@pytest.mark.usefixtures("failing_run")
def test_failure_lists_every_check_with_expected_actual_and_hint(
    run_pytest, plugin_args
):
    result = run_pytest("--fncall-model=scripted/script.yaml", *plugin_args)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "fncall: weather_in_paris[scripted/script.yaml]: 2 checks failed",
            "",
            "schema_violation: get_weather argument $.unit: 'kelvin' is not one of "
            "['celsius', 'fahrenheit']",
            '    actual:   get_weather(city="London", unit="kelvin")',
            "    schema:   $.unit: 'kelvin' is not one of ['celsius', 'fahrenheit'] "
            "(#/properties/unit/enum)",
            "",
            "arg_mismatch: get_weather was called with arguments the case does not expect",
            '    actual:   get_weather(city="London", unit="kelvin")',
            "    expected: get_weather(city=ieq 'paris', unit=optional 'celsius', ...)",
            "    differs:  $.city: expected ieq 'paris', got 'London'",
            "    differs:  $.unit: expected 'celsius', got 'kelvin'",
            "    to relax: matchers such as $ieq, $in or $optional relax a value "
            "(README.md#matchers)",
            "",
            "(-v shows the transcript)",
        ],
        consecutive=True,
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*site-packages*")


@pytest.mark.usefixtures("failing_run")
def test_verbose_failure_shows_the_transcript(run_pytest):
    result = run_pytest("--fncall-model=scripted/script.yaml", "-v")
    result.stdout.fnmatch_lines(
        [
            "transcript:",
            "    user: What's the weather in Paris, in celsius?",
            '    assistant calls get_weather(city="London", unit="kelvin")',
        ],
        consecutive=True,
    )


@pytest.mark.usefixtures("failing_run")
def test_failure_header_points_at_the_case_line(run_pytest):
    result = run_pytest("--fncall-model=scripted/script.yaml", "-rf")
    result.stdout.fnmatch_lines(
        [
            "*_ fncall: weather_in_paris[[]scripted/script.yaml[]] _*",
            "FAILED weather.fncall.yaml::weather_in_paris[[]scripted/script.yaml[]]*",
        ]
    )


def test_provider_error_is_an_error_not_a_failure(make_spec, make_script, run_pytest):
    make_spec(body=SPEC)
    make_script("other_case: [{text: hi}]")
    result = run_pytest("--fncall-model=scripted/script.yaml")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of fncall: weather_in_paris[[]scripted/script.yaml[]]*",
            "fncall: provider error (scripted/script.yaml): script.yaml has no entry for "
            "case 'weather_in_paris': add `weather_in_paris:` with a list of assistant "
            "turns",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
