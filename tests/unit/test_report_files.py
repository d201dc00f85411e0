"""The JSON report document and its schema, the HTML page's safety, JUnit properties."""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from record_factory import A, B, record, turn

from pytest_fncall.report_html import STYLE, embedded_json, html_report
from pytest_fncall.report_html_script import SCRIPT
from pytest_fncall.report_html_sections import SECTIONS_SCRIPT
from pytest_fncall.report_json import (
    SCHEMA_PATH,
    build_report,
    read_report,
    report_schema,
    report_text,
    write_json_report,
)
from pytest_fncall.reporting import junit_properties

RECORDS = [
    record("tokyo", B, "failed", codes=("arg_mismatch",)),
    record("paris", A, tokens=(10, 2)),
    record("paris", B, "error", error="provider error: 503"),
    record("tokyo", A, "skipped", xfail="known", codes=("wrong_tool",)),
    record("joke", None, "skipped"),
]


def test_report_has_the_design_shape_sorted_by_nodeid():
    report = build_report(RECORDS, [B, A])
    assert list(report) == [
        "version",
        "generated_by",
        "models",
        "summary",
        "disagreements",
        "cases",
    ]
    assert report["version"] == 1
    assert report["models"] == [B, A]  # the run's order
    nodeids = [case["nodeid"] for case in report["cases"]]
    assert nodeids == sorted(nodeids)
    assert len(nodeids) == 5
    assert set(report["summary"]) == {A, B}
    assert report["summary"][A]["usage"] == {"input_tokens": 10, "output_tokens": 2}
    for case in report["cases"]:
        assert {
            "nodeid",
            "file",
            "case",
            "model",
            "outcome",
            "failures",
            "trials",
        } <= set(case)
        assert {"usage", "latency_s"} <= set(case)
    call = report["cases"][1]["trials"][0]["steps"][0]["calls"][0]
    assert call == {
        "name": "get_weather",
        "arguments": {"city": "Paris"},
        "raw_arguments": '{"city": "Paris"}',
        "result": None,
    }


def test_report_validates_against_the_shipped_schema():
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    report = json.loads(report_text(build_report(RECORDS, [A, B])))
    jsonschema.validate(report, schema)
    assert report_schema() == schema


def test_schema_rejects_a_wrong_outcome():
    report = json.loads(report_text(build_report(RECORDS)))
    report["cases"][0]["outcome"] = "exploded"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, report_schema())


def test_the_last_record_of_a_nodeid_wins():
    first = record("paris", A, "failed", codes=("wrong_tool",))
    again = record("paris", A)
    report = build_report([first, again])
    assert [case["outcome"] for case in report["cases"]] == ["passed"]


def test_non_finite_numbers_from_the_model_become_strings():
    steps = (turn(("get_weather", '{"city": "Paris", "days": NaN, "max": -Infinity}')),)
    report = build_report([record("paris", A, steps=steps)])

    def reject(constant):
        raise ValueError(constant)

    text = report_text(report)
    arguments = json.loads(text, parse_constant=reject)["cases"][0]["trials"][0]
    assert arguments["steps"][0]["calls"][0]["arguments"] == {
        "city": "Paris",
        "days": "nan",
        "max": "-inf",
    }
    json.loads(embedded_json(report), parse_constant=reject)  # what JSON.parse accepts


def test_written_atomically_and_read_back(tmp_path):
    path = tmp_path / "deep" / "report.json"
    report = build_report(RECORDS, [A, B])
    write_json_report(path, report)
    assert [p.name for p in path.parent.iterdir()] == ["report.json"]
    assert read_report(path) == json.loads(report_text(report))
    assert path.read_text().endswith("}\n")


def test_the_schema_ships_with_the_package():
    shipped = (
        importlib.resources.files("pytest_fncall") / "schema" / "report.schema.json"
    )
    assert shipped.is_file()
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert '"schema/*.json"' in pyproject  # package data: in the wheel too


# --- HTML ---------------------------------------------------------------------------------

