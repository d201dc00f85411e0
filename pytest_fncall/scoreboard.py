"""Per-model statistics over item records: the numbers every report shows.

Pure and standard-library only: the terminal summary, the JSON and HTML reports and
``python -m pytest_fncall compare`` all count the same way. Definitions:

- A record's *shown outcome* is its pytest outcome, except that an xfailed item (pytest
  says "skipped") is ``xfailed`` and an xpassed one is ``xpassed``.
- Its *verdict* is what the model did: ``passed`` (xpassed too), ``failed`` (xfailed too:
  an ``xfail`` mark is the suite's bookkeeping, not the model's success), ``error``
  (provider problems: not the model's fault) or ``skipped`` (the model was not asked).
- ``pass_rate`` = passed / (passed + failed + xfailed): over the cases the model answered
  and was judged on; errors and skips are left out (and shown beside it).
- ``codes`` counts cases per failure code: a case with two ``arg_mismatch`` counts once.
- Latency percentiles are nearest-rank over the cases that were timed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Record = Mapping[str, Any]

NO_MODEL = "(no model)"
SHOWN_OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def shown_outcome(record: Record) -> str:
    outcome = str(record.get("outcome"))
    if record.get("xfail") is not None:
        if outcome == "skipped":
            return "xfailed"
        if outcome == "passed":
            return "xpassed"
    return outcome


def verdict(record: Record) -> str:
    return {"xfailed": "failed", "xpassed": "passed"}.get(
        shown_outcome(record), shown_outcome(record)
    )


def model_of(record: Record) -> str:
    model = record.get("model")
    return str(model) if model else NO_MODEL


def codes_of(record: Record) -> list[str]:
    """The record's failure codes, each once, in the order they were reported."""
    codes: list[str] = []
    for failure in record.get("failures") or ():
        code = str(failure.get("code"))
        if code not in codes:
            codes.append(code)
    return codes


def trial_counts(record: Record) -> tuple[int, int]:
    """``(passed, total)`` trials: the record's ``reliability`` (repeated trials) when it
    has one, else its ``trials`` list."""
    reliability = record.get("reliability")
    if isinstance(reliability, Mapping) and reliability.get("n"):
        return int(reliability.get("c") or 0), int(reliability["n"])
    trials = list(record.get("trials") or ())
    return sum(1 for trial in trials if trial.get("passed")), len(trials)


def ordered_models(
    records: Iterable[Record], preferred: Sequence[str] = ()
) -> list[str]:
    """Models that have records: those in ``preferred`` (the run's order) first, then sorted."""
    present = {model_of(record) for record in records if record.get("model")}
    return [m for m in preferred if m in present] + sorted(present - set(preferred))


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (always a value that occurred); None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def model_summary(records: Sequence[Record]) -> dict[str, Any]:
    """JSON-ready statistics of one model's records."""
    shown = Counter(shown_outcome(record) for record in records)
    judged = shown["passed"] + shown["xpassed"] + shown["failed"] + shown["xfailed"]
    codes: Counter[str] = Counter()
    for record in records:
        codes.update(codes_of(record))
    latencies = [
        float(record["latency_s"])
        for record in records
        if record.get("latency_s") is not None
    ]
    passed = shown["passed"] + shown["xpassed"]
    trials = [trial_counts(record) for record in records]
    return {
        "cases": len(records),
        "passed": passed,
        "failed": shown["failed"],
        "errors": shown["error"],
        "skipped": shown["skipped"],
        "xfailed": shown["xfailed"],
        "xpassed": shown["xpassed"],
        "pass_rate": round(passed / judged, 4) if judged else None,
        "trials": sum(total for _, total in trials),
        "trials_passed": sum(passed for passed, _ in trials),
        "codes": dict(sorted(codes.items(), key=lambda item: (-item[1], item[0]))),
        "usage": {
            "input_tokens": _token_sum(records, "input_tokens"),
            "output_tokens": _token_sum(records, "output_tokens"),
        },
        "latency_s": {
            "p50": percentile(latencies, 0.50),
            "p95": percentile(latencies, 0.95),
            "total": round(sum(latencies), 4) if latencies else None,
        },
    }


def _token_sum(records: Sequence[Record], key: str) -> int | None:
    counts = [(record.get("usage") or {}).get(key) for record in records]
    known = [int(count) for count in counts if count is not None]
    return sum(known) if known else None


def summaries(records: Sequence[Record], models: Sequence[str]) -> dict[str, Any]:
    """``{model: model_summary}`` for each of ``models`` (records without a model left out)."""
    return {
        model: model_summary([r for r in records if model_of(r) == model])
        for model in models
    }


def case_key(record: Record) -> str:
    """The node id without the model: what identifies "the same case" across models."""
    nodeid = str(record.get("nodeid"))
    model = record.get("model")
    if not model or not nodeid.endswith("]"):
        return nodeid
    for piece, replacement in (
        (f"[{model}]", ""),
        (f"[{model}-", "["),
        (f"-{model}]", "]"),
    ):
        at = nodeid.rfind(piece)
        if at != -1 and (piece.endswith("-") or at + len(piece) == len(nodeid)):
            return nodeid[:at] + replacement + nodeid[at + len(piece) :]
    return nodeid


def disagreements(
    records: Sequence[Record], models: Sequence[str]
) -> list[dict[str, Any]]:
    """Cases that two or more models ran with different verdicts, sorted by case.

    Each entry: ``{"case", "file", "outcomes": {model: verdict}, "codes": {model: [...]},
    "nodeids": {model: nodeid}}``. Skipped items are left out (the model was not asked).
    """
    if len(models) < 2:
        return []
    grouped: dict[str, dict[str, Record]] = {}
    for record in records:
        if record.get("model") in models and verdict(record) != "skipped":
            grouped.setdefault(case_key(record), {})[model_of(record)] = record
    found = []
    for key in sorted(grouped):
        by_model = {m: grouped[key][m] for m in models if m in grouped[key]}
        outcomes = {model: verdict(record) for model, record in by_model.items()}
        if len(outcomes) >= 2 and len(set(outcomes.values())) > 1:
            found.append(
                {
                    "case": key,
                    "file": next(iter(by_model.values())).get("file"),
                    "outcomes": outcomes,
                    "codes": {m: codes_of(r) for m, r in by_model.items()},
                    "nodeids": {m: r.get("nodeid") for m, r in by_model.items()},
                }
            )
    return found
