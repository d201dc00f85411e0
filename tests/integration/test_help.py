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


def test_help_lists_lint_and_coverage_with_their_ini_twins(run_pytest):
    result = run_pytest("--help")
    result.stdout.fnmatch_lines(
        [
            "  --fncall-lint *Check specs and tools without calling a model:*",
            "  --fncall-coverage *Report which declared tools, parameters and enum*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["  fncall_lint (bool):*See --fncall-lint.", "  fncall_coverage (bool):"]
    )
