"""`file:` tool sources may not escape the project unless the ini option allows it."""

from __future__ import annotations

import json


def test_a_tools_file_outside_the_rootdir_is_refused_unless_allowed(
    pytester, run_pytest
):
    outside = pytester.path.parent / f"{pytester.path.name}-outside.json"
    outside.write_text(json.dumps([{"name": "t", "parameters": {"type": "object"}}]))
    project = pytester.path
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "a.fncall.yaml").write_text(
        f"version: 1\ntools:\n  - file: ../{outside.name}\ncases:\n  - id: c\n    prompt: x\n"
    )
    refused = run_pytest()
    refused.stdout.fnmatch_lines(
        [
            "a.fncall.yaml:3: tools[[]0[]].file: *outside the project root*"
            "fncall_allow_outside_root*"
        ]
    )
    (project / "pytest.ini").write_text("[pytest]\nfncall_allow_outside_root = true\n")
    allowed = run_pytest()
    allowed.assert_outcomes(skipped=1)
