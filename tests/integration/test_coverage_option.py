"""``--fncall-coverage``: what the selected cases exercise, without a model, under xdist."""

from __future__ import annotations

import json

import jsonschema

from pytest_fncall.report_json import SCHEMA_PATH

SPEC = """\
cases:
  - id: paris
    prompt: Weather in Paris, in celsius?
    marks: [smoke]
    expect: {call: get_weather, args: {city: Paris, unit: celsius}}
  - id: tokyo
    prompt: What time is it in Tokyo?
    expect: {call: get_time, args: {tz: Asia/Tokyo}}
  - id: joke
    prompt: Tell me a joke.
    expect: {no_call: true, forbid_tools: [get_time]}
"""

OTHER = """\
cases:
  - id: oslo
    prompt: Is it cold in Oslo, in fahrenheit?
    expect: {call: get_weather, args: {unit: {$in: [fahrenheit]}}}
"""

MARKERS = "[pytest]\nmarkers =\n    smoke: quick cases\n"
ALL = [
    "*= fncall coverage =*",
    "weather.fncall.yaml (3 cases)",
    "  tools: 2/2",
    "  parameters: 3/3",
    "  enum values: 1/2 (untested: get_weather.unit=fahrenheit)",
]


def test_coverage_without_a_model(pytester, make_spec, run_pytest, plugin_args):
    pytester.makeini(MARKERS)
    make_spec(body=SPEC)
    result = run_pytest("--fncall-coverage", "-W", "error", *plugin_args)
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(ALL, consecutive=True)


def test_only_selected_cases_count(pytester, make_spec, run_pytest, plugin_args):
    pytester.makeini(MARKERS)
    make_spec(body=SPEC)
    result = run_pytest("--fncall-coverage", "-k", "not tokyo", *plugin_args)
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(
        [
            "*= fncall coverage =*",
            "weather.fncall.yaml (2 cases)",
            "  tools: 1/2 (untested: get_time (forbidden only))",
            "  parameters: 2/3 (untested: 1 in untested tools)",
            "  enum values: 1/2 (untested: get_weather.unit=fahrenheit)",
        ],
        consecutive=True,
    )
    result = run_pytest("--fncall-coverage", "-m", "smoke", *plugin_args)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["weather.fncall.yaml (1 case)", "  tools: 1/2 (untested: get_time)"],
        consecutive=True,
    )


def test_several_files_a_total_and_the_json_report(
    pytester, make_spec, run_pytest, plugin_args
):
    make_spec(body=SPEC)
    make_spec("other", body=OTHER)
    result = run_pytest(
        "--fncall-coverage",
        "--fncall-report=report.json",
        "-k",
        "not paris",
        *plugin_args,
    )
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(
        [
            "*= fncall coverage =*",
            "other.fncall.yaml (1 case)",
            "  tools: 1/2 (untested: get_time)",
            "  parameters: 1/3 (untested: get_weather.city; 1 more in untested tools)",
            "  enum values: 1/2 (untested: get_weather.unit=celsius)",
            "weather.fncall.yaml (2 cases)",
            "  tools: 1/2 (untested: get_weather)",
            "  parameters: 1/3 (untested: 2 in untested tools)",
            "  enum values: 0/2 (untested: 2 in untested tools)",
            "total (2 files, 3 cases): tools 2/2, parameters 2/3, enum values 1/2",
        ],
        consecutive=True,
    )
    report = json.loads((pytester.path / "report.json").read_text())
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text()))
    coverage = report["coverage"]
    assert [(f["file"], f["cases"]) for f in coverage["files"]] == [
        ("other.fncall.yaml", 1),
        ("weather.fncall.yaml", 2),
    ]
    assert coverage["total"] == {
        "tools": {"exercised": 2, "total": 2},
        "parameters": {"exercised": 2, "total": 3},
        "enum_values": {"exercised": 1, "total": 2},
    }
    get_time = coverage["files"][1]["tools"][1]
    assert get_time == {
        "name": "get_time",
        "exercised": True,
        "forbidden": True,
        "parameters": [{"name": "tz", "exercised": True, "enum": []}],
    }


def test_ini_twin_with_lint_counts_every_case(pytester, make_spec, run_pytest):
    pytester.makeini("[pytest]\nfncall_coverage = true\n")
    make_spec(body=SPEC)
    result = run_pytest("--fncall-lint")
    result.stdout.fnmatch_lines(ALL, consecutive=True)


def test_off_by_default_and_nothing_selected(make_spec, run_pytest):
    make_spec(body=SPEC)
    result = run_pytest("--fncall-report=report.json")
    assert "fncall coverage" not in result.stdout.str()
    result = run_pytest("--fncall-coverage", "-k", "nothing_matches_this")
    result.stdout.fnmatch_lines(
        ["*= fncall coverage =*", "no fncall cases selected"], consecutive=True
    )