HOSTILE = (
    '</script><script>alert(1)</script><!-- <img src=x onerror="alert(2)"> & \u2028'
)


def test_embedded_json_cannot_close_its_element_and_round_trips():
    value = {"text": HOSTILE, "keys": {"<b>": ["&amp;"]}}
    embedded = embedded_json(value)
    assert "<" not in embedded
    assert ">" not in embedded
    assert "&" not in embedded
    assert "\u2028" not in embedded
    assert json.loads(embedded) == value


def test_page_is_self_contained_and_embeds_the_report():
    hostile = record(
        "paris", A, steps=(turn(("get_weather", {"city": HOSTILE}), text=HOSTILE),)
    )
    report = build_report([*RECORDS, hostile], [A, B])
    page = html_report(report)
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "@import" not in page
    assert (
        page.count("<script") == 3
    )  # the data, the page's script, its optional sections
    assert page.count("</script>") == 3  # the hostile text did not add one
    data = re.search(
        r'<script type="application/json" id="fncall-data">(.*?)</script>', page, re.S
    )
    assert data is not None
    assert json.loads(data.group(1)) == json.loads(json.dumps(report))


def test_content_security_policy_allows_only_the_inline_style_and_script():
    page = html_report(build_report(RECORDS))

    def digest(text):
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    policy = re.search(r'Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in policy
    assert (
        f"script-src 'sha256-{digest(SCRIPT)}' 'sha256-{digest(SECTIONS_SCRIPT)}';"
        in policy
    )
    assert f"style-src 'sha256-{digest(STYLE)}'" in policy
    assert f"<script>{SCRIPT}</script>" in page
    assert f"<script>{SECTIONS_SCRIPT}</script>" in page
    assert f"<style>{STYLE}</style>" in page


def test_the_script_never_parses_strings_as_html():
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
    ):
        assert sink not in SCRIPT
        assert sink not in SECTIONS_SCRIPT
    assert "</script" not in SCRIPT.lower()
    assert "</script" not in SECTIONS_SCRIPT.lower()


# --- JUnit ---------------------------------------------------------------------------------


def test_junit_properties_of_a_failure():
    item = record(
        "tokyo", B, "failed", codes=("arg_mismatch", "wrong_tool", "arg_mismatch")
    )
    assert junit_properties(item) == [
        ("fncall_model", B),
        ("fncall_outcome", "failed"),
        ("fncall_codes", "arg_mismatch,wrong_tool"),
        ("fncall_trials", "1"),
        ("fncall_pass_rate", "0"),
    ]


@pytest.mark.parametrize(
    ("item", "outcome", "trials", "rate"),
    [
        (record("a", A), "passed", "1", "1"),
        (record("a", A, "error", error="503"), "error", "0", None),
        (record("a", None, "skipped"), "skipped", "0", None),
        (record("a", A, "skipped", xfail="known", codes=("x",)), "xfailed", "1", "0"),
        (record("a", A, "passed", xfail="known"), "xpassed", "1", "1"),
    ],
)
def test_junit_properties(item, outcome, trials, rate):
    properties = dict(junit_properties(item))
    assert properties["fncall_outcome"] == outcome
    assert properties["fncall_trials"] == trials
    assert properties.get("fncall_pass_rate") == rate
    assert all(isinstance(value, str) for value in properties.values())


def test_junit_properties_of_repeated_trials():
    item = record("a", A, "failed", codes=("unreliable",), trials=3)
    item["reliability"] = {"n": 5, "c": 3, "pass_hat_k": {}, "pass_at_k": {}}
    properties = dict(junit_properties(item))
    assert properties["fncall_trials"] == "5"
    assert properties["fncall_pass_rate"] == "0.6"


def test_the_reporter_module_is_cheap_to_import():
    code = (
        "import sys, pytest_fncall.reporting;"
        "heavy = ('pydantic', 'httpx', 'jsonschema', 'yaml', 'syrupy');"
        "print(' '.join(m for m in heavy if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == ""
