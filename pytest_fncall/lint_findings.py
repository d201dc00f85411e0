"""What ``--fncall-lint`` reports: a :class:`LintFinding` per problem, and the text of a list.

:mod:`.lint` finds them; :mod:`.lint_item` shows them as a test item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["LintFinding", "Severity", "render_findings"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class LintFinding:
    """One thing lint found: where (``case_id`` None for a tool), what, how bad.

    ``key`` is a key path like the spec errors': ``cases.ID.expect.args.city``,
    ``cases.ID.expect.calls[1].parallel[0].args.unit``; a tool is named by its name,
    wherever it came from (``tools.get_weather``); a ``forbid`` pattern by its tool
    (``cases.ID.expect.forbid[send_sms].args.to``).
    """

    case_id: str | None
    key: str
    message: str
    severity: Severity


def render_findings(findings: Sequence[LintFinding]) -> str:
    """One ``severity: key: message`` line per finding, then a count."""
    if not findings:
        return "fncall lint: no problems found"
    lines = [f"{f.severity}: {f.key}: {f.message}" for f in findings]
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    counts = [
        _count(errors, "error") if errors else "",
        _count(warnings, "warning") if warnings else "",
    ]
    lines.append(f"fncall lint: {', '.join(c for c in counts if c)}")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
