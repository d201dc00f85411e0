"""The options appear in --help with their ini twins."""

from __future__ import annotations


def test_help_lists_fncall_options(run_pytest):
    result = run_pytest("--help")
    result.stdout.fnmatch_lines(
        [
            "LLM function-call specs:",
            "  --fncall-model=PROVIDER/MODEL",
            "*Model to test as PROVIDER/MODEL*",
        ]
    )
    result.stdout.fnmatch_lines(["  fncall_model (linelist):*"])
