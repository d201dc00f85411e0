"""``python -m pytest_fncall compare``: regressions, fixes, new/removed cases, code deltas."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from record_factory import A, B, record

from pytest_fncall.compare import (
    compare_reports,
    render_markdown,
    render_text,
    run_compare,
)
from pytest_fncall.report_json import build_report, write_json_report

BASE = [
    record("paris", A),
    record("tokyo", A),
    record("joke", A, "failed", codes=("unexpected_call",)),
    record("gone", A),
    record("paris", B),
    record("tokyo", B, "failed", codes=("arg_mismatch",)),
]
NEW = [
    record("paris", A, "failed", codes=("unknown_tool", "missing_call")),
    record("tokyo", A, "error", error="provider error (scripted/a.yaml): 503"),
    record("joke", A),
    record("fresh", A, "failed", codes=("wrong_tool",)),
    record("paris", B),
    record("tokyo", B, "failed", codes=("wrong_tool",)),
]


def write(tmp_path, name, records, models=(A, B)):
    path = tmp_path / name
    write_json_report(path, build_report(records, models))
    return path


def test_regressions_fixes_new_removed_and_deltas():
    comparison = compare_reports(build_report(BASE, [A, B]), build_report(NEW, [A, B]))
    assert [(c.case, c.before, c.after) for c in comparison.regressions] == [
        (f"weather.fncall.yaml::paris[{A}]", "passed", "failed"),
        (f"weather.fncall.yaml::tokyo[{A}]", "passed", "error"),
    ]
    assert comparison.regressions[0].codes_after == ("unknown_tool", "missing_call")
    assert [c.case for c in comparison.fixes] == [f"weather.fncall.yaml::joke[{A}]"]
    # still failing, but for another reason
    assert [(c.codes_before, c.codes_after) for c in comparison.changes] == [
        (("arg_mismatch",), ("wrong_tool",))
    ]
    assert [c.case for c in comparison.added] == [f"weather.fncall.yaml::fresh[{A}]"]
    assert [c.case for c in comparison.removed] == [f"weather.fncall.yaml::gone[{A}]"]
    by_model = {delta.model: delta for delta in comparison.models}
    assert by_model[A].pass_rate == (0.75, 0.3333)
    assert by_model[A].codes == {
        "missing_call": (0, 1),
        "unexpected_call": (1, 0),
        "unknown_tool": (0, 1),
        "wrong_tool": (0, 1),
    }
    assert by_model[B].codes == {"arg_mismatch": (1, 0), "wrong_tool": (0, 1)}
    assert comparison.regressed


def test_text_names_every_regression_and_ends_with_the_verdict():
    text = render_text(compare_reports(build_report(BASE), build_report(NEW)))
    assert "regressions (passed before, failing now): 2" in text
    assert (
        f"  weather.fncall.yaml::paris[{A}]: passed -> failed (unknown_tool, missing_call)"
        in text
    )
    assert f"  weather.fncall.yaml::gone[{A}]: was passed" in text
    assert "    unexpected_call  1 -> 0 (-1)" in text
    assert text.endswith("\n2 regressions\n")


def test_markdown_is_a_pull_request_comment():
    markdown = render_markdown(compare_reports(build_report(BASE), build_report(NEW)))
    assert markdown.startswith("### pytest-fncall: 2 regressions\n")
    assert "| model | pass rate | cases | failure codes |" in markdown
    assert f"| `{A}` | 75.0% → 33.3% | 4 → 4 |" in markdown
    assert "#### Regressions (passed before, failing now): 2" in markdown
    assert (
        f"| `weather.fncall.yaml::tokyo[{A}]` | passed | error |"
        in markdown.splitlines()
    )


def test_markdown_escapes_table_breaking_characters():
    records = [record("a|b", A)]
    failing = [record("a|b", A, "failed", codes=("x",))]
    markdown = render_markdown(
        compare_reports(build_report(records), build_report(failing))
    )
    assert r"`weather.fncall.yaml::a\|b[scripted/a.yaml]`" in markdown


def test_a_report_compared_with_itself_has_no_change():
    report = build_report(BASE)
    comparison = compare_reports(report, report)
    changes = (comparison.regressions, comparison.fixes, comparison.changes)
    assert changes == ([], [], [])
    assert (comparison.added, comparison.removed) == ([], [])
    assert all(not delta.codes for delta in comparison.models)
    assert render_text(comparison).endswith("\nno regressions\n")


def test_one_model_each_is_compared_case_by_case():
    base = build_report([record("paris", A), record("tokyo", A)])
    new = build_report(
        [record("paris", B, "failed", codes=("wrong_tool",)), record("tokyo", B)]
    )
    comparison = compare_reports(base, new)
    assert comparison.by_model_pair
    assert [c.case for c in comparison.regressions] == ["weather.fncall.yaml::paris"]
    assert [delta.model for delta in comparison.models] == [f"{A} -> {B}"]
    assert "(one model in each report: cases matched without the model)" in render_text(
        comparison
    )


def test_exit_status_and_output(tmp_path):
    base, new = write(tmp_path, "base.json", BASE), write(tmp_path, "new.json", NEW)
    out, err = io.StringIO(), io.StringIO()
    assert run_compare(base, new, out=out, err=err) == 1
    assert "paris[scripted/a.yaml]" in out.getvalue()
    assert err.getvalue() == ""
    assert run_compare(base, base, out=io.StringIO(), err=err) == 0
    assert run_compare(new, base, out=io.StringIO(), err=err) == 1  # joke regressed
    fixed = write(tmp_path, "fixed.json", [record("joke", A), record("tokyo", B)])
    assert run_compare(base, fixed, out=io.StringIO(), err=err) == 0  # only fixes


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read it"),
        ("{not json", "not JSON"),
        ("[1, 2]", "not a pytest-fncall report"),
        ('{"version": 2, "cases": []}', "report version 2 is not supported"),
        (
            '{"version": 1, "models": [], "summary": {}, "cases": [{"nodeid": "x"}]}',
            "not a valid pytest-fncall report: $.cases[0]: 'file' is a required property",
        ),
    ],
)
def test_unreadable_input_exits_2_with_a_clear_message(tmp_path, content, message):
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    good = write(tmp_path, "good.json", BASE)
    err = io.StringIO()
    assert run_compare(good, bad, out=io.StringIO(), err=err) == 2
    assert err.getvalue().startswith("python -m pytest_fncall compare: error: ")
    assert str(bad) in err.getvalue()
    assert message in err.getvalue()


def test_command_line(tmp_path):
    base, new = write(tmp_path, "base.json", BASE), write(tmp_path, "new.json", NEW)

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "pytest_fncall", "compare", *map(str, args)],
            capture_output=True,
            text=True,
        )

    regressed = run(base, new)
    assert regressed.returncode == 1, regressed.stderr
    assert "2 regressions" in regressed.stdout
    markdown = run(base, new, "--format", "markdown")
    assert markdown.stdout.startswith("### pytest-fncall: 2 regressions")
    assert run(base, base).returncode == 0
    missing = run(base, tmp_path / "missing.json")
    assert missing.returncode == 2
    assert "missing.json: cannot read it" in missing.stderr
    assert json.loads(base.read_text())["version"] == 1
