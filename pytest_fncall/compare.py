"""``python -m pytest_fncall compare BASE.json NEW.json``: what changed between two runs.

Cases are matched by node id, so each model is compared with itself. When each report
ran exactly one model and the models differ (a candidate against the current one), cases
are matched by node id without the model instead. Outcomes are compared as verdicts
(:mod:`scoreboard`: xfailed counts as failed). A *regression* is a case that passed in
BASE and fails or errors in NEW; a *fix* the reverse. Exit status: 1 when anything
regressed, 0 otherwise, 2 when a report cannot be read.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .scoreboard import (
    Record,
    case_key,
    codes_of,
    model_of,
    model_summary,
    ordered_models,
    verdict,
)

FAILING = ("failed", "error")


@dataclass(frozen=True)
class CaseChange:
    case: str
    before: str
    after: str
    codes_before: tuple[str, ...] = ()
    codes_after: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelDelta:
    model: str
    pass_rate: tuple[float | None, float | None]
    cases: tuple[int, int]
    codes: dict[str, tuple[int, int]]  # only the codes whose count changed


@dataclass
class Comparison:
    base: str
    new: str
    by_model_pair: bool = False  # matched by case without the model (one model each)
    regressions: list[CaseChange] = field(default_factory=list)
    fixes: list[CaseChange] = field(default_factory=list)
    changes: list[CaseChange] = field(default_factory=list)
    added: list[CaseChange] = field(default_factory=list)
    removed: list[CaseChange] = field(default_factory=list)
    models: list[ModelDelta] = field(default_factory=list)

    @property
    def regressed(self) -> bool:
        return bool(self.regressions)


def compare_reports(
    base: Mapping[str, Any],
    new: Mapping[str, Any],
    base_name: str = "BASE",
    new_name: str = "NEW",
) -> Comparison:
    base_cases: list[Record] = list(base.get("cases") or ())
    new_cases: list[Record] = list(new.get("cases") or ())
    base_models = ordered_models(base_cases, base.get("models") or ())
    new_models = ordered_models(new_cases, new.get("models") or ())
    pair = len(base_models) == len(new_models) == 1 and base_models != new_models
    key = case_key if pair else (lambda record: str(record.get("nodeid")))
    before = {key(record): record for record in base_cases}
    after = {key(record): record for record in new_cases}
    result = Comparison(base_name, new_name, by_model_pair=pair)
    for name in sorted(before.keys() & after.keys()):
        old, now = before[name], after[name]
        change = CaseChange(
            name,
            verdict(old),
            verdict(now),
            tuple(codes_of(old)),
            tuple(codes_of(now)),
        )
        if change.before == "passed" and change.after in FAILING:
            result.regressions.append(change)
        elif change.before in FAILING and change.after == "passed":
            result.fixes.append(change)
        elif (change.before, change.codes_before) != (change.after, change.codes_after):
            result.changes.append(change)
    for name in sorted(after.keys() - before.keys()):
        now = after[name]
        result.added.append(
            CaseChange(name, "", verdict(now), (), tuple(codes_of(now)))
        )
    for name in sorted(before.keys() - after.keys()):
        old = before[name]
        result.removed.append(CaseChange(name, verdict(old), "", tuple(codes_of(old))))
    if pair:
        label = f"{base_models[0]} -> {new_models[0]}"
        result.models.append(_delta(label, base_cases, new_cases))
    else:
        for model in [*base_models, *(m for m in new_models if m not in base_models)]:
            result.models.append(
                _delta(
                    model,
                    [r for r in base_cases if model_of(r) == model],
                    [r for r in new_cases if model_of(r) == model],
                )
            )
    return result


def _delta(label: str, before: Sequence[Record], after: Sequence[Record]) -> ModelDelta:
    old, now = model_summary(before), model_summary(after)
    codes = {
        code: (old["codes"].get(code, 0), now["codes"].get(code, 0))
        for code in sorted(set(old["codes"]) | set(now["codes"]))
        if old["codes"].get(code, 0) != now["codes"].get(code, 0)
    }
    return ModelDelta(
        label, (old["pass_rate"], now["pass_rate"]), (old["cases"], now["cases"]), codes
    )


def _rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _outcome(change: CaseChange, side: str) -> str:
    outcome = change.before if side == "before" else change.after
    codes = change.codes_before if side == "before" else change.codes_after
    return f"{outcome} ({', '.join(codes)})" if codes else outcome


def _sections(comparison: Comparison) -> list[tuple[str, list[CaseChange]]]:
    return [
        ("regressions (passed before, failing now)", comparison.regressions),
        ("fixes (failing before, passing now)", comparison.fixes),
        ("other changes", comparison.changes),
        ("new cases", comparison.added),
        ("removed cases", comparison.removed),
    ]


def verdict_line(comparison: Comparison) -> str:
    count = len(comparison.regressions)
    if not count:
        return "no regressions"
    return f"{count} regression{'s' if count != 1 else ''}"


def render_text(comparison: Comparison) -> str:
    lines = [f"pytest-fncall compare: {comparison.base} -> {comparison.new}"]
    if comparison.by_model_pair:
        lines.append("(one model in each report: cases matched without the model)")
    for title, changes in _sections(comparison):
        if not changes:
            continue
        lines += ["", f"{title}: {len(changes)}"]
        for change in changes:
            if not change.before:
                lines.append(f"  {change.case}: {_outcome(change, 'after')}")
            elif not change.after:
                lines.append(f"  {change.case}: was {_outcome(change, 'before')}")
            else:
                lines.append(
                    f"  {change.case}: {_outcome(change, 'before')} -> "
                    f"{_outcome(change, 'after')}"
                )
    lines += ["", "per model:"]
    for delta in comparison.models:
        lines.append(
            f"  {delta.model}: pass rate {_rate(delta.pass_rate[0])} -> "
            f"{_rate(delta.pass_rate[1])}, cases {delta.cases[0]} -> {delta.cases[1]}"
        )
        width = max((len(code) for code in delta.codes), default=0)
        for code, (old, now) in delta.codes.items():
            lines.append(f"    {code.ljust(width)}  {old} -> {now} ({now - old:+d})")
    lines += ["", verdict_line(comparison)]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """``text`` as inline code that is safe in a Markdown table cell."""
    text = text.replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(comparison: Comparison) -> str:
    """The comparison as a pull-request comment (GitHub-flavoured Markdown)."""
    lines = [
        f"### pytest-fncall: {verdict_line(comparison)}",
        "",
        f"{_md(comparison.base)} → {_md(comparison.new)}"
        + (
            " (one model each: cases matched without the model)"
            if comparison.by_model_pair
            else ""
        ),
        "",
        "| model | pass rate | cases | failure codes |",
        "| --- | --- | --- | --- |",
    ]
    for delta in comparison.models:
        codes = ", ".join(
            f"{_md(code)} {old}→{now}" for code, (old, now) in delta.codes.items()
        )
        lines.append(
            f"| {_md(delta.model)} | {_rate(delta.pass_rate[0])} → "
            f"{_rate(delta.pass_rate[1])} | {delta.cases[0]} → {delta.cases[1]} | "
            f"{codes or 'unchanged'} |"
        )
    for title, changes in _sections(comparison):
        if not changes:
            continue
        lines += [
            "",
            f"#### {title[0].upper()}{title[1:]}: {len(changes)}",
            "",
            "| case | before | after |",
            "| --- | --- | --- |",
        ]
        for change in changes:
            before = _outcome(change, "before") if change.before else "–"
            after = _outcome(change, "after") if change.after else "–"
            lines.append(f"| {_md(change.case)} | {before} | {after} |")
    return "\n".join(lines) + "\n"


def run_compare(
    base_path: Path,
    new_path: Path,
    output_format: str = "text",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The ``compare`` command: print the comparison, return the exit status."""
    from .report_json import ReportError, read_report

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        base = read_report(base_path)
        new = read_report(new_path)
    except ReportError as exc:
        err.write(f"python -m pytest_fncall compare: error: {exc}\n")
        return 2
    comparison = compare_reports(base, new, str(base_path), str(new_path))
    render = render_markdown if output_format == "markdown" else render_text
    out.write(render(comparison))
    return 1 if comparison.regressed else 0
