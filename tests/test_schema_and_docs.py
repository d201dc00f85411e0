"""Shipped artefacts stay true: the spec JSON Schema, README anchors, the examples."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from pytest_fncall.__main__ import SCHEMA_PATH, schema_text
from pytest_fncall.yamlfile import parse_yaml

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.fncall.yaml"))


def test_shipped_schema_is_up_to_date():
    assert SCHEMA_PATH.read_text() == schema_text(), (
        "the spec models changed: run `python -m pytest_fncall schema --write`"
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_examples_validate_against_the_schema(example):
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validate(parse_yaml(example.read_text()).data, schema)


def test_schema_rejects_a_misspelt_key():
    schema = json.loads(SCHEMA_PATH.read_text())
    spec = {"version": 1, "cases": [{"id": "a", "prompt": "x", "expcet": {}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(spec, schema)


def test_every_readme_anchor_in_messages_exists():
    readme = (ROOT / "README.md").read_text()
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in readme.splitlines()
        if line.startswith("#")
    }
    sources = "".join(p.read_text() for p in (ROOT / "pytest_fncall").rglob("*.py"))
    anchors = set(re.findall(r"README\.md#([a-z0-9-]+)", sources))
    assert anchors, "no README anchors found: the check would be vacuous"
    assert anchors <= headings, anchors - headings


def test_examples_pass_offline():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            str(ROOT / "examples"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b\d+ passed\b", result.stdout), result.stdout
