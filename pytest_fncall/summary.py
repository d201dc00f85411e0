"""The end-of-run terminal summary: records in, plain lines out (at most ``width`` columns).

Pure, so it is tested without pytest; :mod:`reporting` writes the lines through pytest's
terminal reporter. Layout, per model: the outcome counts, pass rate, tokens and latency;
then failure codes per model; then, when cases have ``perturb:`` variants, the
robustness table (:mod:`.robustness`); then, with two or more models, the cases they
disagree on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .robustness import robustness_lines
from .scoreboard import (
    NO_MODEL,
    Record,
    case_key,
    disagreements,
    model_of,
    ordered_models,
    summaries,
)

MAX_WIDTH = 100
MIN_WIDTH = 80  # the numbers take 74 columns
MAX_DISAGREEMENTS = 10
INDENT = "  "

# (header, width, how to show the model's summary)
_COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("cases", 5, "cases"),
    ("pass", 5, "passed"),
    ("fail", 5, "failed"),
    ("error", 5, "errors"),
    ("skip", 5, "skipped"),
    ("xfail", 5, "xfailed"),
    ("rate", 6, "pass_rate"),
    ("tok in", 7, "input_tokens"),
    ("tok out", 7, "output_tokens"),
    ("p50", 7, "p50"),
    ("p95", 7, "p95"),
)


def summary_lines(
    records: Sequence[Record],
    models: Sequence[str] = (),
    width: int = MAX_WIDTH,
) -> list[str]:
    """The summary of ``records`` (``models`` gives the order); no records, no lines."""
    if not records:
        return []
    width = max(MIN_WIDTH, min(width, MAX_WIDTH))
    names = ordered_models(records, models)
    stats = summaries(records, names)
    lines: list[str] = []
    if names:
        lines.extend(_model_table(names, stats, width))
        if any(stats[name]["trials"] > stats[name]["cases"] for name in names):
            lines.append("")
            lines.extend(_trial_lines(names, stats, width))
        lines.append("")
        lines.extend(_code_lines(names, stats, width))
        robust = robustness_lines(records, names, width)
        if robust:
            lines.append("")
            lines.extend(robust)
    unmodelled = sum(1 for record in records if model_of(record) == NO_MODEL)
    if unmodelled:
        if lines:
            lines.append("")
        lines.append(
            f"{unmodelled} fncall case{'s' if unmodelled != 1 else ''} without a model "
            "(skipped: use --fncall-model)"
        )
    if len(names) >= 2:
        lines.append("")
        lines.extend(_disagreement_lines(records, names, width))
    return lines


def _model_table(
    names: Sequence[str], stats: Mapping[str, Any], width: int
) -> list[str]:
    numbers = " ".join(header.rjust(size) for header, size, _ in _COLUMNS)
    room = width - len(numbers) - 1
    longest = max(len(name) for name in names)
    if longest <= room:
        label = max(longest, len("model"))
        lines = ["model".ljust(label) + " " + numbers]
        for name in names:
            lines.append(name.ljust(label) + " " + _numbers(stats[name]))
        return lines
    # Long names: each on its own line, the numbers under it.
    pad = " " * max(0, width - len(numbers))
    lines = ["model", pad + numbers]
    for name in names:
        lines.append(shorten(name, width))
        lines.append(pad + _numbers(stats[name]))
    return lines


def _numbers(stats: Mapping[str, Any]) -> str:
    values = {
        **stats,
        "input_tokens": stats["usage"]["input_tokens"],
        "output_tokens": stats["usage"]["output_tokens"],
        "p50": stats["latency_s"]["p50"],
        "p95": stats["latency_s"]["p95"],
    }
    cells = []
    for _, size, key in _COLUMNS:
        value = values[key]
        if key == "pass_rate":
            text = "-" if value is None else f"{value * 100:.1f}%"
        elif key in ("p50", "p95"):
            text = format_duration(value)
        elif key.endswith("_tokens"):
            text = format_count(value)
        else:
            text = str(value)
        cells.append(text.rjust(size))
    return " ".join(cells)


def _trial_lines(
    names: Sequence[str], stats: Mapping[str, Any], width: int
) -> list[str]:
    lines = ["trials passed (repeated cases count every trial):"]
    for name in names:
        passed, total = stats[name]["trials_passed"], stats[name]["trials"]
        share = f" ({passed / total * 100:.1f}%)" if total else ""
        lines.append(shorten(f"{INDENT}{name}: {passed} of {total}{share}", width))
    return lines


def _code_lines(
    names: Sequence[str], stats: Mapping[str, Any], width: int
) -> list[str]:
    totals: dict[str, int] = {}
    for name in names:
        for code, count in stats[name]["codes"].items():
            totals[code] = totals.get(code, 0) + count
    if not totals:
        return ["failure codes: none"]
    codes = sorted(totals, key=lambda code: (-totals[code], code))
    label = max(len("code"), *(len(code) for code in codes))
    columns = [max(len(name), 3) for name in names]
    if label + sum(size + 2 for size in columns) <= width:
        lines = [
            "cases per failure code:",
            "code".ljust(label)
            + "".join(
                "  " + name.rjust(size)
                for name, size in zip(names, columns, strict=True)
            ),
        ]
        for code in codes:
            lines.append(
                code.ljust(label)
                + "".join(
                    "  " + str(stats[name]["codes"].get(code, 0)).rjust(size)
                    for name, size in zip(names, columns, strict=True)
                )
            )
        return lines
    lines = ["cases per failure code:"]
    for name in names:
        lines.append(INDENT + shorten(name, width - len(INDENT)))
        counted = ", ".join(f"{c} {n}" for c, n in stats[name]["codes"].items())
        lines.extend(wrap(counted or "none", width, INDENT * 2))
    return lines


def _disagreement_lines(
    records: Sequence[Record], names: Sequence[str], width: int
) -> list[str]:
    found = disagreements(records, names)
    compared = {case_key(r) for r in records if model_of(r) in names}
    if not found:
        return [f"the models agree on all {len(compared)} cases"]
    lines = [f"models disagree on {len(found)} of {len(compared)} cases:"]
    outcome_width = max(len(o) for d in found for o in d["outcomes"].values())
    for entry in found[:MAX_DISAGREEMENTS]:
        lines.append(INDENT + shorten(entry["case"], width - len(INDENT)))
        for model, outcome in entry["outcomes"].items():
            codes = entry["codes"][model]
            text = f"{outcome.ljust(outcome_width)}  {model}"
            if codes:
                text += f"  ({', '.join(codes)})"
            lines.append(shorten(INDENT * 3 + text, width))
    hidden = len(found) - MAX_DISAGREEMENTS
    if hidden > 0:
        lines.append(
            f"{INDENT}... and {hidden} more (--fncall-html / --fncall-report list all)"
        )
    return lines


def format_duration(seconds: float | None) -> str:
    """``850ms``, ``2.41s``, ``1m03s``; ``-`` for unknown."""
    if seconds is None:
        return "-"
    if seconds < 0.01:
        return f"{seconds * 1000:.1f}ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def format_count(count: int | None) -> str:
    """``812``, ``45,120``, ``1.2M``; ``-`` for unknown (the provider gave no usage)."""
    if count is None:
        return "-"
    if count < 100_000:
        return f"{count:,}"
    if count < 10_000_000:
        return f"{count / 1000:.0f}k"
    return f"{count / 1_000_000:.1f}M"


def shorten(text: str, width: int) -> str:
    """``text`` cut in the middle to ``width`` characters (both ends stay readable)."""
    if len(text) <= width:
        return text
    keep = width - 1
    head = keep // 3
    return text[:head] + "…" + text[len(text) - (keep - head) :]


def wrap(text: str, width: int, indent: str) -> list[str]:
    """Wrap a comma-separated list at its commas."""
    lines: list[str] = []
    current = indent
    for part in text.split(", "):
        piece = part if current == indent else ", " + part
        if current != indent and len(current) + len(piece) > width:
            lines.append(current + ",")
            current = indent + part
        else:
            current += piece
    lines.append(shorten(current, width))
    return lines
