"""Build ``*.fncall.yaml`` specs from the BFCL v4 entries of one input file.

:mod:`.entries` reads and checks the question (and possible-answer) files; this module
turns their entries into spec files as YAML text.

One input file gives one spec file, ``<stem>.fncall.yaml``, unless its entries cannot
share one: a spec declares each tool once, and BFCL reuses a name with different docs
(live_multiple has up to 21 versions of one function). Entries then go, in order, to the
first part where every tool they offer is absent or identical and which holds fewer than
:data:`MAX_CASES` cases, as ``<stem>.part01.fncall.yaml``, ``.part02`` ...

Expectations follow the category, as BFCL's checker dispatches on it: ``parallel`` in
the name → ``calls`` with ``match: unordered`` (the same number of calls, any order);
irrelevance → ``no_call: true``; otherwise exactly one ``call``. Every pattern has
``args_mode: exact`` (BFCL rejects parameters its possible answer does not list).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from .entries import BfclInputError, Entry, read_entries
from .types import (
    BfclTypeError,
    expected_value,
    property_schema,
    widening,
)

__all__ = [
    "HEADER",
    "MAX_CASES",
    "BfclInputError",
    "Entry",
    "build_specs",
    "case_spec",
    "dump",
    "read_entries",
    "split_parts",
    "tool_spec",
]

MAX_CASES: Final = 250
"""Cases per spec file at most (the larger files load and diff more slowly)."""
_GLOB: Final = re.compile(r"([*?\[])")
HEADER: Final = """\
# Imported from the Berkeley Function Calling Leaderboard (BFCL) by
#   python -m pytest_fncall import-bfcl {sources}
# BFCL data: ShishirPatil/gorilla, berkeley-function-call-leaderboard, Apache License 2.0.
# Argument matchers reproduce BFCL's AST checker (README.md#importing-bfcl).
"""


@dataclass
class _Part:
    tools: dict[str, str] = field(default_factory=dict)  # name: canonical doc JSON
    entries: list[Entry] = field(default_factory=list)


def _widened_docs(
    entries: Sequence[Entry],
) -> dict[tuple[str, str], dict[str, tuple[set[str], set[str]]]]:
    """Per (tool name, doc): the extra JSON types each parameter's allowed values need."""
    extra: dict[tuple[str, str], dict[str, tuple[set[str], set[str]]]] = {}
    for entry in entries:
        docs = {doc["name"]: doc for doc in entry.functions}
        for call in entry.answer or ():
            ((name, params),) = call.items()
            doc = docs[name]
            props = doc["parameters"]["properties"]
            types = extra.setdefault((name, _key(doc)), {})
            for param, allowed in params.items():
                if param in props:
                    value, items = widening(props[param], allowed)
                    known = types.setdefault(param, (set(), set()))
                    known[0].update(value)
                    known[1].update(items)
    return extra


def _key(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, sort_keys=True)


def tool_spec(
    doc: Mapping[str, Any], widen: Mapping[str, tuple[set[str], set[str]]], where: str
) -> dict[str, Any]:
    params = doc["parameters"]
    properties = {}
    for name, prop in params["properties"].items():
        value, items = widen.get(name, (set(), set()))
        properties[name] = property_schema(prop, f"{where}.{name}", value, items)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if params.get("required"):
        schema["required"] = list(params["required"])
    tool: dict[str, Any] = {"name": doc["name"]}
    if isinstance(doc.get("description"), str):
        tool["description"] = doc["description"]
    tool["parameters"] = schema
    return tool


def _pattern(
    call: Mapping[str, Any], docs: Mapping[str, Mapping[str, Any]], where: str
) -> dict[str, Any]:
    ((name, params),) = call.items()
    props = docs[name]["parameters"]["properties"]
    args = {
        param: _flow(
            expected_value(props.get(param), allowed, f"{where}.{name}.{param}")
        )
        for param, allowed in params.items()
    }
    return {"tool": name, "args": args, "args_mode": "exact"}


