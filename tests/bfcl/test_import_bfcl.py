"""``python -m pytest_fncall import-bfcl`` end to end: files, errors, exit codes, a run."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from bfcl_agreement import CATEGORIES
from conftest import FIXTURES, import_with_cli

from pytest_fncall.__main__ import main
from pytest_fncall.loader import load_spec


def test_every_v4_file_imports_and_loads(imported: Path) -> None:
    specs = sorted(imported.glob("*.fncall.yaml"))
    ids = [case.id for path in specs for case in load_spec(path).cases]
    assert len(ids) == len(set(ids)) == 2551  # 400+200+200+200+240+258+1053
    assert {"simple_python_0", "live_multiple_17-4-9", "irrelevance_239"} <= set(ids)
    for category in CATEGORIES:
        assert any(p.name.startswith(f"BFCL_v4_{category}.") for p in specs)
    # one function name with 21 different docs: 33 parts, each declaring it once
    assert len(list(imported.glob("BFCL_v4_live_multiple.part*.fncall.yaml"))) > 20


def test_fixture_import_writes_readable_specs(tmp_path: Path) -> None:
    assert import_with_cli("simple_python", FIXTURES, tmp_path) == 0
    (path,) = tmp_path.glob("*.fncall.yaml")
    assert path.name == "BFCL_v4_simple_python.fncall.yaml"
    text = path.read_text(encoding="utf-8")
    assert "Apache License 2.0" in text
    assert "base: {$type: integer, $eq: 10}" in text
    assert "$loose: units" in text
    assert "{$bfcl: {type: array, items: float, in: [[1.0, 3.0]]}}" in text
    spec = load_spec(path)
    case = {c.id: c for c in spec.cases}["simple_python_1"]
    assert [tool.name for tool in case.tools] == ["math.factorial"]  # name kept as is
    assert case.expectation.patterns[0].exact


def test_irrelevance_needs_no_answers(tmp_path: Path) -> None:
    assert import_with_cli("irrelevance", FIXTURES, tmp_path) == 0
    (case, _) = load_spec(tmp_path / "BFCL_v4_irrelevance.fncall.yaml").cases
    assert case.expectation.no_call


def _write(path: Path, *lines: object) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


QUESTION = {
    "id": "simple_python_0",
    "question": [[{"role": "user", "content": "Area?"}]],
    "function": [
        {
            "name": "area",
            "description": "",
            "parameters": {
                "type": "dict",
                "properties": {"base": {"type": "integer"}},
                "required": ["base"],
            },
        }
    ],
}
ANSWER = {"id": "simple_python_0", "ground_truth": [{"area": {"base": [10]}}]}


def _run(tmp_path: Path, question: Path, answers: Path | None) -> int:
    argv = ["import-bfcl", "--questions", str(question), "--out", str(tmp_path / "out")]
    return main(argv + (["--answers", str(answers)] if answers else []))


@pytest.mark.parametrize(
    ("questions", "answers", "where", "message"),
    [
        (['{"id": "x"', None], [ANSWER], "Q:1", "not a JSON object on one line"),
        ([QUESTION, QUESTION], [ANSWER], "Q:2", "duplicate id 'simple_python_0'"),
        (
            [QUESTION],
            [{"id": "simple_python_0", "ground_truth": [{"nope": {}}]}],
            "A:1",
            "calls 'nope', which the question does not offer",
        ),
        (
            [QUESTION],
            [{"id": "simple_python_0", "ground_truth": [{"area": {"base": 10}}]}],
            "A:1",
            "must be a list of allowed values",
        ),
        ([{**QUESTION, "id": "bad id!"}], [ANSWER], "Q:1", "may hold only letters"),
        ([QUESTION], None, "Q:1", "no --answers file given"),
    ],
)
def test_malformed_input_names_file_and_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    questions: list[object],
    answers: list[object] | None,
    where: str,
    message: str,
) -> None:
    question_file = tmp_path / "BFCL_v4_simple_python.json"
    question_file.write_text(
        "".join(
            (q if isinstance(q, str) else json.dumps(q)) + "\n" for q in questions if q
        )
    )
    answer_file = _write(tmp_path / "answers.json", *answers) if answers else None
    assert _run(tmp_path, question_file, answer_file) == 2
    error = capsys.readouterr().err
    names = {"Q": str(question_file), "A": str(answer_file)}
    assert f"{names[where[0]]}:{where[2:]}: " in error
    assert message in error
    assert not (tmp_path / "out").exists()  # nothing written


def test_java_types_are_refused_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    java = json.loads(json.dumps(QUESTION))
    java["function"][0]["parameters"]["properties"]["base"]["type"] = "long"
    question_file = _write(tmp_path / "BFCL_v4_simple_java.json", java)
    answers = _write(tmp_path / "a.json", ANSWER)
    assert _run(tmp_path, question_file, answers) == 2
    assert "Java/JavaScript" in capsys.readouterr().err


def test_unwritable_output_exits_1(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file, not a directory")
    question_file = _write(tmp_path / "BFCL_v4_simple_python.json", QUESTION)
    assert _run(tmp_path, question_file, _write(tmp_path / "a.json", ANSWER)) == 1


SCRIPT = """\
simple_python_0:            # ground truth, optional unit left out
  - calls: [{name: calculate_triangle_area, arguments: {base: 10, height: 5}}]
simple_python_1:            # a float where BFCL wants an integer
  - calls: [{name: math.factorial, arguments: {number: 5.0}}]
simple_python_13:           # ints inside an array of floats: BFCL's type_error:nested
  - calls: [{name: calculate_area_under_curve,
             arguments: {function: "X ** 2", interval: [1, 3]}}]
simple_python_2:            # int for float is fine at the top level; z optional
  - calls: [{name: math.hypot, arguments: {x: 4, y: 5}}]
parallel_0:                 # any order; case and spaces normalised
  - calls:
      - {name: spotify.play, arguments: {artist: "maroon5", duration: 15}}
      - {name: spotify.play, arguments: {artist: "TAYLOR SWIFT", duration: 20}}
live_simple_30-8-0:         # null for an optional parameter BFCL allows null for
  - calls: [{name: aws.lexv2_models.list_exports,
             arguments: {botId: my-bot-id, botVersion: v2, filterName: null}}]
irrelevance_0:
  - text: I cannot compute that with these tools.
irrelevance_1:
  - calls: [{name: math.sum, arguments: {numbers: [1, 2, 3]}}]
"""


def test_imported_spec_runs_under_pytest_with_the_scripted_provider(
    pytester: pytest.Pytester,
    make_script: Callable[..., Path],
    run_pytest: Callable[..., pytest.RunResult],
) -> None:
    for category in ("simple_python", "parallel", "live_simple", "irrelevance"):
        assert import_with_cli(category, FIXTURES, pytester.path) == 0
    make_script(textwrap.dedent(SCRIPT))
    selected = [
        "-k",
        "simple_python or parallel_0 or live_simple_30 or irrelevance",
    ]
    result = run_pytest("--fncall-model=scripted/script.yaml", "-rA", *selected)
    output = result.stdout.str()
    passed = [
        "simple_python_0",
        "simple_python_2",
        "parallel_0",
        "live_simple_30-8-0",
        "irrelevance_0",
    ]
    failed = ["simple_python_1", "simple_python_13", "irrelevance_1"]
    for case in passed:
        assert re.search(rf"PASSED \S+::{re.escape(case)}\[", output), case
    result.assert_outcomes(passed=len(passed), failed=len(failed))
    assert "type_error:nested" in output  # the $bfcl matcher says why
    assert "unexpected_call" in output
