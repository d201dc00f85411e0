"""The HTML report of a real run, rendered by headless Chromium (Debian's ``chromium``).

The page reads its filters from the URL hash, so ``--dump-dom file://...#outcome=failed``
shows what a person sees after choosing that filter. Without Chromium the tests skip
locally and fail in CI (``CI`` set), where ``.ci/run`` installs it.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
from pathlib import Path

import pytest

from pytest_fncall.report_html import write_html_report
from pytest_fncall.report_json import build_report

CHROMIUM = Path("/usr/bin/chromium")


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
HOSTILE = r"<img src=x onerror=\"document.title=1\"></script><b>bold</b> & co"  # YAML
WEAK = f"""\
paris: [{{calls: [{{name: get_wether, arguments: {{city: Paris}}}}]}}]
tokyo_time: [{{calls: [{{name: get_time, arguments: {{tz: Tokyo}}}}]}}]
joke: [{{text: "{HOSTILE}"}}]
"""
GOOD_MODEL = "scripted/good.yaml"
WEAK_MODEL = "scripted/weak.yaml"


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = "headless Chromium not found at /usr/bin/chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must install it")
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def dump_dom(chromium, tmp_path_factory):
    """The page's DOM after its script ran, opened at ``fragment`` (filters in the hash)."""

    def dump(page: Path, fragment: str = "") -> str:
        profile = tmp_path_factory.mktemp("chromium-profile")
        result = subprocess.run(
            [
                str(chromium),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--dump-dom",
                page.resolve().as_uri() + fragment,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert 'data-ready="1"' in result.stdout, "the page's script did not finish"
        return result.stdout

    return dump


def shown_nodeids(dom: str) -> list[str]:
    return [html.unescape(n) for n in re.findall(r'class="nodeid">([^<]*)<', dom)]


@pytest.fixture
def report_page(pytester, make_spec, make_script, run_pytest) -> Path:
    make_spec(body=SPEC)
    make_script(GOOD, name="good.yaml")
    make_script(WEAK, name="weak.yaml")
    result = run_pytest(
        f"--fncall-model={GOOD_MODEL}",
        f"--fncall-model={WEAK_MODEL}",
        "--fncall-html=out/report.html",
    )
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(["fncall: HTML report: *report.html"])
    return pytester.path / "out" / "report.html"


def test_the_page_shows_every_case_call_and_model(report_page, dump_dom):
    dom = dump_dom(report_page)
    assert sorted(shown_nodeids(dom)) == sorted(
        f"weather.fncall.yaml::{case}[{model}]"
        for case in ("paris", "tokyo_time", "joke")
        for model in (GOOD_MODEL, WEAK_MODEL)
    )
    assert "showing 6 of 6 matching cases (6 in the run)" in dom
    # scoreboard, transcripts with arguments, failure messages beside them
    assert re.search(r"scripted/good\.yaml.*?100\.0%", dom, re.S)
    assert re.search(r"scripted/weak\.yaml.*?33\.3%", dom, re.S)
    assert '"tz": "Tokyo"' in dom
    assert "get_wether" in dom
    assert "a tool it was not offered" in dom
    assert "Why did the function return early?" in dom
    # the model-against-model view lists the cases the models disagree on
    assert "2 case(s) where the models disagree" in dom
    # untrusted text is shown as text, never parsed as markup
    assert "&lt;img src=x onerror=" in dom
    assert "&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; co" in dom
    assert "<img" not in dom
    assert "<b>bold" not in dom
    assert "<title>pytest-fncall report</title>" in dom


FILTERED = {
    "#outcome=failed": [f"paris[{WEAK_MODEL}]", f"tokyo_time[{WEAK_MODEL}]"],
    "#model=scripted%2Fweak.yaml&code=arg_mismatch": [f"tokyo_time[{WEAK_MODEL}]"],
    "#disagree=1": [
        f"paris[{GOOD_MODEL}]",
        f"paris[{WEAK_MODEL}]",
        f"tokyo_time[{GOOD_MODEL}]",
        f"tokyo_time[{WEAK_MODEL}]",
    ],
    "#q=joke&outcome=passed": [f"joke[{GOOD_MODEL}]", f"joke[{WEAK_MODEL}]"],
    "#file=nothing.fncall.yaml": [],
}


def test_filters_from_the_url_hash(report_page, dump_dom):
    for fragment, expected in FILTERED.items():
        dom = dump_dom(report_page, fragment)
        nodeids = [f"weather.fncall.yaml::{name}" for name in expected]
        assert shown_nodeids(dom) == nodeids, fragment
        assert f"showing {len(expected)} of {len(expected)} matching cases" in dom


def test_prompts_and_expectations_render_when_records_carry_them(tmp_path, dump_dom):
    from pytest_fncall.records import case_record
    from pytest_fncall.results import Failure, ModelTurn, ToolCall, Trajectory

    call = ToolCall.from_model_arguments("c1", "get_weather", '{"city": "Par')
    item = case_record(
        nodeid="w.fncall.yaml::broken[scripted/a.yaml]",
        file="w.fncall.yaml",
        case="broken",
        model="scripted/a.yaml",
        outcome="failed",
        failures=[Failure("malformed_args", "arguments are not a JSON object")],
        trajectories=[(Trajectory((ModelTurn(None, (call,)),)), False)],
    )
    item["messages"] = [{"role": "user", "content": "Weather in <Paris>?"}]
    item["expect"] = ["call: get_weather(...)", "exactly one call"]
    item["reliability"] = {
        "n": 5,
        "c": 3,
        "pass_hat_k": {"1": 0.6, "2": 0.3},
        "pass_at_k": {"1": 0.6, "2": 0.9},
    }
    page = tmp_path / "page.html"
    write_html_report(page, build_report([item]))
    dom = dump_dom(page)
    assert "Weather in &lt;Paris&gt;?" in dom
    assert "call: get_weather(...)\nexactly one call" in dom
    assert "trials: 3 of 5 passed" in dom
    assert "pass^k: 1: 0.6, 2: 0.3" in dom
    assert "3/5 trials" in dom
    assert "arguments (not a JSON object, as sent):" in dom
    assert '{"city": "Par' in dom
    assert "malformed_args" in dom


LOOP_SPEC = """\
mocks:
  get_weather: [{return: {temp: 18, sky: "<clear>"}}]
faults:
  - {tool: get_weather, on_attempt: 1, inject: timeout}
cases:
  - id: retry
    prompt: Weather in Paris?
    perturb: [shuffle_tools]
    expect:
      recover: {from: get_weather, by: retry}
"""
LOOP_SCRIPT = """\
retry:
  - calls: [{name: get_weather, arguments: {city: Paris}}]
  - calls: [{name: get_weather, arguments: {city: Paris}}]
  - text: It is 18 degrees.
"""


def test_loop_results_robustness_and_coverage_sections(
    pytester, make_spec, make_script, run_pytest, dump_dom
):
    make_spec(body=LOOP_SPEC)
    make_script(LOOP_SCRIPT)
    result = run_pytest(
        "--fncall-model=scripted/script.yaml",
        "--fncall-coverage",
        "--fncall-html=report.html",
    )
    result.assert_outcomes(passed=2)
    dom = dump_dom(pytester.path / "report.html")
    # each call's simulated result, the injected fault named, shown as text
    assert "error (injected timeout):" in dom
    assert "the call to 'get_weather' timed out after 30s" in dom
    assert '{"temp": 18, "sky": "&lt;clear&gt;"}' in dom
    # robustness: the variant against the same case unperturbed
    robustness = dom[
        dom.index('id="robustness-wrap"') : dom.index('id="coverage-wrap"')
    ]
    assert "hidden" not in robustness.split(">")[0]
    assert re.search(
        r"scripted/script\.yaml</th><td>shuffle_tools</td><td[^>]*>1</td>"
        r"<td[^>]*>100\.0%</td><td[^>]*>100\.0%</td><td[^>]*>0\.0 pp</td>",
        robustness,
    )
    # coverage: get_time is declared, and no case expects it
    coverage = dom[dom.index('id="coverage-wrap"') :]
    assert "weather.fncall.yaml" in coverage
    assert re.search(r"<td[^>]*>0/2</td>", coverage)  # no expected call names a tool
    assert "get_weather, get_time" in coverage


def test_optional_sections_stay_hidden_without_their_data(report_page, dump_dom):
    dom = dump_dom(report_page)
    assert '<section id="robustness-wrap" hidden="">' in dom
    assert '<section id="coverage-wrap" hidden="">' in dom
