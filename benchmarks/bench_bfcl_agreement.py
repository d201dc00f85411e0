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
    arguments = parser.parse_args()
    if not bfcl_agreement.V4.is_dir():
        print(f"no BFCL data in {bfcl_agreement.V4}", file=sys.stderr)
        return 2
    header = f"{'category':<18} {'entries':>7} {'outputs':>8} {'BFCL pass':>9} "
    print(header + f"{'agree':>8} {'ratio':>9} {'seconds':>8}  differences")
    total_outputs = total_agree = 0
    for category in arguments.categories:
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
        for entry_id, kind, output, ours, bfcl in tally.disagreements[: arguments.show]:
            print(
                f"    {entry_id} [{kind}] ours={ours} BFCL={bfcl}: {str(output)[:160]}"
            )
    ratio = total_agree / total_outputs if total_outputs else 1.0
    print(
        f"{'all':<18} {'':>7} {total_outputs:>8} {'':>9} {total_agree:>8} {ratio:>9.4%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
