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
    arguments = parser.parse_args(argv)
    if arguments.command == "schema":
        if arguments.write:
            write_atomically(SCHEMA_PATH, schema_text())
            print(f"wrote {SCHEMA_PATH}")
        else:
            sys.stdout.write(schema_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
