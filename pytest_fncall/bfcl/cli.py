"""``python -m pytest_fncall import-bfcl``: BFCL v4 files in, ``*.fncall.yaml`` out.

Exit status: 0 written; 2 bad usage or malformed input (``file:line: message`` on
stderr, nothing written); 1 the output could not be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_WRITE_FAILED = 1
EXIT_BAD_INPUT = 2

DESCRIPTION = """\
Convert one BFCL v4 category (a question file, one JSON object per line, and its
possible-answer file) into *.fncall.yaml specs under DIR: one case per entry, named by
its BFCL id, whose checks pass and fail where BFCL's AST checker does. A category whose
entries declare one function name with different docs is split into parts
(NAME.part01.fncall.yaml, ...). Exit status: 0 written, 1 the output could not be
written, 2 bad usage or malformed input (nothing written).
"""


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "import-bfcl",
        help="convert Berkeley Function Calling Leaderboard v4 files into specs",
        description=DESCRIPTION,
    )
    parser.add_argument(
        "--questions",
        type=Path,
        required=True,
        metavar="Q.json",
        help="BFCL question file (bfcl_eval/data/BFCL_v4_<category>.json)",
    )
    parser.add_argument(
        "--answers",
        type=Path,
        metavar="A.json",
        help="its possible answers (bfcl_eval/data/possible_answer/...); not needed for "
        "irrelevance categories",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="directory for the specs (created if needed)",
    )


def run(questions: Path, answers: Path | None, out: Path) -> int:
    from ..files import write_atomically
    from .convert import build_specs
    from .entries import BfclInputError, read_entries

    try:
        entries = read_entries(questions, answers)
        specs = build_specs(questions, answers, entries)
    except BfclInputError as exc:
        print(f"import-bfcl: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        for name, text in specs:
            write_atomically(out / name, text)
    except OSError as exc:
        print(f"import-bfcl: cannot write to {out}: {exc}", file=sys.stderr)
        return EXIT_WRITE_FAILED
    cases = len(entries)
    files = ", ".join(name for name, _ in specs)
    print(f"import-bfcl: {cases} cases from {questions.name} -> {out}/ ({files})")
    return EXIT_OK
