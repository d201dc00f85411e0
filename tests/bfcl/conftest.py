"""Fixtures of the BFCL import tests: the full v4 data, imported once per session.

The full data is read from ``/work/shared/data/bfcl`` (or ``$FNCALL_BFCL_DATA``); tests
that need it skip when it is absent. The vendored entries in ``fixtures/`` are always
there.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # reference_checker, bfcl_agreement

import bfcl_agreement

from pytest_fncall.__main__ import main

FIXTURES = Path(__file__).parent / "fixtures"


def import_with_cli(category: str, root: Path, out: Path) -> int:
    questions, answers = bfcl_agreement.paths(category, root)
    argv = ["import-bfcl", "--questions", str(questions), "--out", str(out)]
    if answers is not None:
        argv += ["--answers", str(answers)]
    return main(argv)


@pytest.fixture(scope="session")
def full_data() -> Path:
    if not all(bfcl_agreement.paths(c)[0].exists() for c in bfcl_agreement.CATEGORIES):
        pytest.skip(f"the BFCL v4 data is not in {bfcl_agreement.V4}")
    return bfcl_agreement.V4


@pytest.fixture(scope="session")
def imported(full_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every v4 category imported with the command line, into one directory."""
    out = tmp_path_factory.mktemp("bfcl_specs")
    for category in bfcl_agreement.CATEGORIES:
        assert import_with_cli(category, full_data, out) == 0, category
    return out