def case_spec(entry: Entry, category: str, offer: bool) -> dict[str, Any]:
    case: dict[str, Any] = {"id": entry.id}
    if len(entry.messages) == 1 and entry.messages[0]["role"] == "user":
        case["prompt"] = entry.messages[0]["content"]
    else:
        case["messages"] = [
            {"role": m["role"], "content": m["content"]} for m in entry.messages
        ]
    if offer:
        case["tools"] = {
            "include": [_GLOB.sub(r"[\1]", d["name"]) for d in entry.functions]
        }
    docs = {doc["name"]: doc for doc in entry.functions}
    if entry.answer is None:
        case["expect"] = {"no_call": True}
    elif "parallel" in category:
        patterns = [_pattern(call, docs, entry.id) for call in entry.answer]
        case["expect"] = {"calls": patterns, "match": "unordered"}
    else:
        if len(entry.answer) != 1:
            raise BfclTypeError(
                f"{entry.id}: {len(entry.answer)} calls in the possible answer; "
                f"category {category!r} expects one"
            )
        pattern = _pattern(entry.answer[0], docs, entry.id)
        case["expect"] = {
            "call": pattern["tool"],
            "args_mode": "exact",
            "args": pattern["args"],
        }
    return case


def split_parts(entries: Sequence[Entry]) -> list[list[Entry]]:
    """Entries in parts whose tools never differ under one name (see module doc)."""
    parts: list[_Part] = []
    for entry in entries:
        docs = {doc["name"]: _key(doc) for doc in entry.functions}
        for part in parts:
            fits = len(part.entries) < MAX_CASES and all(
                part.tools.get(name, key) == key for name, key in docs.items()
            )
            if fits:
                break
        else:
            part = _Part()
            parts.append(part)
        part.tools.update(docs)
        part.entries.append(entry)
    return [part.entries for part in parts]


def build_specs(
    questions: Path, answers: Path | None, entries: Sequence[Entry]
) -> list[tuple[str, str]]:
    """(file name, YAML text) of every spec for one input file."""
    stem = questions.name.removesuffix(".json").removesuffix(".jsonl")
    category = stem.removeprefix("BFCL_v4_").removeprefix("BFCL_v3_")
    widen = _widened_docs(entries)
    parts = split_parts(entries)
    sources = f"--questions {questions.name}" + (
        f" --answers {answers.parent.name}/{answers.name}" if answers else ""
    )
    specs = []
    for number, part in enumerate(parts, 1):
        tools: dict[str, dict[str, Any]] = {}
        for entry in part:
            for doc in entry.functions:
                if doc["name"] not in tools:
                    where = f"{entry.id}: {doc['name']}"
                    try:
                        tools[doc["name"]] = tool_spec(
                            doc, widen.get((doc["name"], _key(doc)), {}), where
                        )
                    except BfclTypeError as exc:
                        raise BfclInputError(questions, entry.line, str(exc)) from None
        cases = []
        for entry in part:
            offer = [d["name"] for d in entry.functions] != list(tools)
            try:
                cases.append(case_spec(entry, category, offer))
            except BfclTypeError as exc:
                raise BfclInputError(questions, entry.line, str(exc)) from None
        spec = {"version": 1, "tools": list(tools.values()), "cases": cases}
        name = (
            f"{stem}.fncall.yaml"
            if len(parts) == 1
            else f"{stem}.part{number:02d}.fncall.yaml"
        )
        specs.append((name, HEADER.format(sources=sources) + dump(spec)))
    return specs


# --- YAML -------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


class _FlowDict(dict[str, Any]):
    """A mapping written on one line (flow style), with everything inside it."""


def _flow(value: Any) -> Any:
    return _FlowDict(value) if isinstance(value, dict) else value


def _represent_flow(dumper: yaml.SafeDumper, value: _FlowDict) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text and text == text.strip() and "\r" not in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowDict, _represent_flow)


def dump(spec: Mapping[str, Any]) -> str:
    """The spec as YAML: block style outside, flow style for matchers and values."""
    return yaml.dump(
        spec,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=100,
    )
