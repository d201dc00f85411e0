"""Trajectory snapshots: written by --snapshot-update, compared otherwise, never deleted."""

from __future__ import annotations

import json

SPEC = """\
defaults:
  snapshot: true
cases:
  - id: paris
    prompt: Weather in Paris?
    expect: {call: get_weather}
  - id: tokyo
    prompt: Weather in Tokyo?
    snapshot: {text: true}
    expect: {call: get_weather}
"""


def script(paris_city: str = "Paris") -> str:
    return f"""\
paris: [{{calls: [{{name: get_weather, arguments: {{unit: celsius, city: {paris_city}}}}}]}}]
tokyo: [{{text: Looking it up., calls: [{{name: get_weather, arguments: {{city: Tokyo}}}}]}}]
"""


def snapshot_file(pytester, case: str):
    return (
        pytester.path
        / "__fncall_snapshots__"
        / "weather.fncall"
        / f"{case}[scripted-script.yaml].json"
    )


def test_update_writes_unchanged_passes_changed_fails_with_a_diff(
    make_spec, make_script, run_pytest, pytester, plugin_args
):
    make_spec(body=SPEC)
    make_script(script())
    model = "--fncall-model=scripted/script.yaml"
    first = run_pytest(model, *plugin_args)
    first.assert_outcomes(failed=2)
    first.stdout.fnmatch_lines(
        [
            "snapshot_mismatch: no snapshot yet at "
            "__fncall_snapshots__/weather.fncall/paris[[]scripted-script.yaml[]].json",
            "    to relax: run pytest --snapshot-update to write it (README.md#snapshots)",
        ]
    )
    run_pytest(model, "--snapshot-update", *plugin_args).assert_outcomes(passed=2)
    assert json.loads(snapshot_file(pytester, "paris").read_text()) == {
        "steps": [
            {
                "calls": [
                    {
                        "arguments": {"city": "Paris", "unit": "celsius"},
                        "name": "get_weather",
                    }
                ]
            }
        ]
    }
    assert json.loads(snapshot_file(pytester, "tokyo").read_text())["steps"][0][
        "text"
    ] == ("Looking it up.")
    run_pytest(model, *plugin_args).assert_outcomes(passed=2)

    make_script(script(paris_city="London"))
    changed = run_pytest(model, *plugin_args)
    changed.assert_outcomes(passed=1, failed=1)
    changed.stdout.fnmatch_lines(
        [
            "snapshot_mismatch: the trajectory differs from its snapshot "
            "__fncall_snapshots__/weather.fncall/paris[[]scripted-script.yaml[]].json",
            "    - snapshot / + now:",
            '*-*"city": "Paris",',
            '*+*"city": "London",',
        ]
    )


def test_update_never_deletes_snapshots_of_cases_not_run(
    make_spec, make_script, run_pytest, pytester
):
    make_spec(body=SPEC)
    make_script(script())
    model = "--fncall-model=scripted/script.yaml"
    run_pytest(model, "--snapshot-update").assert_outcomes(passed=2)
    before = snapshot_file(pytester, "tokyo").read_text()
    make_script(script(paris_city="London"))
    for selection in (
        ["--deselect", "weather.fncall.yaml::tokyo[scripted/script.yaml]"],
        ["-k", "paris"],
        ["-m", "not fncall_args"],  # selects nothing: no case checks argument values
    ):
        run_pytest(model, "--snapshot-update", *selection)
        assert snapshot_file(pytester, "tokyo").read_text() == before, selection
    assert "London" in snapshot_file(pytester, "paris").read_text()


def test_syrupy_keeps_working_for_python_tests_in_the_same_run(
    make_spec, make_script, run_pytest, pytester
):
    make_spec(body=SPEC)
    make_script(script())
    pytester.makepyfile(
        test_plain="""
        def test_numbers(snapshot):
            assert [1, 2, 3] == snapshot
        """
    )
    model = "--fncall-model=scripted/script.yaml"
    run_pytest(model, "--snapshot-update").assert_outcomes(passed=3)
    assert (pytester.path / "__snapshots__" / "test_plain.ambr").exists()
    result = run_pytest(model, "--snapshot-update", "-k", "numbers")
    result.assert_outcomes(passed=1)
    assert snapshot_file(pytester, "paris").exists()
    run_pytest(model).assert_outcomes(passed=3)


def test_fncall_snapshot_option_covers_every_case(
    make_spec, make_script, run_pytest, pytester
):
    make_spec(
        body="cases:\n  - id: paris\n    prompt: x\n    expect: {call: get_weather}\n"
    )
    make_script(script())
    run_pytest(
        "--fncall-model=scripted/script.yaml", "--fncall-snapshot", "--snapshot-update"
    )
    assert snapshot_file(pytester, "paris").exists()
