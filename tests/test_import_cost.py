"""Installing the plugin must not make every pytest run import the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pydantic", "httpx", "jsonschema", "yaml", "syrupy")


def test_importing_the_plugin_imports_no_heavy_library():
    code = (
        "import sys, pytest_fncall.plugin, pytest_fncall;"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == ""


def test_the_check_can_fail():
    code = "import sys, pytest_fncall.loader; print('pydantic' in sys.modules)"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "True"
