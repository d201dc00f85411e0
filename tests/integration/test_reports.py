"""Reports of real runs: terminal summary, JSON report, JUnit properties, compare."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import jsonschema
import pytest

from pytest_fncall.report_json import SCHEMA_PATH

SPEC = """\
cases:
  - id: paris
    prompt: Weather in Paris?
    expect: {call: get_weather, args: {city: Paris}}
  - id: tokyo_time
    prompt: What time is it in Tokyo?
    expect: {call: get_time, args: {tz: Asia/Tokyo}}
  - id: joke
    prompt: Tell me a joke.
    expect: {no_call: true}
"""
GOOD = """\
paris: [{calls: [{name: get_weather, arguments: {city: Paris}}]}]
tokyo_time: [{calls: [{name: get_time, arguments: {tz: Asia/Tokyo}}]}]
joke: [{text: "Why did the function return early?"}]
"""
WEAK = """\
paris: [{calls: [{name: get_wether, arguments: {city: Paris}}]}]
tokyo_time: [{calls: [{name: get_time, arguments: {tz: Tokyo}}]}]
joke: [{text: "No."}]
"""
GOOD_MODEL = "scripted/good.yaml"
WEAK_MODEL = "scripted/weak.yaml"
MODELS = (f"--fncall-model={GOOD_MODEL}", f"--fncall-model={WEAK_MODEL}")


@pytest.fixture
def two_models(pytester, make_spec, make_script):
    make_spec(body=SPEC)
    make_script(GOOD, name="good.yaml")
    make_script(WEAK, name="weak.yaml")


def without_timings(report):
    """The report with latency and other timing fields dropped."""
    for case in report["cases"]:
        case.pop("latency_s")
    for stats in report["summary"].values():
        stats.pop("latency_s")
    return report


@pytest.mark.usefixtures("two_models")
def test_two_models_give_the_design_shaped_report(pytester, run_pytest, plugin_args):
    result = run_pytest(
        *MODELS, "--fncall-report=out/report.json", "--junitxml=junit.xml", *plugin_args
    )
    result.assert_outcomes(passed=4, failed=2)
    check_junit_properties(pytester.path / "junit.xml")
    report = json.loads((pytester.path / "out" / "report.json").read_text())
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text()))
    assert report["version"] == 1
    assert report["models"] == [GOOD_MODEL, WEAK_MODEL]
    assert len(report["cases"]) == 6
    cases = {(c["case"], c["model"]): c for c in report["cases"]}
    codes = {key: {f["code"] for f in case["failures"]} for key, case in cases.items()}
    assert codes == {
        ("paris", GOOD_MODEL): set(),
        ("tokyo_time", GOOD_MODEL): set(),
        ("joke", GOOD_MODEL): set(),
        ("paris", WEAK_MODEL): {"unknown_tool", "missing_call"},
        ("tokyo_time", WEAK_MODEL): {"arg_mismatch"},
        ("joke", WEAK_MODEL): set(),
    }
    weak_tokyo = cases[("tokyo_time", WEAK_MODEL)]
    assert weak_tokyo["nodeid"] == f"weather.fncall.yaml::tokyo_time[{WEAK_MODEL}]"
    assert weak_tokyo["file"] == "weather.fncall.yaml"
    assert weak_tokyo["outcome"] == "failed"
    assert weak_tokyo["trials"][0]["steps"][0]["calls"] == [
        {
            "name": "get_time",
            "arguments": {"tz": "Tokyo"},
            "raw_arguments": '{"tz": "Tokyo"}',
            "result": None,
        }
    ]
    assert cases[("joke", GOOD_MODEL)]["trials"][0]["steps"][0]["text"] == (
        "Why did the function return early?"
    )
    assert report["summary"][GOOD_MODEL]["pass_rate"] == 1.0
    assert report["summary"][WEAK_MODEL]["pass_rate"] == 0.3333
    assert report["summary"][WEAK_MODEL]["codes"] == {
        "arg_mismatch": 1,
        "missing_call": 1,
        "unknown_tool": 1,
    }
    assert [d["case"] for d in report["disagreements"]] == [
        "weather.fncall.yaml::paris",
        "weather.fncall.yaml::tokyo_time",
    ]
    result.stdout.fnmatch_lines(
        [
            "*= fncall summary =*",
            "model * cases  pass  fail error  skip xfail   rate  tok in tok out     p50     p95",
            "scripted/good.yaml     3     3     0     0     0     0 100.0%       -       - *",
            "scripted/weak.yaml     3     1     2     0     0     0  33.3%       -       - *",
            "",
            "cases per failure code:",
            "code          scripted/good.yaml  scripted/weak.yaml",
            "arg_mismatch                   0                   1",
            "missing_call                   0                   1",
            "unknown_tool                   0                   1",
            "",
            "models disagree on 2 of 3 cases:",
            "  weather.fncall.yaml::paris",
            "      passed  scripted/good.yaml",
            "      failed  scripted/weak.yaml  (unknown_tool, missing_call)",
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(["fncall: JSON report: *report.json"])
    summary = result.stdout.str().split("fncall summary")[1].split("fncall: JSON")[0]
    assert "\x1b[" not in summary
    assert max(len(line) for line in summary.splitlines()) <= 100


def check_junit_properties(path):
    properties = {}
    for case in ElementTree.parse(path).iter("testcase"):
        pairs = [(p.get("name"), p.get("value")) for p in case.iter("property")]
        assert len(pairs) == len(dict(pairs)), pairs  # each property once
        properties[case.get("name")] = dict(pairs)
    assert properties[f"paris[{WEAK_MODEL}]"] == {
        "fncall_model": WEAK_MODEL,
        "fncall_outcome": "failed",
        "fncall_codes": "unknown_tool,missing_call",
        "fncall_trials": "1",
        "fncall_pass_rate": "0",
    }
    assert properties[f"joke[{GOOD_MODEL}]"]["fncall_outcome"] == "passed"
    assert properties[f"joke[{GOOD_MODEL}]"]["fncall_pass_rate"] == "1"
    assert len(properties) == 6


@pytest.mark.usefixtures("two_models")
def test_serial_and_xdist_runs_write_the_same_report(pytester, run_pytest):
    run_pytest(*MODELS, "--fncall-report=serial.json").assert_outcomes(
        passed=4, failed=2
    )
    run_pytest(*MODELS, "--fncall-report=xdist.json", "-n", "2").assert_outcomes(
        passed=4, failed=2
    )
    serial = without_timings(json.loads((pytester.path / "serial.json").read_text()))
    xdist = without_timings(json.loads((pytester.path / "xdist.json").read_text()))
    assert json.dumps(serial, indent=1) == json.dumps(xdist, indent=1)


@pytest.mark.usefixtures("two_models")
def test_compare_names_the_regressions(pytester, run_pytest, make_script):
    model = "--fncall-model=scripted/model.yaml"
    make_script(GOOD, name="model.yaml")
    run_pytest(model, "--fncall-report=base.json").assert_outcomes(passed=3)
    make_script(WEAK, name="model.yaml")
    run_pytest(model, "--fncall-report=new.json").assert_outcomes(passed=1, failed=2)

    def compare(base, new):
        return subprocess.run(
            [sys.executable, "-m", "pytest_fncall", "compare", base, new],
            capture_output=True,
            text=True,
            cwd=pytester.path,
        )

    regressed = compare("base.json", "new.json")
    assert regressed.returncode == 1, regressed.stderr
    assert "regressions (passed before, failing now): 2" in regressed.stdout
    assert "weather.fncall.yaml::paris[scripted/model.yaml]: passed -> failed" in (
        regressed.stdout
    )
    assert "weather.fncall.yaml::tokyo_time[scripted/model.yaml]: passed -> failed" in (
        regressed.stdout
    )
    itself = compare("new.json", "new.json")
    assert itself.returncode == 0
    assert itself.stdout.endswith("no regressions\n")


@pytest.mark.usefixtures("two_models")
def test_ini_twins_and_the_command_line_wins(pytester, run_pytest):
    pytester.makeini(
        "[pytest]\nfncall_report = reports/ini.json\nfncall_html = reports/ini.html\n"
    )
    run_pytest(*MODELS)
    assert (pytester.path / "reports" / "ini.json").is_file()
    assert (pytester.path / "reports" / "ini.html").is_file()
    (pytester.path / "reports" / "ini.json").unlink()
    run_pytest(*MODELS, "--fncall-report=cli.json")
    assert (pytester.path / "cli.json").is_file()
    assert not (pytester.path / "reports" / "ini.json").exists()


def test_no_fncall_items_no_summary_but_the_report_is_written(pytester, run_pytest):
    pytester.makepyfile("def test_plain(): pass")
    result = run_pytest("--fncall-report=report.json")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*fncall summary*")
    report = json.loads((pytester.path / "report.json").read_text())
    assert (report["models"], report["cases"], report["summary"]) == ([], [], {})


def test_without_a_model_the_summary_says_why(pytester, run_pytest, make_spec):
    make_spec(body=SPEC)
    result = run_pytest()
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(
        [
            "*= fncall summary =*",
            "3 fncall cases without a model (skipped: use --fncall-model)",
        ]
    )


@pytest.mark.usefixtures("two_models")
def test_a_folder_as_report_path_is_a_usage_error(pytester, run_pytest):
    (pytester.path / "out").mkdir()
    result = run_pytest(*MODELS, "--fncall-report=out")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--fncall-report / ini fncall_report: 'out' is a folder*"]
    )


@pytest.mark.usefixtures("two_models")
def test_an_unwritable_report_fails_the_run_and_says_why(pytester, run_pytest):
    (pytester.path / "blocker").write_text("a file, not a folder")
    result = run_pytest(*MODELS, "-k", GOOD_MODEL, "--fncall-report=blocker/r.json")
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["fncall: could not write the JSON report *blocker*"])


def test_help_lists_the_report_options(pytester, run_pytest):
    result = run_pytest("--help")
    result.stdout.fnmatch_lines(
        [
            "  --fncall-report=PATH  Write the JSON report *",
            "*",
            "*",
            "  --fncall-html=PATH    Write a self-contained HTML report *",
        ]
    )
    result.stdout.fnmatch_lines(
        ["  fncall_report (string):*", "  fncall_html (string):*"]
    )
