"""The robustness table: each perturbation's pass rate against the original cases.

Pure and standard-library only, like :mod:`.scoreboard`. A variant's record (its
``perturbation`` names it) is paired with the record of the same case and model
unperturbed: its node id without the variant (``case[m-variant]`` -> ``case[m]``). Only
pairs where both were judged (passed or failed, xfail counted as in the scoreboard)
count, so both rates are over the same cases; ``delta`` is the difference in
percentage points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .scoreboard import Record, model_of, verdict

_JUDGED = ("passed", "failed")
_HEADERS = (("cases", 5), ("rate", 7), ("original", 8), ("delta", 9))


def original_nodeid(nodeid: str, variant: str) -> str | None:
    """The node id of the unperturbed item of variant item ``nodeid``."""
    for piece, replacement in ((f"-{variant}]", "]"), (f"[{variant}]", "")):
        if nodeid.endswith(piece):
            return nodeid[: -len(piece)] + replacement
    return None


def robustness(
    records: Sequence[Record], models: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """``{model: [{"perturbation", "cases", "passed", "pass_rate", "original_passed",
    "original_pass_rate", "delta"}]}``, variants sorted by name; models without
    variants are left out."""
    by_nodeid = {str(record.get("nodeid")): record for record in records}
    pairs: dict[str, dict[str, list[tuple[bool, bool]]]] = {}
    for record in records:
        name = record.get("perturbation")
        model = model_of(record)
        if not name or model not in models:
            continue
        rows = pairs.setdefault(model, {}).setdefault(str(name), [])
        original = by_nodeid.get(original_nodeid(str(record.get("nodeid")), name) or "")
        if original is None:
            continue
        outcomes = verdict(record), verdict(original)
        if all(outcome in _JUDGED for outcome in outcomes):
            rows.append((outcomes[0] == "passed", outcomes[1] == "passed"))
    table: dict[str, list[dict[str, Any]]] = {}
    for model in models:
        if model not in pairs:
            continue
        table[model] = [
            _row(name, judged) for name, judged in sorted(pairs[model].items())
        ]
    return table


def _row(name: str, judged: list[tuple[bool, bool]]) -> dict[str, Any]:
    cases = len(judged)
    passed = sum(1 for variant, _ in judged if variant)
    original = sum(1 for _, unperturbed in judged if unperturbed)
    rate = round(passed / cases, 4) if cases else None
    original_rate = round(original / cases, 4) if cases else None
    return {
        "perturbation": name,
        "cases": cases,
        "passed": passed,
        "pass_rate": rate,
        "original_passed": original,
        "original_pass_rate": original_rate,
        "delta": None
        if rate is None or original_rate is None
        else round((passed - original) / cases * 100, 2),
    }


def robustness_lines(
    records: Sequence[Record], models: Sequence[str], width: int
) -> list[str]:
    """The terminal table (at most ``width`` columns); no variants, no lines."""
    table = robustness(records, models)
    if not table:
        return []
    numbers = " ".join(header.rjust(size) for header, size in _HEADERS)
    names = [row["perturbation"] for rows in table.values() for row in rows]
    label = min(max(len("perturbation"), *(2 + len(n) for n in names)), width - 33)
    lines = [
        "robustness: pass rate per perturbation vs the same cases unperturbed",
        "perturbation".ljust(label) + " " + numbers,
    ]
    for model, rows in table.items():
        lines.append(_cut(model, width))
        for row in rows:
            shown = _cut("  " + row["perturbation"], label).ljust(label)
            lines.append(shown + " " + _cells(row))
    return lines


def _cells(row: Mapping[str, Any]) -> str:
    def percent(value: float | None) -> str:
        return "-" if value is None else f"{value * 100:.1f}%"

    delta = row["delta"]
    values = (
        str(row["cases"]),
        percent(row["pass_rate"]),
        percent(row["original_pass_rate"]),
        "-" if delta is None else f"{delta:+.1f}pp",
    )
    return " ".join(
        value.rjust(size) for value, (_, size) in zip(values, _HEADERS, strict=True)
    )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
