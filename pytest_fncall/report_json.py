"""The JSON report (``--fncall-report``): its document, its text, and reading one back.

The shape is DESIGN §5's, and ``schema/report.schema.json`` describes it::

    {"version": 1, "generated_by": "pytest-fncall X.Y", "models": [...],
     "summary": {model: {cases, passed, failed, errors, skipped, xfailed, xpassed,
                         pass_rate, codes, usage, latency_s}},
     "disagreements": [{case, file, outcomes, codes, nodeids}],
     "cases": [record, ...],          # sorted by nodeid: serial and xdist runs agree
     "robustness": {model: [{perturbation, cases, passed, pass_rate, original_passed,
                             original_pass_rate, delta}]},   # only with perturb: variants
     "coverage": {"files": [...], "total": {...}}}   # only with --fncall-coverage

The HTML report embeds the same document.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .files import write_atomically
from .robustness import robustness
from .scoreboard import Record, disagreements, ordered_models, summaries

REPORT_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("schema") / "report.schema.json"


class ReportError(ValueError):
    """A file is not a readable pytest-fncall JSON report; the message says why."""


def build_report(
    records: Iterable[Record],
    models: Sequence[str] = (),
    *,
    coverage: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report document of ``records`` (``models``: the run's order of models);
    ``coverage``: the ``--fncall-coverage`` document
    (:func:`pytest_fncall.coverage.coverage_document`), left out when None."""
    from . import __version__

    by_nodeid = {str(record["nodeid"]): record for record in records}
    cases = [by_nodeid[nodeid] for nodeid in sorted(by_nodeid)]
    names = ordered_models(cases, models)
    report = {
        "version": REPORT_VERSION,
        "generated_by": f"pytest-fncall {__version__}",
        "models": names,
        "summary": summaries(cases, names),
        "disagreements": disagreements(cases, names),
        "cases": [strict_json(case) for case in cases],
    }
    robust = robustness(cases, names)
    if robust:
        report["robustness"] = robust
    if coverage is not None:
        report["coverage"] = strict_json(coverage)
    return report


def strict_json(value: Any) -> Any:
    """``value`` with NaN and infinities as strings: JSON.parse and jq reject them, and
    model output (``{"x": NaN}`` parses in Python) may contain them."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(item) for item in value]
    return value


def report_text(report: Mapping[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json_report(path: Path, report: Mapping[str, Any]) -> None:
    write_atomically(path, report_text(report))


def read_report(path: Path) -> dict[str, Any]:
    """Load and check a JSON report; :class:`ReportError` says what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read it: {exc}") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ReportError(f"{path}: not JSON: {exc}") from None
    if not isinstance(document, dict) or "cases" not in document:
        raise ReportError(
            f"{path}: not a pytest-fncall report (expected an object with 'version' "
            "and 'cases', as written by --fncall-report)"
        )
    if document.get("version") != REPORT_VERSION:
        raise ReportError(
            f"{path}: report version {document.get('version')!r} is not supported "
            f"(this pytest-fncall reads version {REPORT_VERSION})"
        )
    from .validation import schema_issues

    issues = schema_issues(document, report_schema())
    if issues:
        first = issues[0]
        more = f" (and {len(issues) - 1} more problems)" if len(issues) > 1 else ""
        raise ReportError(
            f"{path}: not a valid pytest-fncall report: {first.json_path}: "
            f"{first.message}{more}"
        )
    return document


def report_schema() -> dict[str, Any]:
    """The shipped JSON Schema of the report."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema
