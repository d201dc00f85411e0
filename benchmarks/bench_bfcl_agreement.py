#!/usr/bin/env python3
"""Agreement of imported BFCL specs with BFCL's checker (issue 8); prints figures and ratios.

    python benchmarks/bench_bfcl_agreement.py                 # every v4 category
    python benchmarks/bench_bfcl_agreement.py parallel live_simple --show 5

Each category of /work/shared/data/bfcl/v4 (or $FNCALL_BFCL_DATA/v4) is imported with
``pytest_fncall.bfcl``; every entry's ground truth and all of its systematic mutations
(``tests/bfcl/bfcl_agreement.py``) are judged by the imported spec (``load_spec`` +
``verdict.evaluate``) and by the reference reading of BFCL's checker
(``tests/bfcl/reference_checker.py``). Printed per category: outputs, how many BFCL
passes, agreement, differences by mutation kind, and the time taken.

A second section, "recorded SmolLM2 outputs", judges the tool calls a real model
(SmolLM2-135M behind llama.cpp's server) returned for a sample of each category
(``tests/bfcl/fixtures/recorded/``, re-recorded by ``scripts/record-bfcl-sample``): the
imported spec's verdict against BFCL's, after BFCL's decoding of the raw arguments.
``--recorded`` prints only that section.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "bfcl"))

import bfcl_agreement


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "categories", nargs="*", default=list(bfcl_agreement.CATEGORIES)
    )
    parser.add_argument(
        "--show", type=int, default=3, help="differences shown per category"
    )
    parser.add_argument(
        "--recorded",
        action="store_true",
        help="only the section on recorded SmolLM2 outputs",
    )
    arguments = parser.parse_args()
    if not bfcl_agreement.V4.is_dir():
        print(f"no BFCL data in {bfcl_agreement.V4}", file=sys.stderr)
        return 2
    if not arguments.recorded:
        mutations(arguments.categories, arguments.show)
        print()
    recorded(arguments.categories)
    return 0


def mutations(categories: list[str], show: int) -> None:
    header = f"{'category':<18} {'entries':>7} {'outputs':>8} {'BFCL pass':>9} "
    print(header + f"{'agree':>8} {'ratio':>9} {'seconds':>8}  differences")
    total_outputs = total_agree = 0
    for category in categories:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as directory:
            entries, cases = bfcl_agreement.import_category(category, Path(directory))
            tally = bfcl_agreement.measure(category, entries, cases)
        seconds = time.perf_counter() - started
        total_outputs += tally.outputs
        total_agree += tally.agree
        kinds = ", ".join(f"{k}: {n}" for k, n in tally.by_kind.most_common()) or "none"
        print(
            f"{category:<18} {len(entries):>7} {tally.outputs:>8} {tally.passed_ref:>9} "
            f"{tally.agree:>8} {tally.ratio:>9.4%} {seconds:>8.1f}  {kinds}"
        )
        for entry_id, kind, output, ours, bfcl in tally.disagreements[:show]:
            print(
                f"    {entry_id} [{kind}] ours={ours} BFCL={bfcl}: {str(output)[:160]}"
            )
    ratio = total_agree / total_outputs if total_outputs else 1.0
    print(
        f"{'all':<18} {'':>7} {total_outputs:>8} {'':>9} {total_agree:>8} {ratio:>9.4%}"
    )


def recorded(categories: list[str]) -> None:
    """Agreement on the recorded outputs of a real model, every disagreement listed."""
    print("recorded SmolLM2 outputs (tests/bfcl/fixtures/recorded)")
    header = f"{'category':<18} {'entries':>7} {'BFCL pass':>9} {'our pass':>8} "
    print(header + f"{'agree':>6} {'ratio':>9} {'undecodable':>11} {'unrecorded':>10}")
    total = bfcl_agreement.RecordedTally()
    for category in categories:
        if not (bfcl_agreement.RECORDED / f"{category}.json").exists():
            print(f"{category:<18} (not recorded)")
            continue
        with tempfile.TemporaryDirectory() as directory:
            entries, cases = bfcl_agreement.import_category(category, Path(directory))
            tally = bfcl_agreement.measure_recorded(
                category, entries, cases, bfcl_agreement.load_recorded(category)
            )
        total.add(tally)
        _recorded_row(category, tally)
    _recorded_row("all", total)
    for entry_id, kind, calls, ours, bfcl in total.disagreements:
        why = bfcl_agreement.DIFFERENCES.get(kind or 0, "UNEXPLAINED")
        shown = [(c["name"], c["arguments"][:80]) for c in calls]
        print(f"    {entry_id}: ours {ours or 'pass'}, BFCL {bfcl}; {why}: {shown}")


def _recorded_row(name: str, tally: bfcl_agreement.RecordedTally) -> None:
    print(
        f"{name:<18} {tally.entries:>7} {tally.passed_ref:>9} {tally.passed_ours:>8} "
        f"{tally.agree:>6} {tally.ratio:>9.2%} {tally.undecodable:>11} "
        f"{tally.unrecorded:>10}"
    )


if __name__ == "__main__":
    sys.exit(main())
