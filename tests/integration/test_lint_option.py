"""``--fncall-lint``: one lint item per spec file, no model called; warnings summarised."""

from __future__ import annotations

CLEAN = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties:
        city: {type: string}
        unit: {type: string, enum: [celsius, fahrenheit]}
      required: [city, unit]
      additionalProperties: false
cases:
  - id: paris
    prompt: Weather in Paris?
    expect: {call: get_weather, args: {city: Paris, unit: celsius}}
  - id: joke
    prompt: Tell me a joke.
    expect: {no_call: true}
"""

FLAWED = """\
version: 1
tools:
  - name: get_weather
    description: Current weather for a city.
    parameters:
      type: object
      properties:
        city: {type: string}
        unit: {type: string, enum: [celsius, fahrenheit]}
      required: [city, unit]
      additionalProperties: false
  - name: get_time
    description: ""
    parameters:
      type: object
      properties:
        tz: {type: string}
      required: [tz]
      additionalProperties: false
cases:
  - id: kelvin
    prompt: Weather in Paris, in kelvin?
    expect: {call: get_weather, args: {city: Paris, unit: kelvin}}
  - id: number
    prompt: Weather in 42?
    expect: {call: get_weather, args: {city: 42, unit: celsius}}
"""

WARNED = """\
version: 1
tools:
  - name: get_time
    description: Current time in a time zone.
    parameters:
      type: object
      properties:
        tz: {}
      required: [tz]
      additionalProperties: false
cases:
  - id: utc
    prompt: Time in UTC?
    expect: {call: get_time, args: {tz: UTC}}
"""

NO_DESCRIPTION = (
    "  warning: tools.get_time.description: no description: models choose tools by "
    "what their descriptions say"
)


def test_a_clean_spec_is_one_passing_item_and_no_model_is_called(
    pytester, make_spec, run_pytest, plugin_args
):
    make_spec(body=CLEAN, tools=False)
    # the scripted model's file does not exist: calling it would be an error
    result = run_pytest(
        "--fncall-lint",
        "--fncall-model=scripted/missing.yaml",
        "-v",
        "-W",
        "error",
        *plugin_args,
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "fncall: lint (specs are checked; no model is called)",
            "*PASSED*weather.fncall.yaml::fncall-lint*"
            if plugin_args
            else "weather.fncall.yaml::fncall-lint PASSED*",
        ]
    )
    assert "paris" not in result.stdout.str()
    assert "fncall lint:" not in result.stdout.str()  # no warnings: no section
    assert not (pytester.path / "missing.yaml").exists()


def test_errors_fail_the_item_and_warnings_are_summarised(
    make_spec, run_pytest, plugin_args
):
    make_spec("flawed", body=FLAWED, tools=False)
    make_spec("warned", body=WARNED, tools=False)
    result = run_pytest("--fncall-lint", "-W", "error", *plugin_args)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ fncall lint: flawed.fncall.yaml _*",
            "error: cases.kelvin.expect.args.unit: 'kelvin' can never match: the schema "
            "of get_weather refuses it ('kelvin' is not one of ['celsius', "
            "'fahrenheit'])",
            "error: cases.number.expect.args.city: 42 can never match: the schema of "
            "get_weather refuses it (42 is not of type 'string')",
            "fncall lint: 2 errors",
            "*= fncall lint: 2 warnings =*",
            "flawed.fncall.yaml",
            NO_DESCRIPTION,
            "warned.fncall.yaml",
            "  warning: tools.get_time.parameters.properties.tz: parameter 'tz' accepts "
            "any value: its schema has no type; say what it takes (with python "
            "sources: add a type hint)",
            "*= short test summary info =*",
            "FAILED flawed.fncall.yaml::fncall-lint - error: cases.kelvin*",
        ],
        consecutive=False,
    )
    # warnings are listed once, in the section, not in the failure
    assert result.stdout.str().count("no description: models choose") == 1


def test_ini_twin_and_one_warning(pytester, make_spec, run_pytest):
    pytester.makeini("[pytest]\nfncall_lint = true\n")
    make_spec("warned", body=WARNED.replace("{}", "{type: string}"), tools=False)
    path = pytester.path / "warned.fncall.yaml"
    path.write_text(
        path.read_text().replace("Current time in a time zone.", '""'),
        encoding="utf-8",
    )
    result = run_pytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*= fncall lint: 1 warning =*", "warned.fncall.yaml", NO_DESCRIPTION]
    )


def test_a_spec_that_does_not_load_is_still_a_collection_error(make_spec, run_pytest):
    make_spec(
        body="""\
        cases:
          - id: typo
            prompt: Weather?
            expect: {call: get_wether}
        """
    )
    result = run_pytest("--fncall-lint")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "weather.fncall.yaml:21: cases.typo.expect.call: 'get_wether' names no declared tool*"
        ]
    )
