"""Read a function's description and its parameters' descriptions from its docstring.

Three common styles are understood, and may not be mixed within one docstring:

* Google: an ``Args:`` (or ``Arguments:``, ``Parameters:``, ``Params:``, ``Keyword
  Args:``) section of ``name (type): text`` entries, continued on more-indented lines;
* NumPy: a ``Parameters`` (or ``Other Parameters``) heading underlined with dashes, then
  ``name : type`` lines with the text indented below (``x, y : int`` describes both);
* reST / Sphinx: ``:param name: text`` or ``:param type name: text`` fields (also
  ``:parameter:``, ``:arg:``, ``:argument:``, ``:key:``, ``:keyword:``).

The description is the text before the first section (any Google or NumPy heading, or
a reST field), with blank lines kept between paragraphs. A parameter's text has its
lines joined by single spaces. Nothing here imports or runs the documented code.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Final

__all__ = ["Docstring", "parse_docstring"]


@dataclass(frozen=True)
class Docstring:
    """What a docstring says: the description, and a text per documented parameter."""

    description: str = ""
    params: dict[str, str] = field(default_factory=dict)


_GOOGLE_PARAMS: Final = frozenset(
    {
        "args",
        "arguments",
        "parameters",
        "params",
        "keyword args",
        "keyword arguments",
        "kwargs",
        "other parameters",
    }
)
_GOOGLE_OTHER: Final = frozenset(
    {
        "attributes",
        "example",
        "examples",
        "note",
        "notes",
        "raises",
        "references",
        "return",
        "returns",
        "see also",
        "todo",
        "warning",
        "warnings",
        "warns",
        "yield",
        "yields",
    }
)
_NUMPY_PARAMS: Final = frozenset({"parameters", "other parameters"})
# `Args:` alone on its line (text after the colon would make it a sentence).
_GOOGLE_HEADING = re.compile(r"([A-Za-z][A-Za-z ]*):\s*")
_GOOGLE_ENTRY = re.compile(r"\*{0,2}([A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:(?:\s+(.*)|$)")
_NUMPY_UNDERLINE = re.compile(r"-{3,}\s*")
_NUMPY_ENTRY = re.compile(
    r"\*{0,2}([A-Za-z_]\w*(?:\s*,\s*\*{0,2}[A-Za-z_]\w*)*)\s*(?::.*)?"
)
_REST_FIELD = re.compile(r":([A-Za-z_][\w ]*?)(?:\s+([^:]*?))?:(?:\s+(.*)|$)")
_REST_PARAM_KINDS: Final = frozenset(
    {"param", "parameter", "arg", "argument", "key", "keyword"}
)


def parse_docstring(text: str | None) -> Docstring:
    """The description and parameter texts of ``text`` (a raw ``__doc__``, or None)."""
    if not text:
        return Docstring()
    lines = inspect.cleandoc(text).splitlines()
    end = _first_section(lines)
    description = _paragraphs(lines[:end])
    params: dict[str, str] = {}
    _google(lines, params)
    _numpy(lines, params)
    _rest(lines, params)
    return Docstring(description, params)


def _first_section(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _is_google_heading(line) or stripped.startswith(":"):
            return index
        if _is_numpy_heading(lines, index):
            return index
    return len(lines)


def _is_google_heading(line: str) -> bool:
    match = _GOOGLE_HEADING.fullmatch(line)
    return match is not None and match[1].lower() in _GOOGLE_PARAMS | _GOOGLE_OTHER


def _is_numpy_heading(lines: list[str], index: int) -> bool:
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return (
        bool(lines[index].strip())
        and not lines[index].startswith(" ")
        and bool(_NUMPY_UNDERLINE.fullmatch(following.strip()))
    )


def _paragraphs(lines: list[str]) -> str:
    """Lines joined as written, blank runs squeezed to one, ends trimmed."""
    kept: list[str] = []
    for line in lines:
        line = line.rstrip()
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _google(lines: list[str], params: dict[str, str]) -> None:
    index = 0
    while index < len(lines):
        match = _GOOGLE_HEADING.fullmatch(lines[index])
        if not match or match[1].lower() not in _GOOGLE_PARAMS:
            index += 1
            continue
        base = _indent(lines[index])
        index += 1
        entry_indent: int | None = None
        name: str | None = None
        parts: list[str] = []
        while index < len(lines):
            line = lines[index]
            if line.strip() and _indent(line) <= base:
                break  # the section ended
            if line.strip():
                depth = _indent(line)
                if entry_indent is None:
                    entry_indent = depth
                entry = _GOOGLE_ENTRY.fullmatch(line.strip())
                if depth <= entry_indent and entry:
                    _store(params, name, parts)
                    name, parts = entry[1], [entry[2] or ""]
                elif name is not None:
                    parts.append(line.strip())
            index += 1
        _store(params, name, parts)


def _numpy(lines: list[str], params: dict[str, str]) -> None:
    index = 0
    while index < len(lines):
        heading = lines[index].strip().lower()
        if not (_is_numpy_heading(lines, index) and heading in _NUMPY_PARAMS):
            index += 1
            continue
        index += 2
        names: list[str] = []
        parts: list[str] = []
        while index < len(lines):
            line = lines[index]
            if _is_numpy_heading(lines, index):
                break
            entry = _NUMPY_ENTRY.fullmatch(line.strip())
            if line.strip() and _indent(line) == 0 and entry:
                for name in names:
                    _store(params, name, parts)
                names = [n.strip().lstrip("*") for n in entry[1].split(",")]
                parts = []
            elif line.strip() and names:
                parts.append(line.strip())
            index += 1
        for name in names:
            _store(params, name, parts)


def _rest(lines: list[str], params: dict[str, str]) -> None:
    name: str | None = None
    parts: list[str] = []
    for line in lines:
        stripped = line.strip()
        field_match = _REST_FIELD.fullmatch(stripped) if stripped else None
        if field_match:
            _store(params, name, parts)
            name, parts = None, []
            kind, argument, text = field_match[1], field_match[2], field_match[3]
            if kind.strip() in _REST_PARAM_KINDS and argument:
                name = argument.split()[-1].lstrip("*")  # `:param int x:` -> x
                parts = [text or ""]
        elif name is not None:
            if stripped and _indent(line) > 0:
                parts.append(stripped)
            else:
                _store(params, name, parts)
                name, parts = None, []
    _store(params, name, parts)


def _store(params: dict[str, str], name: str | None, parts: list[str]) -> None:
    if name is None:
        return
    text = " ".join(part for part in parts if part)
    if text and name not in params:  # the first description given wins
        params[name] = text
