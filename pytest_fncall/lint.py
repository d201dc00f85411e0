"""Static checks of a loaded spec and its tools, without calling a model (``--fncall-lint``).

:func:`lint_spec` runs the checks of every tool (:mod:`.lint_tools`: names, parameter
names and descriptions that OpenAI, Anthropic or Mistral refuse, what OpenAI's strict
mode would refuse) and of every case's expectations (:mod:`.lint_expect`: what no valid
call can meet), in that order. Each finding is a :class:`~.lint_findings.LintFinding`.
"""

from __future__ import annotations

from .lint_expect import lint_case
from .lint_findings import LintFinding, Severity, render_findings
from .lint_tools import lint_tool
from .loader import LoadedSpec

__all__ = ["LintFinding", "Severity", "lint_spec", "lint_tool", "render_findings"]


def lint_spec(loaded: LoadedSpec, *, strict_mode: bool = True) -> list[LintFinding]:
    """Every finding for the spec's tools (in order), then for its cases (in order).

    ``strict_mode``: also report what OpenAI's strict mode would refuse (warnings).
    """
    findings: list[LintFinding] = []
    for tool in loaded.tools:
        findings.extend(lint_tool(tool, strict_mode=strict_mode))
    for case in loaded.cases:
        findings.extend(lint_case(case, loaded.tools))
    return findings
