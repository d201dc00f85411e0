"""``python -m pytest_fncall``: command-line tools that need no pytest run."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .files import write_atomically

SCHEMA_PATH = Path(__file__).with_name("schema") / "fncall.schema.json"


def schema_text() -> str:
    from .spec import json_schema

    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_fncall")
    commands = parser.add_subparsers(dest="command", required=True)
    schema = commands.add_parser(
        "schema", help="print the JSON Schema of *.fncall.yaml"
    )
    schema.add_argument(
        "--write",
        action="store_true",
        help=f"rewrite the shipped copy ({SCHEMA_PATH.name})",
    )
    compare = commands.add_parser(
        "compare",
        help="compare two JSON reports (--fncall-report): regressions, fixes, new and "
        "removed cases, failure codes per model",
        description="Print what changed from BASE to NEW. Exit status: 1 when a case "
        "that passed in BASE fails or errors in NEW, 0 otherwise, 2 when a report "
        "cannot be read.",
    )
    compare.add_argument("base", type=Path, metavar="BASE.json")
    compare.add_argument("new", type=Path, metavar="NEW.json")
    compare.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="markdown: for a pull-request comment (default: text)",
    )
    from .bfcl.cli import add_parser as add_bfcl_parser

    add_bfcl_parser(commands)
    arguments = parser.parse_args(argv)
    if arguments.command == "import-bfcl":
        from .bfcl.cli import run as run_import_bfcl

        return run_import_bfcl(arguments.questions, arguments.answers, arguments.out)
    if arguments.command == "compare":
        from .compare import run_compare

        return run_compare(arguments.base, arguments.new, arguments.format)
    if arguments.command == "schema":
        if arguments.write:
            write_atomically(SCHEMA_PATH, schema_text())
            print(f"wrote {SCHEMA_PATH}")
        else:
            sys.stdout.write(schema_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
