"""Convert BFCL v4 question (and possible-answer) files into ``*.fncall.yaml`` specs.

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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from ..spec_base import CASE_ID_PATTERN
from .types import (
    BfclTypeError,
    expected_value,
    property_schema,
    widening,
)

MAX_CASES: Final = 250
"""Cases per spec file at most (the larger files load and diff more slowly)."""
_GLOB: Final = re.compile(r"([*?\[])")
HEADER: Final = """\
# Imported from the Berkeley Function Calling Leaderboard (BFCL) by
#   python -m pytest_fncall import-bfcl {sources}
# BFCL data: ShishirPatil/gorilla, berkeley-function-call-leaderboard, Apache License 2.0.
# Argument matchers reproduce BFCL's AST checker (README.md#importing-bfcl).
"""


class BfclInputError(Exception):
    """Malformed input: ``path:line: message``."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Entry:
    """One BFCL question with its possible answer (None for irrelevance)."""

    id: str
    line: int
    messages: list[dict[str, Any]]
    functions: list[dict[str, Any]]
    answer: list[dict[str, Any]] | None


@dataclass
class _Part:
    tools: dict[str, str] = field(default_factory=dict)  # name: canonical doc JSON
    entries: list[Entry] = field(default_factory=list)


def read_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """Each non-blank line of a JSON-lines file, parsed, with its 1-based number."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BfclInputError(
            path, None, f"cannot read: {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError as exc:
        raise BfclInputError(path, None, f"not UTF-8 text: {exc}") from None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError as exc:
            message = f"not a JSON object on one line (BFCL's format): {exc}"
            raise BfclInputError(path, number, message) from None


def read_entries(questions: Path, answers: Path | None) -> list[Entry]:
    expected: dict[str, tuple[int, list[dict[str, Any]]]] = {}
    if answers is not None:
        for number, raw in read_lines(answers):
            answer_id, truth = _answer(answers, number, raw)
            if answer_id in expected:
                first = expected[answer_id][0]
                message = f"duplicate id {answer_id!r} (first at line {first})"
                raise BfclInputError(answers, number, message)
            expected[answer_id] = (number, truth)
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for number, raw in read_lines(questions):
        entry = _question(questions, number, raw, expected, answers)
        if entry.id in seen:
            message = f"duplicate id {entry.id!r} (first at line {seen[entry.id]})"
            raise BfclInputError(questions, number, message)
        seen[entry.id] = number
        entries.append(entry)
    if answers is not None:
        unused = [key for key in expected if key not in seen]
        if unused:
            line = expected[unused[0]][0]
            message = f"possible answer for {unused[0]!r}, which no question has"
            raise BfclInputError(answers, line, message)
    if not entries:
        raise BfclInputError(questions, None, "no entries")
    return entries


def _answer(path: Path, line: int, raw: Any) -> tuple[str, list[dict[str, Any]]]:
    def fail(message: str) -> BfclInputError:
        return BfclInputError(path, line, message)

    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise fail("a possible answer is an object with a string 'id'")
    truth = raw.get("ground_truth")
    if not isinstance(truth, list):
        raise fail(f"{raw['id']}: 'ground_truth' must be a list of calls")
    for index, call in enumerate(truth):
        where = f"{raw['id']}: ground_truth[{index}]"
        if not (isinstance(call, dict) and len(call) == 1):
            raise fail(f"{where} must be one {{function: {{param: [values]}}}}")
        ((name, params),) = call.items()
        if not isinstance(params, dict):
            raise fail(f"{where}: the parameters of {name!r} must be an object")
        for param, allowed in params.items():
            if not isinstance(allowed, list):
                raise fail(f"{where}: {name}.{param} must be a list of allowed values")
    return raw["id"], truth


def _question(
    path: Path,
    line: int,
    raw: Any,
    expected: Mapping[str, tuple[int, list[dict[str, Any]]]],
    answers: Path | None,
) -> Entry:
    def fail(message: str) -> BfclInputError:
        return BfclInputError(path, line, message)

    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise fail("a question is an object with a string 'id'")
    entry_id = raw["id"]
    if not re.match(CASE_ID_PATTERN, entry_id):
        raise fail(f"id {entry_id!r} may hold only letters, digits, '_', '.' and '-'")
    turns = raw.get("question")
    if not (isinstance(turns, list) and turns and isinstance(turns[0], list)):
        raise fail(
            f"{entry_id}: 'question' must be a list of turns (lists of messages)"
        )
    if len(turns) > 1:
        raise fail(
            f"{entry_id}: {len(turns)} turns; only single-turn categories are imported"
        )
    messages = turns[0]
    for index, message in enumerate(messages):
        good = (
            isinstance(message, dict)
            and message.get("role") in ("system", "user", "assistant")
            and isinstance(message.get("content"), str)
        )
        if not good:
            raise fail(f"{entry_id}: question message {index} needs a role and content")
    if not messages:
        raise fail(f"{entry_id}: the question has no message")
    functions = raw.get("function")
    if not isinstance(functions, list):
        raise fail(f"{entry_id}: 'function' must be a list of function docs")
    names: set[str] = set()
    for index, doc in enumerate(functions):
        _check_doc(doc, f"{entry_id}: function[{index}]", fail)
        if doc["name"] in names:
            raise fail(f"{entry_id}: function {doc['name']!r} is listed twice")
        names.add(doc["name"])
    answer = None
    if answers is not None and not _irrelevance(path):
        if entry_id not in expected:
            raise fail(f"{entry_id}: no possible answer in {answers}")
        answer = expected[entry_id][1]
        for call in answer:
            name = next(iter(call))
            if name not in names:
                raise BfclInputError(
                    answers,
                    expected[entry_id][0],
                    f"{entry_id}: the possible answer calls {name!r}, which the "
                    "question does not offer",
                )
    elif not _irrelevance(path):
        raise fail(
            f"{entry_id}: no --answers file given, and {path.name} is not an "
            "irrelevance category"
        )
    return Entry(entry_id, line, list(messages), list(functions), answer)


def _check_doc(doc: Any, where: str, fail: Any) -> None:
    if not (isinstance(doc, dict) and isinstance(doc.get("name"), str) and doc["name"]):
        raise fail(f"{where} needs a 'name'")
    params = doc.get("parameters")
    if not (isinstance(params, dict) and isinstance(params.get("properties"), dict)):
        raise fail(f"{where} ({doc['name']}): 'parameters' needs 'properties'")
    if not isinstance(params.get("required", []), list):
        raise fail(f"{where} ({doc['name']}): 'required' must be a list")
    for name, prop in params["properties"].items():
        if not isinstance(prop, dict):
            raise fail(f"{where} ({doc['name']}): parameter {name!r} is not an object")
        if name.startswith("$"):
            raise fail(
                f"{where} ({doc['name']}): parameter name {name!r} starts with $"
            )


def _irrelevance(path: Path) -> bool:
    return "irrelevance" in path.name


# --- building specs -------------------------------------------------------------------


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
