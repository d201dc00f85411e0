"""Read BFCL v4 question (and possible-answer) files into checked :class:`Entry` objects.

Both files are JSON lines. Each question needs an id, one turn of messages and its
function docs; each possible answer a ``ground_truth`` list of calls. Every question of
a category other than irrelevance needs a possible answer, and every possible answer a
question. Anything else is a :class:`BfclInputError` naming file and line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..spec_base import CASE_ID_PATTERN

__all__ = ["BfclInputError", "Entry", "read_entries", "read_lines"]


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
    """The entries of ``questions`` in order, each with its answer from ``answers``."""
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
