"""Spec files become items: names, ids per model, skips without a model, locations."""

from __future__ import annotations

CASES = """\
cases:
  - id: first
    prompt: Weather in Paris?
    expect: {call: get_weather}
  - id: second.case-2
    prompt: Time in Tokyo?
    expect: {call: get_time}
"""

SCRIPT = """\
first: [{calls: [{name: get_weather, arguments: {city: Paris}}]}]
second.case-2: [{calls: [{name: get_time, arguments: {tz: Asia/Tokyo}}]}]
"""


def test_one_item_per_case_and_model(make_spec, make_script, run_pytest, plugin_args):
    make_spec(body=CASES)
    make_script(SCRIPT)
    make_script(SCRIPT, name="other.yaml")
    result = run_pytest(
        "--fncall-model=scripted/script.yaml",
        "--fncall-model=scripted/other.yaml",
        "-rA",
        *plugin_args,
    )
    result.assert_outcomes(passed=4)
    for case in ("first", "second.case-2"):
        for model in ("script.yaml", "other.yaml"):
            result.stdout.fnmatch_lines(
                [f"PASSED weather.fncall.yaml::{case}[[]scripted/{model}[]]"]
            )


def test_collect_only_lists_cases(make_spec, run_pytest):
    make_spec(body=CASES)
    result = run_pytest("--collect-only", "-q", "--fncall-model=scripted/script.yaml")
    result.stdout.fnmatch_lines(
        [
            "weather.fncall.yaml::first[[]scripted/script.yaml[]]",
            "weather.fncall.yaml::second.case-2[[]scripted/script.yaml[]]",
        ],
        consecutive=True,
    )


def test_without_a_model_items_skip_with_the_reason(make_spec, run_pytest):
    make_spec(body=CASES)
    result = run_pytest("-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(
        [
            "fncall: no model configured (fncall items skip; use --fncall-model)",
            "SKIPPED [[]2[]] weather.fncall.yaml: no model configured "
            "(use --fncall-model)",
        ]
    )


def test_model_from_ini_and_header(make_spec, make_script, run_pytest, pytester):
    pytester.makeini("[pytest]\nfncall_model = scripted/script.yaml\n")
    make_spec(body=CASES)
    make_script(SCRIPT)
    result = run_pytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["fncall: models=scripted/script.yaml"])


def test_yml_suffix_is_collected_and_plain_yaml_is_not(
    make_spec, make_script, run_pytest, pytester
):
    path = make_spec(body=CASES)
    path.rename(pytester.path / "weather.fncall.yml")
    (pytester.path / "unrelated.yaml").write_text("cases: nope\n")
    make_script(SCRIPT)
    result = run_pytest("--fncall-model=scripted/script.yaml")
    result.assert_outcomes(passed=2)


def test_k_selects_a_case_and_a_model(make_spec, make_script, run_pytest):
    make_spec(body=CASES)
    make_script(SCRIPT)
    make_script(SCRIPT, name="other.yaml")
    result = run_pytest(
        "--fncall-model=scripted/script.yaml",
        "--fncall-model=scripted/other.yaml",
        "-k",
        "first and other",
        "-v",
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*::first[[]scripted/other.yaml[]] PASSED*"])


def test_failure_location_is_the_case_line(make_spec, make_script, pytester):
    make_spec(body=CASES)
    make_script("first: [{text: no}]\nsecond.case-2: [{text: no}]\n")
    items, _ = pytester.inline_genitems("--fncall-model=scripted/script.yaml")
    assert [item.location for item in items] == [
        ("weather.fncall.yaml", 18, "fncall: first[scripted/script.yaml]"),
        ("weather.fncall.yaml", 21, "fncall: second.case-2[scripted/script.yaml]"),
    ]


def test_a_bad_file_does_not_stop_the_others(make_spec, make_script, run_pytest):
    make_spec(body=CASES)
    make_spec("broken", body="version: 1\ncases: [\n", tools=False)
    make_script(SCRIPT)
    result = run_pytest(
        "--fncall-model=scripted/script.yaml", "--continue-on-collection-errors"
    )
    result.assert_outcomes(passed=2, errors=1)
